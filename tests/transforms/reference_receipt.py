"""The receipt as calbulk built it row by row before it became joins: an oracle for the tests.

Kept verbatim from ``transforms/receipt.py`` as it was.

The import receipt: one line per input row, saying what happened to it.

Columns: sheet, row (as Excel shows it), email (or role name), user_id, outcome (created,
updated, unchanged, failed, skipped), done (what was sent, ``; ``-separated), error, notes.
Rows that failed validation are ``skipped`` with their problems as the error; rows of a file
that was not applied at all are ``skipped`` with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from transforms.problems import Problem

OUTCOMES = ("created", "updated", "unchanged", "failed", "skipped")
RECEIPT_SCHEMA = {
    "sheet": pl.Utf8,
    "row": pl.Int64,
    "email": pl.Utf8,
    "user_id": pl.Int64,
    "outcome": pl.Utf8,
    "done": pl.Utf8,
    "error": pl.Utf8,
    "notes": pl.Utf8,
}
KEY_COLUMN = {"users": "email", "ooo": "email", "roles": "name"}


def receipt_frame(
    frames: Mapping[str, pl.DataFrame],
    results: Iterable[Mapping[str, Any]],
    problems: Iterable[Problem],
    sources: Mapping[str, str],
    not_applied: str | None = None,
) -> pl.DataFrame:
    """Every row of every sheet once: its result, or why it was skipped.

    ``frames`` are the normalised sheets (``row`` + key column), ``sources`` the sheet's source
    name per kind (problems are keyed by it), ``not_applied`` the reason when nothing was sent.
    """
    by_row = {(r["sheet"], r["row"]): r for r in results}
    errors: dict[tuple[str, int], list[str]] = {}
    for problem in problems:
        if problem.is_error and problem.row is not None:
            text = f"{problem.column}: {problem.problem} ({problem.value!s})"
            errors.setdefault((problem.sheet, problem.row), []).append(text)
    lines = []
    for kind, frame in frames.items():
        key_column = KEY_COLUMN[kind]
        for row, key in frame.select("row", key_column).iter_rows():
            result = by_row.get((kind, row))
            if result is not None:
                lines.append(_result_line(kind, row, result))
                continue
            reasons = errors.get((sources.get(kind, kind), row))
            error = "; ".join(reasons) if reasons else not_applied or "not planned"
            lines.append(_line(kind, row, key, None, "skipped", [], error, []))
    return pl.DataFrame(lines, schema=RECEIPT_SCHEMA)


def outcome_counts(receipt: pl.DataFrame) -> dict[str, int]:
    """How many rows ended in each outcome (every outcome listed, zeros included)."""
    counts = dict(receipt.group_by("outcome").len().iter_rows())
    return {outcome: int(counts.get(outcome, 0)) for outcome in OUTCOMES}


def _result_line(kind: str, row: int, result: Mapping[str, Any]) -> dict[str, Any]:
    return _line(
        kind,
        row,
        result["key"],
        result.get("user_id"),
        result["outcome"],
        result.get("done") or [],
        result.get("error"),
        result.get("notes") or [],
    )


def _line(
    kind: str,
    row: int,
    key: str | None,
    user_id: int | None,
    outcome: str,
    done: list[str],
    error: str | None,
    notes: list[str],
) -> dict[str, Any]:
    return {
        "sheet": kind,
        "row": row,
        "email": key,
        "user_id": user_id,
        "outcome": outcome,
        "done": "; ".join(done) or None,
        "error": error,
        "notes": "; ".join(notes) or None,
    }
