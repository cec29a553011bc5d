"""Sheet kinds are never guessed into a write; leavers; a team without a role keeps the role."""

from __future__ import annotations

import json

import pytest

from tests.corpus.sample_org import sample_state
from tests.workbooks import write_book as workbook
from transforms.plan.build import build_plan
from transforms.sheets.columns import detect_kind, fitting_kinds
from transforms.sheets.reading import read_workbook
from transforms.validate.sheet import validate_workbook


def planned(path, kind=None, mode="add"):
    state = sample_state()
    validated = validate_workbook(read_workbook(path, kind), state)
    return validated, build_plan(validated, state, mode=mode)


def steps_of(plan):
    return {r.key: [(s.action, s.params, s.summary) for s in r.steps] for r in plan.rows}


@pytest.mark.parametrize(
    ("headers", "fits"),
    [
        (["email"], ("users", "leavers")),
        (["E-mail", "Teams"], ("users", "leavers")),
        (["email", "Department"], ("users",)),
        (["email", "username"], ("users",)),
        (["email", "start", "end"], ("ooo",)),
        (["Name", "Slug", "Bio"], ("teams",)),
        (["Name", "Type", "Options"], ("attributes",)),
        (["Subscriber URL", "Triggers"], ("webhooks",)),
        (["email", "slug"], ("users",)),  # an e-mail column is never a definition sheet
    ],
)
def test_a_header_fitting_two_kinds_is_not_given_one(headers, fits):
    assert fitting_kinds(headers) == fits
    assert detect_kind(headers) == (fits[0] if len(fits) == 1 else None)


def test_a_workbook_whose_only_sheet_is_named_leavers_never_creates_anyone(tmp_path):
    path = workbook(tmp_path / "hr.xlsx", {"leavers": [["email"], ["new.person@example.com"]]})
    validated, plan = planned(path)
    assert list(validated.sheets) == ["leavers"]
    [warning] = validated.problems
    assert (warning.row, warning.column, warning.value) == (2, "email", "new.person@example.com")
    assert "not a member of the organization" in warning.problem and not warning.is_error
    assert plan.step_frame.height == 0
    [row] = plan.rows
    assert row.notes == [warning.problem] and not row.creates


def test_an_unnamed_sheet_with_a_lone_email_column_is_refused_asking_for_kind(tmp_path):
    path = workbook(tmp_path / "hr.xlsx", {"Sheet1": [["email"], ["new.person@example.com"]]})
    validated, plan = planned(path)
    [error] = validated.errors
    assert "users and leavers" in error.problem and "--kind users" in error.accepted
    assert validated.blocks_everything and plan.step_frame.height == 0


def test_a_lone_email_csv_is_refused_and_read_as_users_with_kind(tmp_path):
    path = tmp_path / "hr.csv"
    path.write_text("email\nnew.person@example.com\n")
    refused, _plan = planned(path)
    assert "--kind users or --kind leavers" in refused.errors[0].accepted
    validated, plan = planned(path, kind="users")
    assert validated.errors == []
    assert [s[0] for s in steps_of(plan)["new.person@example.com"]] == ["create_user"]


