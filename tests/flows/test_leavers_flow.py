"""Leavers against a real sandbox process: dry run first, then membership removed, account kept."""

from __future__ import annotations

import openpyxl
import polars as pl
import pytest

from tests.flows.import_oracle import raw_user_emails, read_org
from tests.flows.pipelines import run_import


@pytest.fixture
def org(sandbox_org):
    return sandbox_org(seed_users=8, seed=11)


run = run_import


def leavers_workbook(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "leavers"
    for row in [["email", "teams"], *rows]:
        sheet.append(row)
    book.save(path)
    return path


def test_leavers_dry_run_then_leave_the_org_or_one_team_and_a_rerun_plans_nothing(org, tmp_path):
    state = read_org(org)
    in_teams = sorted(
        (email, u["user_id"])
        for email, u in state.users_by_email.items()
        if state.team_memberships.get(u["user_id"])
    )
    (team_leaver, team_leaver_id), (org_leaver, _org_leaver_id) = in_teams[0], in_teams[1]
    team_id = sorted(state.team_memberships[team_leaver_id])[0]
    team_name = next(t["name"] for t in state.teams_by_name.values() if t["team_id"] == team_id)
    path = leavers_workbook(
        tmp_path / "leavers.xlsx", [[org_leaver, None], [team_leaver, team_name]]
    )

    dry = run(path, dry_run=True, receipt=str(tmp_path / "out" / "r.csv"))
    assert dry["exit_code"] == 0 and dry["receipt"] is None
    plan = pl.read_csv(tmp_path / "out" / "r.plan.csv")
    assert sorted(plan["action"].to_list()) == ["leave_org", "remove_team_membership"]
    assert read_org(org).user(org_leaver) is not None  # the dry run sent nothing

    done = run(path, receipt=str(tmp_path / "out" / "r.csv"))
    assert done["exit_code"] == 0
    receipt = pl.read_csv(done["receipt"], infer_schema=False)
    lines = dict(zip(receipt["email"], receipt["done"], strict=True))
    assert "leave the organization" in lines[org_leaver] and "account stays" in lines[org_leaver]
    assert lines[team_leaver] == f"leave team {team_name}"

    after = read_org(org)
    assert after.user(org_leaver) is None and org_leaver not in raw_user_emails(org)
    assert after.user(team_leaver) is not None  # left one team, not the organization
    assert team_id not in after.team_memberships.get(team_leaver_id, {})
    assert set(after.team_memberships.get(team_leaver_id, {})) == (
        set(state.team_memberships[team_leaver_id]) - {team_id}
    )

    again = run(path, receipt=str(tmp_path / "again" / "r.csv"))
    # a rerun (say after a cut-off run) plans nothing and succeeds; the receipt says why
    assert again["exit_code"] == 0 and again["steps"] == 0, again
    rerun = pl.read_csv(again["receipt"], infer_schema=False)
    notes = dict(zip(rerun["email"], rerun["notes"], strict=True))
    assert "already left" in notes[org_leaver] and "not in team" in notes[team_leaver]
