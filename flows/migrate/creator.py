"""The team creator's OWNER membership: creating a team through the API makes the key's user
its OWNER (Cal.com does; so does the sandbox). Where the source team does not have that
person, the migration removes that membership again (``remove_creator``, a planned step the
dry run shows). Where it has them with another role (MEMBER, ADMIN), the import itself plans
the role change (``transforms.plan.creator``: the import counts the key's user as its OWNER
from the team's creation on, in the dry run and the real run alike); for that, the key's
user's ``teams`` cell names those teams with their role spelled out (:func:`with_creator_roles`),
since a team without a role (how a snapshot writes MEMBER) means membership, keeping the role.

Resumable without guessing: the teams a run is about to create are written to
``creator-teams.json`` in the run folder before the import sends anything, so a run killed
between creating a team and removing the creator still removes them when rerun; a team the
target already had is never touched (its members are its own).
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
from transforms.sheets.wide_users import LIST_SEPARATOR

RECORD = "creator-teams.json"
ACTION = "remove_creator"


@dataclass
class CreatorPlan:
    """The key's user and the teams to remove them from (by name)."""

    user_id: int
    email: str
    teams: list[str] = field(default_factory=list)  # planned removals
    held: dict[str, str] = field(default_factory=dict)  # team -> source role; held by creation

    def steps(self) -> list[dict]:
        """Plan lines in the import's shape (sheet, row, key, action, detail)."""
        return [{"sheet": "teams", "row": None, "key": name, "action": ACTION,
                 "detail": f"remove {self.email} from team {name} (the API made them its "
                           "OWNER; the source team does not have them)"}
                for name in self.teams]  # fmt: skip


def _roles(
    tables: Mapping[str, pl.DataFrame], user_id: int | None = None, email: str | None = None
) -> dict[str, str]:
    """Team name -> the role of one person (by id, or by e-mail) in those tables."""
    users = tables["users"] if "users" in tables else pl.DataFrame({"user_id": [user_id]})
    if email is not None:
        users = users.filter(pl.col("email").str.to_lowercase() == email.lower())
    else:
        users = users.filter(pl.col("user_id") == user_id)
    held = tables["team_memberships"].join(users.select("user_id"), on="user_id")
    return dict(tables["teams"].join(held, on="team_id").select("name", "role").rows())


async def plan_creator_removals(
    cal: CalClient, source: Mapping[str, pl.DataFrame], folder: Path, *, record: bool
) -> CreatorPlan:
    """What to remove: teams about to be created and teams earlier runs created, where the
    source lacks the key's user and (for existing teams) the target has them."""
    me = await cal.me()
    plan = CreatorPlan(int(me["id"]), str(me["email"]))
    if not source.keys() >= {"users", "teams", "team_memberships"}:
        return plan
    in_source = _roles(source, email=plan.email)
    lacking = set(source["teams"]["name"]) - in_source.keys()
    target = await _read_teams(cal)
    created_before = _read_record(folder)
    to_create = set(source["teams"]["name"]) - set(target["teams"]["name"])
    if record and to_create:
        _write_record(folder, created_before | to_create)
    now = _roles({"teams": target["teams"], "team_memberships": target["team_memberships"]},
                 user_id=plan.user_id)  # fmt: skip
    plan.teams = sorted((to_create & lacking) | (created_before & lacking & now.keys()))
    plan.held = {name: role for name, role in in_source.items()
                 if name in to_create or (name in created_before and name in now)}  # fmt: skip
    return plan


def with_creator_roles(
    sheets: Mapping[str, pl.DataFrame], plan: CreatorPlan
) -> dict[str, pl.DataFrame]:
    """``sheets`` with the key's user's ``teams`` cell naming the teams they hold by creation
    (``plan.held``) with their source role spelled out (``Sales`` -> ``Sales:MEMBER``), so the
    import plans the change from the OWNER the API made them (a role-less team keeps it)."""
    members = [name for name, role in plan.held.items() if role == "MEMBER"]
    if "users" not in sheets or not members:
        return dict(sheets)
    labels = (
        pl.col("teams")
        .str.split(LIST_SEPARATOR)
        .list.eval(pl.element().replace({name: f"{name}:MEMBER" for name in members}))
    )
    is_key = pl.col("email").str.to_lowercase() == plan.email.lower()
    users = sheets["users"].with_columns(
        teams=pl.when(is_key & pl.col("teams").is_not_null())
        .then(labels.list.join(LIST_SEPARATOR))
        .otherwise(pl.col("teams"))
    )
    return {**sheets, "users": users}


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


__all__ = [
    "CreatorPlan",
    "plan_creator_removals",
    "remove_creator",
    "with_creator_roles",
]
