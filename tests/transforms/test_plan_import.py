"""The plan: desired (file) minus current (snapshot tables), per row, in order."""

from __future__ import annotations

import polars as pl

from tests.corpus.sample_org import sample_state, sample_tables
from transforms.org_state import org_state_from_tables
from transforms.plan.build import build_plan
from transforms.sheets.reading import read_workbook
from transforms.validate.sheet import validate_workbook


def plan_for(tmp_path, text, *, mode="add", create=False, tables=None, name="in.csv", kind=None):
    path = tmp_path / name
    path.write_text(text)
    state = org_state_from_tables(tables) if tables is not None else sample_state()
    validated = validate_workbook(read_workbook(path, kind), state, create_missing_options=create)
    return build_plan(validated, state, mode=mode, create_missing_options=create)


def actions(row_plan):
    return [step.action for step in row_plan.steps]


def test_new_user_is_created_before_its_teams_and_options(tmp_path):
    plan = plan_for(
        tmp_path,
        "email,username,time zone,org role,teams,department,skills,level,desk\n"
        "new@example.com,newbie,Europe/Rome,admin,Sales:OWNER,Engineering,Python; Go,4,C-3\n",
    )
    [row] = plan.rows
    assert row.creates and row.user_id is None
    assert actions(row) == ["create_user", "add_team_membership"] + ["assign_option"] * 5
    create = row.steps[0].params
    assert create == {
        "email": "new@example.com",
        "username": "newbie",
        "timeZone": "Europe/Rome",
        "organizationRole": "ADMIN",
        "autoAccept": True,
    }
    assert row.steps[1].params == {"team_id": 1, "role": "OWNER"}
    # NUMBER 4 and TEXT C-3 have no option yet: created once in the prelude, then assigned
    assert [(s.params["attribute_id"], s.params["value"]) for s in plan.prelude] == [
        ("att-level", "4"),
        ("att-desk", "C-3"),
    ]


def test_applied_file_plans_nothing(tmp_path):
    plan = plan_for(
        tmp_path,
        "email,username,time zone,org role,teams,department,skills,level\n"
        "BOB@example.com,bob,Europe/London,MEMBER,Sales,Sales,Python,3.0\n",
    )
    [row] = plan.rows
    assert row.is_unchanged and row.user_id == 10
    assert plan.prelude == [] and plan.step_count == 0


def test_single_select_change_is_unassign_then_assign_even_in_add_mode(tmp_path):
    plan = plan_for(tmp_path, "email,department,level\nbob@example.com,Engineering,3\n")
    [row] = plan.rows
    assert [(s.action, s.params["option_id"]) for s in row.steps] == [
        ("unassign_option", "o-sales"),
        ("assign_option", "o-eng"),
    ]


def test_text_value_held_by_an_option_is_reused_not_created(tmp_path):
    plan = plan_for(tmp_path, "email,desk\nbob@example.com,b-12\n")
    [row] = plan.rows
    assert plan.prelude == []
    assert [(s.action, s.params["option_id"]) for s in row.steps] == [("assign_option", "o-desk")]


def test_same_new_value_on_many_rows_creates_one_option(tmp_path):
    rows = "".join(f"p{i}@example.com,Z-9\n" for i in range(5))
    plan = plan_for(tmp_path, "email,desk\n" + rows)
    assert len(plan.prelude) == 1
    assert all(r.steps[-1].params["option_id"] is None for r in plan.rows)


def test_add_mode_never_removes_and_sync_removes_what_the_file_no_longer_lists(tmp_path):
    text = "email,teams,skills\nbob@example.com,Customer Support,Go\n"
    added = plan_for(tmp_path, text, mode="add").rows[0]
    synced = plan_for(tmp_path, text, mode="sync").rows[0]
    assert actions(added) == ["add_team_membership", "assign_option"]
    assert actions(synced) == [
        "add_team_membership",
        "remove_team_membership",
        "unassign_option",
        "assign_option",
    ]
    assert synced.steps[1].params == {"team_id": 1, "membership_id": 200}


