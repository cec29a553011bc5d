"""The import plan's vocabulary: steps, the steps of one input row, and the whole plan.

The plan stage computes the plan as frames (one line per row, one per step); ``ImportPlan``
holds them and offers the rows and steps as objects to the apply stage, built only on demand.

A step is one API write, described with the fields the API takes. Steps that need something
created earlier in the same run (the id of a user created by this row, an option created by the
prelude) carry what identifies it (the e-mail, the option's value) and are resolved when applied.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

ACTIONS = (
    "create_option",
    "create_user",
    "update_user",
    "change_org_role",
    "add_team_membership",
    "change_team_role",
    "remove_team_membership",
    "unassign_option",
    "assign_option",
    "create_ooo",
    "create_role",
    "update_role",
    "add_role_permissions",
    "set_role_permissions",
    "leave_org",
    "create_team",
    "update_team",
    "delete_team",
    "create_attribute",
    "update_attribute",
    "add_attribute_option",
    "delete_attribute_option",
    "delete_attribute",
    "create_webhook",
    "update_webhook",
    "delete_webhook",
)
REMOVING_ACTIONS = ("remove_team_membership", "unassign_option", "set_role_permissions",
                    "leave_org", "delete_team", "delete_attribute_option", "delete_attribute",
                    "delete_webhook")  # fmt: skip


@dataclass(frozen=True)
class Step:
    """One write: ``action`` (one of ACTIONS), the API fields, and a line a person reads."""

    action: str
    params: dict[str, Any]
    summary: str

    def key(self) -> str:
        """A stable identity for the journal: the same step planned twice has the same key."""
        return f"{self.action}:{json.dumps(self.params, sort_keys=True, default=str)}"


@dataclass
class RowPlan:
    """What one input row needs: its steps in order, notes, or why it cannot be done."""

    sheet: str
    row: int
    key: str
    user_id: int | None
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    creates: bool = False
    refusal: str | None = None

    @property
    def is_unchanged(self) -> bool:
        return not self.steps and self.refusal is None


PLAN_SCHEMA = {
    "sheet": pl.Utf8,
    "row": pl.Int64,
    "key": pl.Utf8,
    "user_id": pl.Int64,
    "step": pl.Int64,
    "action": pl.Utf8,
    "detail": pl.Utf8,
    "params": pl.Utf8,
}
# One line per planned input row, in plan order (users, then ooo, then roles; file order within).
ROW_SCHEMA = {
    "sheet": pl.Utf8,
    "row": pl.Int64,
    "key": pl.Utf8,
    "user_id": pl.Int64,
    "creates": pl.Boolean,
    "refusal": pl.Utf8,
    "notes": pl.List(pl.Utf8),
}
# One line per step: ``step`` is its 1-based position in its row, ``params`` the API fields as JSON.
STEP_SCHEMA = {
    "sheet": pl.Utf8,
    "row": pl.Int64,
    "step": pl.Int64,
    "action": pl.Utf8,
    "detail": pl.Utf8,
    "params": pl.Utf8,
}
PRELUDE_SCHEMA = {"action": pl.Utf8, "detail": pl.Utf8, "params": pl.Utf8}


def params_json(params: dict[str, Any]) -> str:
    """Params as the plan's frames hold them: compact JSON with sorted keys."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


