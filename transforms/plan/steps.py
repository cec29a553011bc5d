"""The import plan's vocabulary: steps, the steps of one input row, and the whole plan.

A step is one API write, described with the fields the API takes. Steps that need something
created earlier in the same run (the id of a user created by this row, an option created by the
prelude) carry what identifies it (the e-mail, the option's value) and are resolved when applied.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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
)
REMOVING_ACTIONS = ("remove_team_membership", "unassign_option", "set_role_permissions")


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


@dataclass
class ImportPlan:
    """The prelude (options to create once) and every row's steps, in file order per sheet."""

    mode: str
    prelude: list[Step] = field(default_factory=list)
    rows: list[RowPlan] = field(default_factory=list)

    @property
    def step_count(self) -> int:
        return len(self.prelude) + sum(len(r.steps) for r in self.rows)

    def action_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for step in self.prelude + [s for r in self.rows for s in r.steps]:
            counts[step.action] = counts.get(step.action, 0) + 1
        return counts

    def to_frame(self) -> pl.DataFrame:
        """One line per step (and one per unchanged or refused row), for the plan file."""
        lines: list[dict[str, Any]] = []
        for number, step in enumerate(self.prelude, start=1):
            lines.append(_line("prelude", None, "", None, number, step))
        for plan in self.rows:
            if not plan.steps:
                what = plan.refusal or "nothing to do"
                lines.append(
                    {
                        **_line(plan.sheet, plan.row, plan.key, plan.user_id, 0, None),
                        "action": "refuse" if plan.refusal else "none",
                        "detail": what,
                    }
                )
            for number, step in enumerate(plan.steps, start=1):
                lines.append(_line(plan.sheet, plan.row, plan.key, plan.user_id, number, step))
        return pl.DataFrame(lines, schema=PLAN_SCHEMA)


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


def _line(
    sheet: str, row: int | None, key: str, user_id: int | None, number: int, step: Step | None
) -> dict[str, Any]:
    return {
        "sheet": sheet,
        "row": row,
        "key": key,
        "user_id": user_id,
        "step": number,
        "action": step.action if step else None,
        "detail": step.summary if step else None,
        "params": json.dumps(step.params, sort_keys=True, default=str) if step else None,
    }
