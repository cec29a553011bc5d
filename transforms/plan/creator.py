"""The API key's user's OWNER membership of the teams a file creates.

Creating a team through the Cal.com API makes the key's user (``/v2/me``) an OWNER of it (the
sandbox does the same). The plan counts that membership as held from the team's creation on:
:func:`creator_memberships` gives it as team-membership lines (role OWNER; the membership's id
is known only once the team exists, and is looked up when a step needs it) that the users
sheet's planner (``transforms.plan.users``) joins like any other membership. So:

- a users row listing the key's user in the team with another role (``Platform:MEMBER``)
  plans a role change ``OWNER -> MEMBER``, never a join the API has already made;
- listed as OWNER, or without a role (membership only: a member keeps their role), nothing;
- not listed: nothing in ``add`` (an import never removes people); in ``sync``, where a users
  row names the key's user (and the sheet has a teams column), the membership is removed as
  any team membership the file no longer lists for the people it names. A key's user no row
  names keeps it in both modes: sync changes only the people the file names.

:func:`creator_notes` says on the team's row and on the key's user's row what became of that
membership. Once the team exists (a rerun, or a resumed run after an interrupted one created
it), the membership is a real one the org listing returns and the same planner plans the same
thing from it: nothing after success, what is left after an interrupt.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from transforms.org_state import OrgState
from transforms.validate.typed import TEAMS_TYPE

OWNER = "OWNER"
SAYS = "the API makes the key's user "  # how the team's note starts
MEMBERSHIP_SCHEMA = {"user_id": pl.Int64, "team_id": pl.Int64, "membership_id": pl.Int64,
                     "held_role": pl.Utf8}  # fmt: skip
NOTE_SCHEMA = {"row": pl.Int64, "note": pl.Utf8}


@dataclass(frozen=True)
class KeyUser:
    """The user the API key belongs to (``/v2/me``): the OWNER of every team it creates."""

    user_id: int
    email: str


def planned_teams(state: OrgState) -> pl.DataFrame:
    """The teams the file's teams sheet creates: placeholder id (minus the row) and name."""
    return state.frame("team_names").filter(pl.col("team_id") < 0)


def created_teams(
    state: OrgState, teams_sheet: pl.DataFrame | None, resumed_rows: set[int]
) -> pl.DataFrame:
    """``row`` (on the teams sheet), ``team_id``, ``team_name`` of each team the file creates
    and of each one an interrupted run of it created (``resumed_rows``: the teams rows it
    journaled ``create_team`` for, from ``flows.importer.journal``) that the org now has."""
    planned = planned_teams(state).select(row=-pl.col("team_id"), team_id="team_id",
                                          team_name="team_name")  # fmt: skip
    if teams_sheet is None or not resumed_rows:
        return planned
    names = state.frame("team_names").with_columns(key=pl.col("team_name").str.to_lowercase())
    earlier = (
        teams_sheet.filter(pl.col("row").is_in(sorted(resumed_rows)))
        .select("row", key=pl.col("name").str.strip_chars().str.to_lowercase())
        .join(names.filter(pl.col("team_id") > 0), on="key", how="inner")
        .select("row", "team_id", "team_name")
    )
    return pl.concat([planned, earlier]).unique("row", keep="first", maintain_order=True)


def creator_memberships(state: OrgState, key: KeyUser | None) -> pl.DataFrame:
    """The key's user's OWNER membership of each team the file creates, as the state's
    ``team_memberships`` frame has memberships (a null id: the team does not exist yet)."""
    if key is None:
        return pl.DataFrame(schema=MEMBERSHIP_SCHEMA)
    return planned_teams(state).select(
        user_id=pl.lit(key.user_id, dtype=pl.Int64),
        team_id="team_id",
        membership_id=pl.lit(None, dtype=pl.Int64),
        held_role=pl.lit(OWNER),
    )


