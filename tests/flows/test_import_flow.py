"""The import pipeline against a real sandbox process: land, re-run, refuse bad input, dry run."""

from __future__ import annotations

import asyncio

import polars as pl
import pytest

from tests.flows.import_oracle import mismatches, raw_user_emails, read_org
from tests.flows.pipelines import RecordingReporter, run_import
from transforms.sheets.example import onboarding_frames, write_onboarding_workbook


@pytest.fixture
def org(sandbox_org):
    return sandbox_org(seed_users=8, seed=11)


run = run_import


def test_workbook_lands_then_rerun_plans_nothing(org, tmp_path):
    frames = onboarding_frames(read_org(org), 12, seed=1)
    path = write_onboarding_workbook(tmp_path / "hires.xlsx", frames)

    first = run(path)

    assert first["exit_code"] == 0, first
    assert first["counts"]["created"] == 12 + frames["ooo"].height
    assert first["counts"]["failed"] == 0
    assert mismatches(read_org(org), frames["users"], frames["ooo"]) == []
    receipt = pl.read_csv(first["receipt"])
    assert receipt.height == 12 + frames["ooo"].height
    assert (tmp_path / "hires.receipt.xlsx").exists()

    second = run(path)

    assert second["exit_code"] == 0
    plan = pl.read_csv(second["plan"])
    assert set(plan["action"]) == {"none"}
    emails = raw_user_emails(org)
    assert len(emails) == len(set(emails))


def test_invalid_file_sends_nothing_and_writes_errors_next_to_it(org, tmp_path):
    before = raw_user_emails(org)
    path = tmp_path / "bad.csv"
    path.write_text("email,org role\nok@example.com,MEMBER\nbad-address,KING\n")

    outcome = run(path)

    assert outcome["exit_code"] == 2
    errors = pl.read_csv(tmp_path / "bad.errors.csv")
    assert set(errors["row"].to_list()) == {3}
    assert set(errors["column"].to_list()) == {"email", "org role"}
    assert raw_user_emails(org) == before