class ImportPlan:
    """The plan as frames: the prelude's steps, one line per planned row, one line per step.

    ``row_frame`` (ROW_SCHEMA), ``step_frame`` (STEP_SCHEMA, in plan order) and ``prelude_frame``
    (PRELUDE_SCHEMA) are what the plan stage computes, as joins; counts and the plan file come
    straight from them. ``rows`` and ``prelude`` give the same plan as :class:`RowPlan` and
    :class:`Step` objects for the apply stage, built on first use. ``ImportPlan(mode, prelude=...,
    rows=...)`` builds the frames from such objects.
    """

    def __init__(
        self,
        mode: str,
        prelude: list[Step] | None = None,
        rows: list[RowPlan] | None = None,
        *,
        row_frame: pl.DataFrame | None = None,
        step_frame: pl.DataFrame | None = None,
        prelude_frame: pl.DataFrame | None = None,
    ) -> None:
        self.mode = mode
        if prelude is not None or rows is not None:
            row_frame, step_frame = frames_from_rows(rows or [])
            prelude_frame = prelude_frame_from_steps(prelude or [])
        self.row_frame = row_frame if row_frame is not None else empty(ROW_SCHEMA)
        self.step_frame = step_frame if step_frame is not None else empty(STEP_SCHEMA)
        self.prelude_frame = prelude_frame if prelude_frame is not None else empty(PRELUDE_SCHEMA)
        self._rows: list[RowPlan] | None = None
        self._prelude: list[Step] | None = None

    @property
    def prelude(self) -> list[Step]:
        """Options to create once, before any row runs (built from the frame on first use)."""
        if self._prelude is None:
            self._prelude = [
                Step(action, json.loads(params), detail)
                for action, detail, params in self.prelude_frame.iter_rows()
            ]
        return self._prelude

    @property
    def rows(self) -> list[RowPlan]:
        """Every planned row with its steps, in plan order (built from the frames on first use)."""
        if self._rows is None:
            self._rows = _materialise(self.row_frame, self.step_frame)
        return self._rows

    @property
    def row_count(self) -> int:
        return self.row_frame.height

    @property
    def step_count(self) -> int:
        return self.prelude_frame.height + self.step_frame.height

    def action_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for frame in (self.prelude_frame, self.step_frame):
            for action, count in frame.group_by("action", maintain_order=True).len().iter_rows():
                counts[action] = counts.get(action, 0) + count
        return counts

    def to_frame(self) -> pl.DataFrame:
        """One line per step (and one per unchanged or refused row), for the plan file."""
        return pl.concat([self._prelude_lines(), *self._row_lines()])

    def write_csv(self, path: Path | str, batch_rows: int = 200_000) -> None:
        """The plan file (the lines of :meth:`to_frame`), written ``batch_rows`` rows at a
        time so a plan of millions of steps never sits in memory as text all at once."""
        with open(path, "wb") as out:
            self._prelude_lines().write_csv(out)
            for lines in self._row_lines(batch_rows):
                lines.write_csv(out, include_header=False)

    def _prelude_lines(self) -> pl.DataFrame:
        return self.prelude_frame.select(
            sheet=pl.lit("prelude"),
            row=pl.lit(None, dtype=pl.Int64),
            key=pl.lit(""),
            user_id=pl.lit(None, dtype=pl.Int64),
            step=pl.int_range(1, pl.len() + 1, dtype=pl.Int64),
            action="action",
            detail="detail",
            params="params",
        ).cast(PLAN_SCHEMA)

    def _row_lines(self, batch_rows: int | None = None) -> Iterator[pl.DataFrame]:
        """Plan-file lines of the rows, sheet by sheet in plan order, ``batch_rows`` at a time:
        a left join of the rows with their steps (steps are in row order within a sheet)."""
        for (sheet,), rows in self.row_frame.group_by("sheet", maintain_order=True):
            steps = self.step_frame.filter(pl.col("sheet") == sheet).drop("sheet")
            size = batch_rows or max(rows.height, 1)
            for start in range(0, rows.height, size):
                batch = rows.slice(start, size)
                first, last = batch["row"].min(), batch["row"].max()
                yield _lines(batch, steps.filter(pl.col("row").is_between(first, last)))


def _lines(rows: pl.DataFrame, steps: pl.DataFrame) -> pl.DataFrame:
    joined = rows.join(steps, on="row", how="left", maintain_order="left_right")
    no_step = pl.col("action").is_null()
    return joined.select(
        "sheet",
        "row",
        "key",
        "user_id",
        pl.col("step").fill_null(0),
        pl.when(no_step)
        .then(
            pl.when(pl.col("refusal").is_not_null())
            .then(pl.lit("refuse"))
            .otherwise(pl.lit("none"))
        )
        .otherwise(pl.col("action").cast(pl.Utf8))
        .alias("action"),
        pl.when(no_step)
        .then(pl.coalesce("refusal", pl.lit("nothing to do")))
        .otherwise(pl.col("detail").cast(pl.Utf8))
        .alias("detail"),
        pl.col("params").cast(pl.Utf8),
    ).cast(PLAN_SCHEMA)


def plan_text_type() -> pl.DataType:
    """The dtype of a plan's repetitive text (action, summary, params): categories of its own,
    so the thousands of identical ``assign_option`` lines are held once, and freed with it."""
    return pl.Categorical(pl.Categories.random())


def with_text_type(frame: pl.DataFrame, text: pl.DataType) -> pl.DataFrame:
    """A STEP_SCHEMA frame with its action, detail and params as ``text``."""
    return frame.cast({**STEP_SCHEMA, "action": text, "detail": text, "params": text})


def _materialise(row_frame: pl.DataFrame, step_frame: pl.DataFrame) -> list[RowPlan]:
    by_row: dict[tuple[str, int], list[Step]] = {}
    for sheet, row, action, detail, params in step_frame.select(
        "sheet", "row", "action", "detail", "params"
    ).iter_rows():
        by_row.setdefault((sheet, row), []).append(Step(action, json.loads(params), detail))
    return [
        RowPlan(
            sheet,
            row,
            key,
            user_id,
            steps=by_row.get((sheet, row), []),
            notes=list(notes or []),
            creates=bool(creates),
            refusal=refusal,
        )
        for sheet, row, key, user_id, creates, refusal, notes in row_frame.select(
            list(ROW_SCHEMA)
        ).iter_rows()
    ]


def frames_from_rows(rows: list[RowPlan]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The row and step frames of RowPlan objects (for sheets planned row by row: roles)."""
    row_frame = pl.DataFrame(
        [(r.sheet, r.row, r.key, r.user_id, r.creates, r.refusal, r.notes) for r in rows],
        schema=ROW_SCHEMA,
        orient="row",
    )
    step_frame = pl.DataFrame(
        [
            (r.sheet, r.row, number, s.action, s.summary, params_json(s.params))
            for r in rows
            for number, s in enumerate(r.steps, start=1)
        ],
        schema=STEP_SCHEMA,
        orient="row",
    )
    return row_frame, step_frame


def prelude_frame_from_steps(steps: list[Step]) -> pl.DataFrame:
    return pl.DataFrame(
        [(s.action, s.summary, params_json(s.params)) for s in steps],
        schema=PRELUDE_SCHEMA,
        orient="row",
    )