def key_user_row(users: pl.DataFrame | None, state: OrgState, key: KeyUser) -> pl.DataFrame:
    """The planned users row naming the key's user (``row``, ``teams``), if any."""
    if users is None:
        return pl.DataFrame(schema={"row": pl.Int64, "teams": TEAMS_TYPE})
    ids = state.frame("users").select("email", "user_id")
    return (
        users.select("row", "email", "teams")
        .join(ids, on="email", how="inner")
        .filter(pl.col("user_id") == key.user_id)
        .select("row", "teams")
    )


def creator_notes(
    users: pl.DataFrame | None,
    state: OrgState,
    key: KeyUser | None,
    teams: pl.DataFrame,
    *,
    mode: str,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(team_notes, user_notes)``: one note per team of ``teams`` (:func:`created_teams`), on
    its teams row, and the same on the key's user's users row (``users``: the planned rows of
    the typed users sheet with a ``teams`` column, or None when the sheet has none)."""
    empty = pl.DataFrame(schema=NOTE_SCHEMA)
    if key is None or not teams.height:
        return empty, empty
    mine = key_user_row(users, state, key)
    named = mine.height > 0
    key_row = int(mine["row"][0]) if named else None
    listed = (
        mine.explode("teams").unnest("teams").select("team_id", "role")
        if named
        else pl.DataFrame(schema={"team_id": pl.Int64, "role": pl.Utf8})
    )
    listed = listed.with_columns(listed=pl.lit(True))
    lines = teams.join(listed, on="team_id", how="left", maintain_order="left")
    role, row = pl.col("role"), pl.lit(key_row, dtype=pl.Int64)
    fate = (
        pl.when(pl.col("listed") & role.is_not_null() & (role != OWNER))
        .then(pl.format("the users sheet (row {}) makes them {}", row, role))
        .when(pl.col("listed"))
        .then(pl.format("they stay its OWNER, as the users sheet (row {}) lists them", row))
        .when(pl.lit(named and mode == "sync"))
        .then(pl.format("--mode sync removes them: the users sheet (row {}) does not list it", row))
        .when(pl.lit(users is None))
        .then(pl.lit("nothing in this file changes that (no users sheet with a teams column)"))
        .otherwise(
            pl.lit(
                "they stay its OWNER: the users sheet does not list them in it and an import "
                "never removes people (only --mode sync does, for a users row naming them)"
            )
        )
    )
    who = pl.lit(f"{SAYS}{key.email} an OWNER of a team it creates: ")
    team_notes = lines.select("row", note=pl.concat_str(who, fate))
    user_notes = lines.select(
        row=row, note=pl.format("team {}: the API made them its OWNER when it created it; {}",
                                "team_name", fate),
    ).filter(pl.col("row").is_not_null())  # fmt: skip
    return team_notes.cast(NOTE_SCHEMA), user_notes.cast(NOTE_SCHEMA)


def owner_lines(rows: pl.DataFrame) -> list[str]:
    """The teams rows' notes about the key's user, ``team NAME: note``, for the summary."""
    notes = rows.filter(pl.col("sheet") == "teams").explode("notes")
    said = notes.filter(pl.col("notes").str.starts_with(SAYS))
    return said.select(pl.format("team {}: {}", "key", "notes")).to_series().to_list()


def with_notes(rows: pl.DataFrame, sheet: str, notes: pl.DataFrame, replace: str | None = None):
    """``rows`` (ROW_SCHEMA) with ``notes`` added to the lines of ``sheet`` they name, the note
    ``replace`` (a general one the specific notes supersede) left out where one is added."""
    if not notes.height:
        return rows
    added = notes.group_by("row", maintain_order=True).agg(added=pl.col("note"))
    joined = rows.join(
        added.with_columns(sheet=pl.lit(sheet)), on=["sheet", "row"], how="left",
        maintain_order="left",
    )  # fmt: skip
    kept = pl.col("notes")
    if replace is not None:
        kept = kept.list.filter(pl.element() != replace)
    return joined.with_columns(
        notes=pl.when(pl.col("added").is_not_null())
        .then(pl.concat_list(kept, "added"))
        .otherwise(pl.col("notes"))
    ).drop("added")


__all__ = [
    "KeyUser",
    "created_teams",
    "creator_memberships",
    "creator_notes",
    "owner_lines",
    "planned_teams",
    "with_notes",
]