def test_skip_invalid_sends_the_valid_rows_and_reports_the_rest(org, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("email,time zone\nok@example.com,Europe/Rome\nko@example.com,Mars/Base\n")

    outcome = run(path, skip_invalid=True)

    assert outcome["exit_code"] == 0
    receipt = pl.read_csv(outcome["receipt"]).select("row", "email", "outcome")
    assert receipt.rows() == [(2, "ok@example.com", "created"), (3, "ko@example.com", "skipped")]
    assert "ok@example.com" in raw_user_emails(org)
    assert "ko@example.com" not in raw_user_emails(org)


def test_dry_run_writes_the_plan_and_sends_nothing(org, tmp_path):
    before = raw_user_emails(org)
    path = tmp_path / "plan-me.csv"
    path.write_text("email,teams\nfresh@example.com,\n")

    outcome = run(path, dry_run=True, receipt=str(tmp_path / "out" / "r.csv"), kind="users")

    assert outcome["exit_code"] == 0 and outcome["receipt"] is None
    plan = pl.read_csv(tmp_path / "out" / "r.plan.csv")
    assert plan["action"].to_list() == ["create_user"]
    assert raw_user_emails(org) == before


def test_sync_removes_what_the_file_no_longer_lists(org, tmp_path):
    path = tmp_path / "one.csv"
    state = read_org(org)
    teams = sorted({t["name"] for t in state.teams_by_name.values()})[:2]
    path.write_text(f"email,teams\nsync@example.com,{teams[0]}; {teams[1]}\n")
    assert run(path, kind="users")["exit_code"] == 0
    path.write_text(f"email,teams\nsync@example.com,{teams[1]}\n")

    assert run(path, mode="add", kind="users")["exit_code"] == 0
    uid = read_org(org).user("sync@example.com")["user_id"]
    assert len(read_org(org).team_memberships[uid]) == 2
    assert run(path, mode="sync", kind="users")["exit_code"] == 0
    after = read_org(org)
    assert set(after.team_memberships[uid]) == {after.team(teams[1])["team_id"]}
    assert after.user("sync@example.com") is not None


def test_roles_sheet_defines_custom_roles_and_their_permissions(org, tmp_path):
    team = sorted({t["name"] for t in read_org(org).teams_by_name.values()})[0]
    path = tmp_path / "roles.csv"
    path.write_text(
        "role name,description,color,permissions,team\n"
        "Booking auditor,Reads bookings,#1a73e8,booking.read; insights.read,\n"
        f"Shift planner,,,eventType.create; eventType.read,{team}\n"
    )
    first = run(path)
    assert first["exit_code"] == 0, pl.read_csv(first["receipt"]).to_dicts()
    receipt = pl.read_csv(first["receipt"])
    assert receipt["outcome"].to_list() == ["created", "created"]
    assert all("cannot give a custom role to members" in n for n in receipt["notes"])
    path.write_text(
        "role name,description,color,permissions,team\n"
        "Booking auditor,Reads bookings,#1a73e8,booking.read; insights.read; booking.update,\n"
    )

    second = run(path, dry_run=True)

    plan = pl.read_csv(second["plan"])
    assert plan.select("action", "detail").rows() == [
        ("add_role_permissions", "add permissions booking.update")
    ]


def test_missing_options_are_refused_unless_asked_for_then_created_once(org, tmp_path):
    path = tmp_path / "legal.csv"
    path.write_text("email,department\nlex1@example.com,Legal\nlex2@example.com,legal\n")
    refused = run(path)
    assert refused["exit_code"] == 2
    errors = pl.read_csv(refused["errors"])
    assert errors["problem"].to_list() == ["not an option of Department"] * 2

    created = run(path, create_missing_options=True)

    assert created["exit_code"] == 0
    state = read_org(org)
    department = next(a for a in state.attributes.values() if a.name == "Department")
    legal = [v for _id, v in dict(state.options[department.attribute_id].values()).items()
             if v.casefold() == "legal"]  # fmt: skip
    assert legal == ["Legal"]
    wanted = {"email": ["lex1@example.com", "lex2@example.com"], "Department": ["Legal"] * 2}
    assert mismatches(state, pl.DataFrame(wanted), None) == []


def test_the_pipeline_publishes_an_artifact_with_outcome_counts(org, tmp_path):
    path = tmp_path / "art.csv"
    path.write_text("email\nart1@example.com\nart2@example.com\n")
    reporter = RecordingReporter()
    assert run(path, reporter=reporter, kind="users")["exit_code"] == 0

    markdown = reporter.artifacts["import-file"]
    assert "| created | 2 |" in markdown and "| failed | 0 |" in markdown


def test_sync_unassigns_attribute_values_the_file_no_longer_lists(org, tmp_path):
    path = tmp_path / "skills.csv"
    path.write_text("email,skills\nsk@example.com,Python; Go\n")
    assert run(path)["exit_code"] == 0
    path.write_text("email,skills\nsk@example.com,Go\n")
    assert run(path, mode="add")["exit_code"] == 0
    state = read_org(org)
    uid = state.user("sk@example.com")["user_id"]
    skills = next(a for a in state.attributes.values() if a.name == "Skills").attribute_id
    assert sorted(state.assignments[uid][skills].values()) == ["Go", "Python"]

    assert run(path, mode="sync")["exit_code"] == 0

    assert list(read_org(org).assignments[uid][skills].values()) == ["Go"]


def test_updates_to_existing_members_land_and_a_rerun_plans_nothing(org, tmp_path):
    state = read_org(org)
    accepted = [
        email
        for email, user in state.users_by_email.items()
        if state.accepted.get(user["user_id"]) and state.org_roles[user["user_id"]] == "MEMBER"
    ]
    team = sorted({t["name"] for t in state.teams_by_name.values()})[0]
    emails = sorted(accepted)[:3]
    rows = [f"{e},Pacific/Auckland,fr,12,ADMIN,{team}:ADMIN,Engineering,7" for e in emails]
    path = tmp_path / "promote.csv"
    path.write_text("email,time zone,locale,time format,org role,teams,department,level\n"
                    + "\n".join(rows) + "\n")  # fmt: skip

    first = run(path, mode="sync")

    assert first["exit_code"] == 0
    assert first["counts"]["updated"] == 3
    frame = pl.read_csv(path, infer_schema=False).rename(
        {
            "time zone": "time_zone",
            "org role": "org_role",
            "department": "Department",
            "level": "Level",
        }
    )
    assert mismatches(read_org(org), frame, None) == []
    again = run(path, mode="sync", dry_run=True)
    assert set(pl.read_csv(again["plan"])["action"]) == {"none"}


def test_a_sync_run_after_an_add_run_reports_its_own_steps_only(org, tmp_path):
    team = sorted({t["name"] for t in read_org(org).teams_by_name.values()})[0]
    path = tmp_path / "pair.csv"
    path.write_text(f"email,teams\npair1@example.com,{team}\npair2@example.com,\n")
    added = run(path, kind="users")
    assert added["counts"]["created"] == 2

    synced = run(path, mode="sync", kind="users")  # the same file: nothing left to do

    receipt = pl.read_csv(synced["receipt"], infer_schema=False)
    assert receipt["outcome"].to_list() == ["unchanged", "unchanged"]
    assert receipt["done"].is_null().all(), receipt  # the add run's steps are its own history
    assert {k: v for k, v in synced["counts"].items() if v} == {"unchanged": 2}

    again = run(path, mode="sync", kind="users")  # a rerun that plans 0 steps says so
    assert synced["steps"] == again["steps"] == 0
    assert {k: v for k, v in again["counts"].items() if v} == {"unchanged": 2}


def test_a_refused_write_says_why_in_the_apis_words(org, tmp_path):
    from calapi import CalClient
    from flows.config import load_settings
    from flows.importer.apply import run_row
    from flows.importer.journal import Journal
    from flows.importer.steps import RunContext
    from transforms.plan.steps import RowPlan, Step

    # a value the file checks would refuse, sent as the API would receive it from another tool
    body = {"email": "loc@example.com", "locale": "not a locale"}
    step = Step("create_user", body, "create user")
    plan = RowPlan("users", 2, "loc@example.com", None, steps=[step])

    async def apply_one():
        async with CalClient(load_settings()) as cal:
            journal = Journal(tmp_path / "j.jsonl", "sha", "add")
            try:
                return await run_row(plan, RunContext(cal=cal), journal)
            finally:
                journal.close()

    result = asyncio.run(apply_one())

    assert result.outcome == "failed"
    assert result.error == "create user: locale: Please include a valid locale (HTTP 400)"
