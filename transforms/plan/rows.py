"""``--rows SPEC``: rehearse on a few rows before the rest.

``2-6,15`` names spreadsheet rows as Excel shows them (on every sheet of the file). The plan keeps
only those rows' steps, and only the prelude's option creations those steps need; the receipt
marks the other rows as not run. A later run without ``--rows`` completes them: the plan is the
file minus the organization, so the rows already done plan nothing.
"""

from __future__ import annotations

import re

import polars as pl

from transforms.plan.steps import ImportPlan

_PART = re.compile(r"^(\d+)(?:\s*-\s*(\d+))?$")
ACCEPTED = "row numbers as Excel shows them, e.g. 2-6,15 (the header is row 1)"


def parse_rows(spec: str) -> frozenset[int]:
    """``'2-6, 15'`` -> {2, 3, 4, 5, 6, 15}; ValueError naming the bad part and what is accepted."""
    rows: set[int] = set()
    parts = [p.strip() for p in spec.split(",")]
    for part in parts:
        found = _PART.match(part)
        if not found:
            raise ValueError(f"--rows {spec!r}: {part!r} is not a row or range; give {ACCEPTED}")
        first = int(found[1])
        last = int(found[2]) if found[2] else first
        if first < 2 or last < first:
            raise ValueError(f"--rows {spec!r}: {part!r} is not a range of data rows; {ACCEPTED}")
        rows.update(range(first, last + 1))
    return frozenset(rows)


def not_run_reason(spec: str) -> str:
    return f"not run: outside --rows {spec}; the same command without --rows runs it"


def only_rows(plan: ImportPlan, rows: frozenset[int]) -> ImportPlan:
    """The plan restricted to ``rows``; the prelude keeps the options their steps need."""
    wanted = pl.col("row").is_in(sorted(rows))
    steps = plan.step_frame.filter(wanted)
    params = pl.col("params").cast(pl.Utf8)
    needed = (
        steps.filter(pl.col("action").cast(pl.Utf8) == "assign_option")
        .select(
            attribute_id=params.str.json_path_match("$.attribute_id"),
            value=params.str.json_path_match("$.value").str.to_lowercase(),
            option_id=params.str.json_path_match("$.option_id"),
        )
        .filter(pl.col("option_id").is_null())
        .select("attribute_id", "value")
        .unique()
    )
    prelude_params = pl.col("params").cast(pl.Utf8)
    prelude = (
        plan.prelude_frame.with_columns(
            attribute_id=prelude_params.str.json_path_match("$.attribute_id"),
            value=prelude_params.str.json_path_match("$.value").str.to_lowercase(),
        )
        .join(needed, on=["attribute_id", "value"], how="semi", maintain_order="left")
        .drop("attribute_id", "value")
    )
    return ImportPlan(
        plan.mode,
        row_frame=plan.row_frame.filter(wanted),
        step_frame=steps,
        prelude_frame=prelude,
    )
