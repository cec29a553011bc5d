"""Definition sheets (teams, attributes, webhooks) against a real sandbox process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from calapi import CalClient
from flows.config import load_settings
from tests.flows.pipelines import run_import
from tests.workbooks import write_book

SECRET = "s3cret-never-shown-0042"


@pytest.fixture
def org(sandbox_org):
    return sandbox_org(seed_users=3, seed=5)


run = run_import


async def _read() -> dict:
    async with CalClient(load_settings()) as cal:
        await cal.resolve_org_id()
        attributes = {a["slug"]: a for a in await cal.list_attributes()}
        options = {
            slug: sorted(o["value"] for o in await cal.list_attribute_options(a["id"]))
            for slug, a in attributes.items()
        }
        return {
            "teams": {t["name"]: t for t in await cal.list_teams()},
            "attributes": attributes,
            "options": options,
            "webhooks": {w["subscriberUrl"]: w for w in await cal.list_webhooks()},
        }


SHEETS = {
    "teams": [
        ["name", "slug", "bio", "private"],
        ["Platform", "platform", "Builds the platform", "no"],
        ["Field Sales", "field-sales", None, "yes"],
    ],
    "attributes": [
        ["name", "slug", "type", "enabled", "options"],
        ["Region", "region", "single select", "TRUE", "EMEA; APAC; AMER"],
        ["Cost centre", "cost-centre", "TEXT", None, None],
    ],
    "webhooks": [
        ["subscriber url", "triggers", "active", "secret"],
        ["https://hooks.example.com/cal", "BOOKING_CREATED; booking_cancelled", "yes", SECRET],
    ],
}


def test_definitions_land_then_rerun_plans_nothing(org, tmp_path):
    book = tmp_path / "defs.xlsx"
    write_book(book, SHEETS)
    dry = run(book, dry_run=True)
    assert dry["exit_code"] == 0, dry
    assert dry["steps"] == 5  # 2 teams, 2 attributes, 1 webhook
    outcome = run(book)
    assert outcome["exit_code"] == 0, outcome
    state = asyncio.run(_read())
    assert state["teams"]["Platform"]["bio"] == "Builds the platform"
    assert state["teams"]["Field Sales"]["isPrivate"] is True
    assert state["attributes"]["region"]["type"] == "SINGLE_SELECT"
    assert state["options"]["region"] == ["AMER", "APAC", "EMEA"]
    assert state["attributes"]["cost-centre"]["type"] == "TEXT"
    hook = state["webhooks"]["https://hooks.example.com/cal"]
    assert sorted(hook["triggers"]) == ["BOOKING_CANCELLED", "BOOKING_CREATED"]
    for name in ("receipt", "plan", "journal"):
        assert SECRET not in Path(outcome[name]).read_text()
    assert run(book, dry_run=True)["steps"] == 0


def test_update_and_prune_only_in_sync_with_flag(org, tmp_path):
    book = tmp_path / "defs.xlsx"
    write_book(book, SHEETS)
    assert run(book)["exit_code"] == 0
    smaller = {
        "teams": [["name", "bio"], ["Platform", "Runs the platform"]],
        "attributes": [
            ["name", "slug", "type", "options"],
            ["Region", "region", "SINGLE_SELECT", "EMEA; LATAM"],
        ],
        "webhooks": [
            ["subscriber url", "triggers"],
            ["https://hooks.example.com/cal", "BOOKING_CREATED"],
        ],
    }
    write_book(book, smaller)
    before = asyncio.run(_read())
    assert run(book, mode="sync")["exit_code"] == 0  # no flag: updates and adds, never deletes
    after = asyncio.run(_read())
    assert set(after["teams"]) == set(before["teams"])
    assert "cost-centre" in after["attributes"]
    assert after["options"]["region"] == ["AMER", "APAC", "EMEA", "LATAM"]
    assert after["teams"]["Platform"]["bio"] == "Runs the platform"
    assert after["webhooks"]["https://hooks.example.com/cal"]["triggers"] == ["BOOKING_CREATED"]
    assert run(book, mode="sync", dry_run=True)["steps"] == 0  # nothing left but the prune
    dry = run(book, mode="sync", prune_definitions=True, dry_run=True)
    pruned = {c["action"]: c["steps"] for c in dry["plan_counts"]}
    teams_to_go = set(before["teams"]) - {"Platform"}
    attributes_to_go = set(before["attributes"]) - {"region"}
    hooks_to_go = set(before["webhooks"]) - {"https://hooks.example.com/cal"}
    assert "cost-centre" in attributes_to_go and "Field Sales" in teams_to_go
    expected = {"delete_team": len(teams_to_go), "delete_attribute": len(attributes_to_go),
                "delete_attribute_option": 2, "delete_webhook": len(hooks_to_go)}  # fmt: skip
    assert pruned == {k: v for k, v in expected.items() if v}
    pruning = run(book, mode="sync", prune_definitions=True)
    assert pruning["exit_code"] == 0
    receipt = Path(pruning["receipt"]).read_text()
    assert "delete team Field Sales" in receipt and "delete attribute cost-centre" in receipt
    final = asyncio.run(_read())
    assert set(final["teams"]) == {"Platform"}
    assert set(final["attributes"]) == {"region"}
    assert final["options"]["region"] == ["EMEA", "LATAM"]
    assert list(final["webhooks"]) == ["https://hooks.example.com/cal"]
    assert run(book, mode="sync", prune_definitions=True, dry_run=True)["steps"] == 0


async def _team_members(name: str) -> dict[int, str]:
    async with CalClient(load_settings()) as cal:
        await cal.resolve_org_id()
        team = next(t for t in await cal.list_teams() if t["name"] == name)
        return {m["userId"]: m["role"] for m in await cal.list_team_memberships(team["id"])}


async def _team_names() -> list[str]:
    async with CalClient(load_settings()) as cal:
        await cal.resolve_org_id()
        return [t["name"] for t in await cal.list_teams()]


async def _options_of(email: str) -> set[str]:
    async with CalClient(load_settings()) as cal:
        await cal.resolve_org_id()
        user = (await cal.list_users(emails=[email]))[0]
        return {o["value"] for o in await cal.list_user_options(user["id"])}


def test_users_use_teams_attributes_and_options_the_same_workbook_creates(org, tmp_path):
    book = tmp_path / "onboarding.xlsx"
    users = [
        ["email", "username", "teams", "Region", "Department"],
        ["new.hire@example.com", "new-hire", "Platform:ADMIN", "APAC", "Research"],
    ]
    attributes = SHEETS["attributes"] + [["Department", "department", "SINGLE_SELECT", None,
                                           "Research"]]  # fmt: skip
    write_book(book, {"users": users, "teams": SHEETS["teams"], "attributes": attributes})
    outcome = run(book)
    assert outcome["exit_code"] == 0, outcome
    members = asyncio.run(_team_members("Platform"))

    async def hire_id() -> int:
        async with CalClient(load_settings()) as cal:
            await cal.resolve_org_id()
            return (await cal.list_users(emails=["new.hire@example.com"]))[0]["id"]

    assert members[asyncio.run(hire_id())] == "ADMIN"
    assert "OWNER" in members.values()  # the key's user, as the real API does
    held = asyncio.run(_options_of("new.hire@example.com"))
    assert held == {"APAC", "Research"}
    assert run(book, dry_run=True)["steps"] == 0


def test_a_team_role_in_a_team_the_same_workbook_creates_lands_in_one_run(org, tmp_path):
    book = tmp_path / "team-roles.xlsx"
    roles = [
        ["name", "description", "color", "permissions", "team"],
        ["Platform lead", "Runs the platform team", None, "booking.read", "Platform"],
    ]
    write_book(book, {"teams": SHEETS["teams"], "roles": roles})
    outcome = run(book)
    assert outcome["exit_code"] == 0, outcome

    async def platform_roles() -> list[str]:
        async with CalClient(load_settings()) as cal:
            await cal.resolve_org_id()
            team = next(t for t in await cal.list_teams() if t["name"] == "Platform")
            return [r["name"] for r in await cal.list_team_roles(team["id"])]

    assert "Platform lead" in asyncio.run(platform_roles())
    assert run(book, dry_run=True)["steps"] == 0


def test_writes_whose_answer_is_lost_are_reconciled_never_duplicated(start_sandbox, monkeypatch,
                                                                     tmp_path):  # fmt: skip
    box = start_sandbox(seed_users=3, seed=5, rate_limit=100000, faults="ambiguous=0.4,seed=3")
    for name, value in (
        ("CAL_API_URL", box.base_url),
        ("CAL_API_KEY", box.api_key),
        ("CAL_ORG_ID", str(box.org_id)),
        ("CAL_RATE_LIMIT", "100000"),
    ):
        monkeypatch.setenv(name, value)  # fmt: skip
    book = tmp_path / "defs.xlsx"
    users = [["email", "teams", "Region"], ["lost.answer@example.com", "Field Sales", "EMEA"]]
    write_book(book, {**SHEETS, "users": users})
    outcome = run(book)
    assert outcome["exit_code"] == 0, outcome
    state = asyncio.run(_read())
    assert sorted(n for n in state["teams"] if n in ("Platform", "Field Sales")) == [
        "Field Sales", "Platform",
    ]  # fmt: skip
    faults = httpx.get(f"{box.base_url}/_sandbox/stats", timeout=10).json()["faults"]
    assert faults.get("ambiguous", 0) > 0, (
        f"no answer was lost: the test would prove nothing {faults}"
    )
    names = asyncio.run(_team_names())
    assert names.count("Platform") == 1 and names.count("Field Sales") == 1
    assert state["options"]["region"] == ["AMER", "APAC", "EMEA"]
    assert list(state["webhooks"]).count("https://hooks.example.com/cal") == 1
    assert asyncio.run(_options_of("lost.answer@example.com")) == {"EMEA"}
    assert run(book, dry_run=True)["steps"] == 0
