"""The import receipt: one line per input row, saying what happened to it.

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
KEY_COLUMN = {"users": "email", "ooo": "email", "roles": "name", "leavers": "email",
              "teams": "name", "attributes": "slug", "webhooks": "subscriber_url"}  # fmt: skip


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
    Rows meet their result and their problems by joins on (sheet, row).
    """
    done = _results_frame(results)
    errors = _errors_frame(problems)
    lines = []
    for kind, frame in frames.items():
        rows = frame.select(
            pl.lit(kind).alias("sheet"),
            "row",
            pl.col(KEY_COLUMN[kind]).cast(pl.Utf8).alias("key"),
            pl.lit(sources.get(kind, kind)).alias("source"),
        )
        joined = rows.join(done, on=["sheet", "row"], how="left", maintain_order="left").join(
            errors, on=["source", "row"], how="left", maintain_order="left"
        )
        ran = pl.col("outcome").is_not_null()
        skipped_because = pl.coalesce("reasons", pl.lit(not_applied or "not planned"))
        lines.append(
            joined.select(
                "sheet",
                "row",
                pl.when(ran).then(pl.col("result_key")).otherwise(pl.col("key")).alias("email"),
                pl.when(ran).then(pl.col("user_id")).alias("user_id"),
                pl.col("outcome").fill_null("skipped"),
                pl.when(ran).then(pl.col("done")).alias("done"),
                pl.when(ran).then(pl.col("error")).otherwise(skipped_because).alias("error"),
                pl.when(ran).then(pl.col("notes")).alias("notes"),
            )
        )
    listed = pl.concat([f.select("sheet", "row") for f in lines]) if lines else None
    if listed is not None:  # lines of no sheet row: definitions pruned (numbered after the sheet)
        extra = done.join(listed, on=["sheet", "row"], how="anti", maintain_order="left")
        lines.append(extra.select("sheet", "row", pl.col("result_key").alias("email"), "user_id",
                                  "outcome", "done", "error", "notes"))  # fmt: skip
    return pl.concat(lines).cast(RECEIPT_SCHEMA) if lines else pl.DataFrame(schema=RECEIPT_SCHEMA)


def _results_frame(results: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """Results as one line per (sheet, row); lists of what was done and notes joined by ``; ``."""
    lines = [
        (
            r["sheet"],
            r["row"],
            r["key"],
            r.get("user_id"),
            r["outcome"],
            "; ".join(r.get("done") or []) or None,
            r.get("error"),
            "; ".join(r.get("notes") or []) or None,
        )
        for r in results
    ]
    schema = {
        "sheet": pl.Utf8,
        "row": pl.Int64,
        "result_key": pl.Utf8,
        "user_id": pl.Int64,
        "outcome": pl.Utf8,
        "done": pl.Utf8,
        "error": pl.Utf8,
        "notes": pl.Utf8,
    }
    frame = pl.DataFrame(lines, schema=schema, orient="row")
    return frame.unique(["sheet", "row"], keep="last", maintain_order=True)


def _errors_frame(problems: Iterable[Problem]) -> pl.DataFrame:
    """Each row's errors as one text: ``column: problem (value)``, ``; ``-separated."""
    lines = [
        (p.sheet, p.row, f"{p.column}: {p.problem} ({p.value!s})")
        for p in problems
        if p.is_error and p.row is not None
    ]
    frame = pl.DataFrame(
        lines, schema={"source": pl.Utf8, "row": pl.Int64, "text": pl.Utf8}, orient="row"
    )
    return frame.group_by("source", "row", maintain_order=True).agg(
        reasons=pl.col("text").str.join("; ")
    )


def outcome_counts(receipt: pl.DataFrame) -> dict[str, int]:
    """How many rows ended in each outcome (every outcome listed, zeros included)."""
    counts = dict(receipt.group_by("outcome").len().iter_rows())
    return {outcome: int(counts.get(outcome, 0)) for outcome in OUTCOMES}
