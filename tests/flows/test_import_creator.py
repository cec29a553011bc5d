"""A plain import that creates a team and names the API key's user: creating a team makes the
key's user its OWNER (Cal.com does; so does the sandbox), so the import must plan exactly what
the real run does with that membership: no join the API already made, a role change where the
sheet asks for another role, and a receipt line saying why. Against a real sandbox process."""

from __future__ import annotations

import asyncio

import polars as pl
import pytest

from calapi import CalClient
from flows.config import load_settings
from tests.flows.pipelines import run_import
from tests.workbooks import write_book


@pytest.fixture
def org(sandbox_org):
    return sandbox_org(seed_users=3, seed=5)


async def _read() -> dict:
    """The key's user, and each team's members as {email: role}."""
    async with CalClient(load_settings()) as cal:
        await cal.resolve_org_id()
        me = await cal.me()
        emails = {u["id"]: u["email"] for u in await cal.list_users()}
        teams = {}
        for team in await cal.list_teams():
            members = await cal.list_team_memberships(team["id"])
            teams[team["name"]] = {emails[m["userId"]]: m["role"] for m in members}
        return {"me": me["email"], "others": sorted(set(emails.values()) - {me["email"]}),
                "teams": teams}  # fmt: skip


def per_action(outcome: dict) -> dict[tuple[str, str], int]:
    return {(c["sheet"], c["action"]): c["steps"] for c in outcome["plan_counts"]}


def receipt_of(outcome: dict) -> pl.DataFrame:
    return pl.read_csv(outcome["receipt"], infer_schema=False)


def test_the_key_user_listed_as_member_of_a_team_the_file_creates(org, tmp_path):
    before = asyncio.run(_read())
    me, other = before["me"], before["others"][0]
    book = tmp_path / "hr.xlsx"
    write_book(book, {
        "teams": [["name"], ["Platform"]],
        "users": [["email", "teams"], [me, "Platform:MEMBER"], [other, "Platform"]],
    })  # fmt: skip

    dry = run_import(book, dry_run=True)

    assert dry["exit_code"] == 0, dry
    assert per_action(dry) == {
        ("teams", "create_team"): 1,
        ("users", "change_team_role"): 1,  # OWNER by creation -> MEMBER, as the sheet says
        ("users", "add_team_membership"): 1,  # the other person joins
    }
    plan = pl.read_csv(dry["plan"], infer_schema=False)
    mine = plan.filter(pl.col("key") == me)
    assert mine["action"].to_list() == ["change_team_role"]
    assert "OWNER -> MEMBER" in mine["detail"][0]

    done = run_import(book)

    assert done["exit_code"] == 0, done
    assert per_action(done) == per_action(dry)  # the dry run planned what the real run did
    assert asyncio.run(_read())["teams"]["Platform"] == {me: "MEMBER", other: "MEMBER"}
    receipt = receipt_of(done)
    line = receipt.filter(pl.col("email") == me)
    assert line["outcome"].to_list() == ["updated"]
    assert "OWNER -> MEMBER" in line["done"][0]
    assert "made them its OWNER" in line["notes"][0]
    assert run_import(book, dry_run=True)["steps"] == 0  # a rerun plans nothing