def test_sync_leaves_columns_the_file_does_not_have(tmp_path):
    plan = plan_for(tmp_path, "email,locale\nbob@example.com,fr\n", mode="sync")
    [row] = plan.rows
    assert [(s.action, s.params) for s in row.steps] == [("update_user", {"locale": "fr"})]


def test_org_role_change_uses_the_membership(tmp_path):
    plan = plan_for(tmp_path, "email,org role\nbob@example.com,ADMIN\n")
    [row] = plan.rows
    assert [(s.action, s.params) for s in row.steps] == [
        ("change_org_role", {"membership_id": 100, "role": "ADMIN"})
    ]


def test_name_and_week_start_are_noted_never_sent(tmp_path):
    plan = plan_for(tmp_path, "email,name,week start\nnew@example.com,New Person,Monday\n")
    [row] = plan.rows
    assert "name" not in row.steps[0].params and "weekday" not in row.steps[0].params
    assert any("name is not settable" in note for note in row.notes)


def test_users_are_never_deleted_even_in_sync(tmp_path):
    plan = plan_for(tmp_path, "email\nnew@example.com\n", mode="sync", kind="users")
    assert all(step.action != "delete_user" for r in plan.rows for step in r.steps)
    assert [r.key for r in plan.rows] == ["new@example.com"]


def test_invalid_rows_are_not_planned(tmp_path):
    plan = plan_for(tmp_path, "email,org role\nok@example.com,MEMBER\nko@example.com,KING\n")
    assert [r.row for r in plan.rows] == [2]


def test_ooo_entries_already_there_are_unchanged_and_new_ones_created(tmp_path):
    plan = plan_for(
        tmp_path,
        "email,start,end,reason,covering email\n"
        "bob@example.com,2026-07-01,2026-07-14,vacation,carol@example.com\n"
        "bob@example.com,2026-08-03,2026-08-04,sick,carol@example.com\n",
    )
    first, second = plan.rows
    assert first.is_unchanged
    assert second.steps[0].params == {
        "email": "bob@example.com",
        "start": "2026-08-03T00:00:00.000Z",
        "end": "2026-08-04T00:00:00.000Z",
        "reason": "sick",
        "notes": None,
        "covering_email": "carol@example.com",
    }


def test_roles_are_created_updated_and_system_roles_refused(tmp_path):
    text = (
        "role name,description,color,permissions,team\n"
        "Auditor,reads all bookings,#445566,booking.read; insights.read,\n"
        "Scheduler,,,eventType.create,Sales\n"
        "Admin,,,booking.read,\n"
    )
    added = plan_for(tmp_path, text)
    auditor, scheduler, admin = added.rows
    assert [(s.action, s.params) for s in auditor.steps] == [
        ("update_role", {"role_id": "r-audit", "team_id": None, "color": "#445566"}),
        (
            "add_role_permissions",
            {"role_id": "r-audit", "team_id": None, "permissions": ["insights.read"]},
        ),
    ]
    assert auditor.notes[1:] == [
        "the description of an existing role cannot be changed through the API"
    ]
    for row in (auditor, scheduler):
        assert "cannot give a custom role to members" in row.notes[0]
    assert scheduler.steps[0].action == "create_role"
    assert scheduler.steps[0].params["team_id"] == 1
    assert admin.refusal and not admin.steps
    synced = plan_for(tmp_path, text, mode="sync")
    assert synced.rows[0].steps[1].action == "set_role_permissions"


def test_plan_frame_has_one_line_per_step_and_per_unchanged_row(tmp_path):
    plan = plan_for(tmp_path, "email,locale\nbob@example.com,en\nnew@example.com,de\n")
    frame = plan.to_frame()
    assert frame.select("row", "action").rows() == [(2, "none"), (3, "create_user")]
    assert frame.schema["params"] == pl.Utf8


def test_assignments_without_option_id_are_matched_by_value(tmp_path):
    tables = sample_tables()
    tables["attribute_assignments"] = tables["attribute_assignments"].with_columns(
        pl.lit(None, dtype=pl.Utf8).alias("option_id")
    )
    plan = plan_for(tmp_path, "email,department\nbob@example.com,Sales\n", tables=tables)
    assert plan.rows[0].is_unchanged
