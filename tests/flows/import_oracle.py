"""Independent checks that the org, read back over the API, is what an import file asked for."""

from __future__ import annotations

import asyncio
from collections import Counter

import polars as pl

from calapi import CalClient, Settings
from flows.importer.pipeline import read_current_state
from transforms.org_state import OrgState
from transforms.validate.rules import canonical_number, split_list


def settings_for(box, **overrides) -> Settings:
    return Settings(api_url=box.base_url, api_key=box.api_key, org_id=box.org_id, **overrides)


def read_org(box) -> OrgState:
    async def _read() -> OrgState:
        async with CalClient(settings_for(box)) as cal:
            return await read_current_state(cal, {"users", "ooo"})

    return asyncio.run(_read())


def raw_user_emails(box) -> list[str]:
    async def _read() -> list[str]:
        async with CalClient(settings_for(box)) as cal:
            return [u["email"] for u in await cal.list_users()]

    return asyncio.run(_read())


def _canon(kind: str, value: str) -> str:
    return (canonical_number(value) or value) if kind == "NUMBER" else value.casefold()


def mismatches(state: OrgState, users: pl.DataFrame, ooo: pl.DataFrame | None) -> list[str]:
    """Every difference between the sheets and the org (empty when the import landed exactly)."""
    found: list[str] = []
    teams = {t["name"].casefold(): t["team_id"] for t in state.teams_by_name.values()}
    attributes = {a.name: a for a in state.attributes.values()}
    for row in users.iter_rows(named=True):
        user = state.user(row["email"])
        if user is None:
            found.append(f"{row['email']}: missing")
            continue
        uid = user["user_id"]
        if row.get("org_role") and state.org_roles.get(uid) != row["org_role"]:
            found.append(f"{row['email']}: org role {state.org_roles.get(uid)}")
        for column, field in (("time_zone", "time_zone"), ("locale", "locale")):
            if row.get(column) and user.get(field) != row[column]:
                found.append(f"{row['email']}: {field} {user.get(field)} != {row[column]}")
        wanted_teams = {}
        for item in split_list(row.get("teams")):
            name, _, role = item.partition(":")
            wanted_teams[teams[name.strip().casefold()]] = role or "MEMBER"
        held_teams = {t: m["role"] for t, m in state.team_memberships.get(uid, {}).items()}
        if held_teams != wanted_teams:
            found.append(f"{row['email']}: teams {held_teams} != {wanted_teams}")
        for name, attribute in attributes.items():
            if name not in row or row[name] is None:
                continue
            wanted = Counter(_canon(attribute.type, v) for v in split_list(row[name]))
            held = state.assignments.get(uid, {}).get(attribute.attribute_id, {})
            got = Counter(_canon(attribute.type, v) for v in held.values())
            if got != wanted:
                found.append(f"{row['email']}: {name} {dict(got)} != {dict(wanted)}")
    for row in ooo.iter_rows(named=True) if ooo is not None else []:
        user = state.user(row["email"])
        key = (user["user_id"] if user else None, row["start"], row["end"])
        if key not in state.ooo_keys:
            found.append(f"{row['email']}: no OOO {row['start']}..{row['end']}")
    return found