def test_the_key_user_as_owner_without_a_role_or_not_listed_plans_nothing_for_them(org, tmp_path):
    before = asyncio.run(_read())
    me, other = before["me"], before["others"][0]
    book = tmp_path / "hr.xlsx"
    write_book(book, {
        "teams": [["name"], ["Platform"], ["Ops"], ["Data"]],
        "users": [["email", "teams"], [me, "Platform:OWNER; Ops"], [other, "Data:ADMIN"]],
    })  # fmt: skip

    dry = run_import(book, dry_run=True)

    assert per_action(dry) == {("teams", "create_team"): 3, ("users", "add_team_membership"): 1}
    done = run_import(book)

    assert done["exit_code"] == 0, done
    assert per_action(done) == per_action(dry)
    teams = asyncio.run(_read())["teams"]
    assert teams["Platform"] == {me: "OWNER"}
    assert teams["Ops"] == {me: "OWNER"}  # a team without a role: membership, role kept
    assert teams["Data"] == {me: "OWNER", other: "ADMIN"}  # an import never removes people
    receipt = receipt_of(done)
    team_notes = dict(receipt.filter(pl.col("sheet") == "teams").select("email", "notes").rows())
    assert "they stay its OWNER, as the users sheet (row 2) lists them" in team_notes["Ops"]
    assert me in team_notes["Data"]
    assert "they stay its OWNER: the users sheet does not list them" in team_notes["Data"]
    line = receipt.filter(pl.col("email") == me)
    assert line["outcome"].to_list() == ["unchanged"]
    assert "team Data: the API made them its OWNER" in line["notes"][0]
    assert run_import(book, dry_run=True)["steps"] == 0


def test_sync_removes_the_key_user_only_where_a_users_row_names_them(org, tmp_path):
    before = asyncio.run(_read())
    me, other = before["me"], before["others"][0]
    named, unnamed = tmp_path / "named.xlsx", tmp_path / "unnamed.xlsx"
    write_book(named, {
        "teams": [["name"], ["Platform"], ["Ops"]],
        "users": [["email", "teams"], [me, "Ops:ADMIN"], [other, "Platform"]],
    })  # fmt: skip
    write_book(unnamed, {
        "teams": [["name"], ["Data"]],
        "users": [["email", "teams"], [other, "Data; Platform"]],
    })  # fmt: skip

    dry = run_import(named, mode="sync", dry_run=True)

    assert per_action(dry) == {
        ("teams", "create_team"): 2,
        ("users", "remove_team_membership"): 1,  # the key's user leaves Platform
        ("users", "change_team_role"): 1,  # and is ADMIN, not OWNER, of Ops
        ("users", "add_team_membership"): 1,
    }
    done = run_import(named, mode="sync")

    assert done["exit_code"] == 0, done
    assert per_action(done) == per_action(dry)
    teams = asyncio.run(_read())["teams"]
    assert teams["Platform"] == {other: "MEMBER"}
    assert teams["Ops"] == {me: "ADMIN"}
    notes = receipt_of(done).filter(pl.col("email") == "Platform")["notes"][0]
    assert "--mode sync removes them: the users sheet (row 2) does not list it" in notes
    assert run_import(named, mode="sync", dry_run=True)["steps"] == 0

    again = run_import(unnamed, mode="sync")  # no row names the key's user: theirs is kept

    assert again["exit_code"] == 0, again
    assert per_action(again) == {("teams", "create_team"): 1, ("users", "add_team_membership"): 1}
    assert asyncio.run(_read())["teams"]["Data"] == {me: "OWNER", other: "MEMBER"}
    notes = receipt_of(again).filter(pl.col("email") == "Data")["notes"][0]
    assert f"the API makes the key's user {me} an OWNER" in notes
    assert run_import(unnamed, mode="sync", dry_run=True)["steps"] == 0


def test_a_file_of_teams_alone_says_the_key_user_is_owner_of_each_team_it_creates(org, tmp_path):
    me = asyncio.run(_read())["me"]
    book = tmp_path / "teams.xlsx"
    write_book(book, {"teams": [["name"], ["Platform"]]})

    done = run_import(book)

    assert done["exit_code"] == 0, done
    assert asyncio.run(_read())["teams"]["Platform"] == {me: "OWNER"}
    assert done["team_owner"] == [
        f"team Platform: the API makes the key's user {me} an OWNER of a team it creates: "
        "nothing in this file changes that (no users sheet with a teams column)"
    ]
    assert done["team_owner"][0].removeprefix("team Platform: ") in receipt_of(done)["notes"][0]