def test_a_team_without_a_role_keeps_an_admins_role_and_makes_a_newcomer_member(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text(
        "email,username,teams\n"
        "carol@example.com,carol,Customer Support; Sales\n"  # ADMIN of Customer Support
        "new@example.com,new,Customer Support\n"
    )
    _validated, plan = planned(path, mode="sync")
    steps = steps_of(plan)
    assert steps["carol@example.com"] == [
        ("add_team_membership", {"role": "MEMBER", "team_id": 1}, "join team Sales as MEMBER")
    ]
    assert ("add_team_membership", {"role": "MEMBER", "team_id": 2}) in [
        s[:2] for s in steps["new@example.com"]
    ]
    path.write_text("email,username,teams\ncarol@example.com,carol,Customer Support:member\n")
    _validated, plan = planned(path)
    assert [s[0] for s in steps_of(plan)["carol@example.com"]] == ["change_team_role"]


def test_leavers_leave_the_org_or_only_the_listed_teams_and_no_user_is_deleted(tmp_path):
    path = workbook(
        tmp_path / "hr.xlsx",
        {
            "leavers": [
                ["E-mail", "Teams"],
                ["bob@example.com", None],
                ["carol@example.com", "Customer Support; Sales"],
            ]
        },
    )
    validated, plan = planned(path)
    assert validated.errors == []
    steps = steps_of(plan)
    [(action, params, summary)] = steps["bob@example.com"]
    assert action == "leave_org" and params["membership_id"] == 100
    assert "account stays" in summary
    assert steps["carol@example.com"] == [
        (
            "remove_team_membership",
            {"membership_id": 201, "team_id": 2},
            "leave team Customer Support",
        )
    ]
    carol = next(r for r in plan.rows if r.key == "carol@example.com")
    assert carol.notes == ["not in team Sales; nothing to remove"]
    actions = set(plan.step_frame["action"].to_list())
    assert actions == {"leave_org", "remove_team_membership"}


def test_a_leaver_must_be_a_member_and_not_also_on_the_users_sheet(tmp_path):
    path = workbook(
        tmp_path / "hr.xlsx",
        {
            "users": [["email", "username"], ["bob@example.com", "bob"]],
            "leavers": [
                ["email", "teams"],
                ["bob@example.com", None],
                ["ghost@example.com", None],
                ["carol@example.com", "Nope"],
                ["carol@example.com", None],
            ],
        },
    )
    validated, plan = planned(path)
    found = [(p.row, p.value, p.problem) for p in validated.errors]
    assert (
        2,
        "bob@example.com",
        "this person is also on the users sheet of the same file",
    ) in found
    assert any(
        p.row == 3 and "not a member" in p.problem for p in validated.problems if not p.is_error
    )
    assert any(row == 4 and value == "Nope" and "no such team" in why for row, value, why in found)
    assert any(row == 5 and "already on row 4" in why for row, _v, why in found)
    assert plan.step_frame.filter(plan.step_frame["sheet"] == "leavers").height == 0


def test_sync_never_removes_people_missing_from_a_users_sheet(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("email,username\nbob@example.com,bob\n")  # carol is missing
    _validated, plan = planned(path, mode="sync")
    assert [r.key for r in plan.rows] == ["bob@example.com"]
    assert "leave_org" not in plan.step_frame["action"].to_list()
    assert all("carol" not in json.dumps(s.params) for r in plan.rows for s in r.steps)


ORDER = ["teams", "teams", "users", "leavers"]


def test_prune_definitions_deletes_only_definitions_and_leavers_only_leave(tmp_path):
    sheets = {
        "teams": [["name"], ["Customer Support"]],
        "leavers": [["email"], ["bob@example.com"]],
        "users": [["email", "name"], ["carol@example.com", "Carol"]],
    }
    path = workbook(tmp_path / "hr.xlsx", sheets)
    _, kept = planned(path, mode="sync")
    state = sample_state()
    validated = validate_workbook(read_workbook(path), state)
    pruned = build_plan(validated, state, mode="sync", prune_definitions=True)
    assert pruned.action_counts() == {"delete_team": 1, "leave_org": 1}
    assert steps_of(pruned)["Sales"] == [
        ("delete_team", {"id": 1, "key": "Sales"}, "delete team Sales")
    ]
    assert steps_of(pruned)["bob@example.com"] == steps_of(kept)["bob@example.com"]
    assert kept.action_counts() == {"leave_org": 1}  # nobody missing from users is removed
    assert [r.sheet for r in pruned.rows] == ORDER  # definitions first, leavers last


def test_leaving_a_team_the_same_file_prunes_is_a_note_not_a_step_that_would_404(tmp_path):
    sheets = {
        "teams": [["name"], ["Sales"]],
        "leavers": [["email", "teams"], ["carol@example.com", "Customer Support"]],
    }
    path = workbook(tmp_path / "hr.xlsx", sheets)
    _, kept = planned(path, mode="sync")
    assert steps_of(kept)["carol@example.com"][0][0] == "remove_team_membership"
    state = sample_state()
    validated = validate_workbook(read_workbook(path), state)
    pruned = build_plan(validated, state, mode="sync", prune_definitions=True)
    assert pruned.action_counts() == {"delete_team": 1}
    carol = next(r for r in pruned.rows if r.key == "carol@example.com")
    assert carol.steps == []
    assert carol.notes == [
        "team Customer Support is deleted by this file's teams sheet (--prune-definitions); "
        "nothing to leave"
    ]
