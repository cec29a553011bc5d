"""The team creator's OWNER membership: creating a team through the API makes the key's user
its OWNER (Cal.com does; so does the sandbox). Where the source team does not have that
person, the migration removes that membership again: a planned step, shown in the dry run.

Resumable without guessing: the teams a run is about to create (whose source lacks the key's
user) are written to ``creator-teams.json`` in the run folder before the import sends
anything, so a run killed between creating a team and removing the creator still removes it
when rerun; a team the target already had is never touched (its members are its own).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from calapi import CalClient
from flows.export.fetch import fetch_tables
from flows.importer.outputs import private_file
from flows.reporter import SILENT, Reporter

RECORD = "creator-teams.json"
ACTION = "remove_creator"


@dataclass
class CreatorPlan:
    """The key's user and the teams to remove them from (by name)."""

    user_id: int
    email: str
    teams: list[str] = field(default_factory=list)  # planned removals

    def steps(self) -> list[dict]:
        """Plan lines in the import's shape (sheet, row, key, action, detail)."""
        return [{"sheet": "teams", "row": None, "key": name, "action": ACTION,
                 "detail": f"remove {self.email} from team {name} (the API made them its "
                           "OWNER; the source team does not have them)"}
                for name in self.teams]  # fmt: skip


def _lacking(source: Mapping[str, pl.DataFrame], email: str) -> set[str]:
    """Source teams the key's user (by e-mail) is not a member of."""
    users = source["users"].filter(pl.col("email").str.to_lowercase() == email.lower())
    holding = source["team_memberships"].join(users.select("user_id"), on="user_id")
    has = set(source["teams"].join(holding, on="team_id")["name"])
    return set(source["teams"]["name"]) - has


async def plan_creator_removals(
    cal: CalClient, source: Mapping[str, pl.DataFrame], folder: Path, *, record: bool
) -> CreatorPlan:
    """What to remove: teams about to be created and teams earlier runs created, where the
    source lacks the key's user and (for existing teams) the target has them."""
    me = await cal.me()
    plan = CreatorPlan(int(me["id"]), str(me["email"]))
    if not source.keys() >= {"users", "teams", "team_memberships"}:
        return plan
    lacking = _lacking(source, plan.email)
    target = await _read_teams(cal)
    existing = set(target["teams"]["name"])
    created_before = _read_record(folder)
    to_create = sorted(lacking - existing)
    if record and to_create:
        _write_record(folder, created_before | set(to_create))
    mine = target["team_memberships"].filter(pl.col("user_id") == plan.user_id)
    still_owner = set(target["teams"].join(mine, on="team_id")["name"])
    plan.teams = sorted(set(to_create) | (created_before & lacking & still_owner))
    return plan


async def remove_creator(
    cal: CalClient, plan: CreatorPlan, reporter: Reporter = SILENT
) -> list[str]:
    """Delete the key's user's membership of the planned teams where it exists; the teams it
    was removed from."""
    if not plan.teams:
        return []
    target = await _read_teams(cal)
    mine = target["team_memberships"].filter(pl.col("user_id") == plan.user_id)
    rows = target["teams"].filter(pl.col("name").is_in(plan.teams)).join(mine, on="team_id")
    removed = []
    for team_id, membership_id, name in rows.select("team_id", "membership_id", "name").rows():
        await cal.delete_team_membership(team_id, membership_id)
        reporter.info(f"removed {plan.email} from team {name} (made its OWNER on creation)")
        removed.append(name)
    return sorted(removed)


async def _read_teams(cal: CalClient) -> dict[str, pl.DataFrame]:
    names = ["teams", "team_memberships"]
    with SILENT.tables(names) as progress:
        return await fetch_tables(cal, names, progress)


def _read_record(folder: Path) -> set[str]:
    path = folder / RECORD
    return set(json.loads(path.read_text())) if path.is_file() else set()


def _write_record(folder: Path, names: set[str]) -> None:
    with private_file(folder / RECORD) as target:
        target.write_text(json.dumps(sorted(names)))


__all__ = ["CreatorPlan", "plan_creator_removals", "remove_creator"]
