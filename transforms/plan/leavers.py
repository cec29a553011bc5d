"""Plan the leavers sheet: who leaves the organization, or which teams, as joins.

A row without teams removes the person's organization membership (``DELETE`` membership: their
Cal.com account stays, api-notes); a row with teams removes only those team memberships. A user
is never deleted. A team the person is not in, or a person no longer in the organization, is a
note (and a warning), not a step: the row is already done, so a rerun after a cut-off run
completes it.
Leaving is only ever explicit; ``--mode sync`` on a users sheet never removes anyone from the org.
"""

from __future__ import annotations

import polars as pl

from transforms.org_state import OrgState
from transforms.plan.steps import ROW_SCHEMA, STEP_SCHEMA
from transforms.plan.users import json_of
from transforms.validate.leavers import NOT_A_MEMBER

LEAVE_ORG = "leave the organization (membership removed; the Cal.com account stays)"
PRUNED_TEAM = (
    "team {} is deleted by this file's teams sheet (--prune-definitions); nothing to leave"
)


def plan_leavers(
    typed: pl.DataFrame,
    state: OrgState,
    skip_rows: set[int],
    deleted_teams: frozenset[int] | set[int] = frozenset(),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(row frame, step frame) for the valid rows of the typed leavers sheet.

    ``deleted_teams``: teams the same plan deletes first (``--prune-definitions``); leaving one
    is a note, not a step, since deleting the team ends the membership (a DELETE after it 404s).
    """
    users = state.frame("users").select("email", "user_id", "org_membership_id")
    leavers = typed.filter(~pl.col("row").is_in(sorted(skip_rows))).join(
        users, on="email", how="left", maintain_order="left"
    )
    member = pl.col("user_id").is_not_null()
    whole = leavers.filter(member & (pl.col("teams").list.len().fill_null(0) == 0))
    listed = (
        leavers.filter(member & (pl.col("teams").list.len() > 0))
        .select("row", "user_id", "teams")
        .with_columns(position=pl.int_ranges(pl.col("teams").list.len(), dtype=pl.Int64))
        .explode("teams", "position")
        .unnest("teams")
        .join(state.frame("team_memberships"), on=["user_id", "team_id"], how="left")
        .join(state.frame("team_names"), on="team_id", how="left")
        .with_columns(pruned=pl.col("team_id").is_in(sorted(deleted_teams)))
    )
    in_team = pl.col("membership_id").is_not_null()
    not_in = (
        listed.filter(~in_team | pl.col("pruned"))
        .group_by("row", maintain_order=True)
        .agg(
            pl.when(in_team)
            .then(pl.format(PRUNED_TEAM, "team_name"))
            .otherwise(pl.format("not in team {}; nothing to remove", "team_name"))
            .alias("notes")
        )
    )
    rows = (
        leavers.join(not_in, on="row", how="left", maintain_order="left")
        .select(
            sheet=pl.lit("leavers"),
            row="row",
            key="email",
            user_id="user_id",
            creates=pl.lit(False),
            refusal=pl.lit(None, dtype=pl.Utf8),
            notes=pl.when(member)
            .then(pl.col("notes").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))))
            .otherwise(pl.lit([NOT_A_MEMBER], dtype=pl.List(pl.Utf8))),
        )
        .cast(ROW_SCHEMA)
    )
    org_steps = whole.select(
        sheet=pl.lit("leavers"),
        row="row",
        step=pl.lit(1, dtype=pl.Int64),
        action=pl.lit("leave_org"),
        detail=pl.lit(LEAVE_ORG),
        params=json_of(
            email=pl.col("email"),
            membership_id=pl.col("org_membership_id"),
            user_id=pl.col("user_id"),
        ),
    )
    team_steps = (
        listed.filter(in_team & ~pl.col("pruned"))
        .sort("row", "position")
        .select(
            sheet=pl.lit("leavers"),
            row="row",
            step=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("row"),
            action=pl.lit("remove_team_membership"),
            detail=pl.format("leave team {}", "team_name"),
            params=json_of(team_id=pl.col("team_id"), membership_id=pl.col("membership_id")),
        )
    )
    steps = pl.concat([org_steps.cast(STEP_SCHEMA), team_steps.cast(STEP_SCHEMA)]).sort(
        "row", "step"
    )
    return rows, steps
