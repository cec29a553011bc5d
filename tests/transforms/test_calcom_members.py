"""Cal.com's own members CSV (the members table's download) reads and plans as a users sheet."""

from __future__ import annotations

from pathlib import Path

from tests.corpus.sample_org import sample_state
from transforms.plan.build import build_plan
from transforms.sheets.calcom_members import WEIGHTS_NOT_SENT, is_calcom_members
from transforms.sheets.reading import read_workbook
from transforms.validate.sheet import validate_workbook

# As generateCsvRawForMembersTable writes it: extra visible columns in the header only (rows are
# shorter), quoted Teams cell, multi-valued attribute joined by ",", weights "value (50%)", a
# TEXT value with a comma, no trailing newline, no BOM.
FIXTURE = Path(__file__).parent / "fixtures" / "calcom-members.csv"


def test_the_members_header_is_recognised_only_from_its_first_four_columns():
    assert is_calcom_members(["Members", "Link", "Role", "Teams", "Last Active"])
    assert not is_calcom_members(["Members", "Role", "Teams"])
    assert not is_calcom_members(["email", "Link", "Role", "Teams"])


def test_the_download_reads_as_users_with_usernames_from_links_and_teams_split():
    assert not FIXTURE.read_bytes().startswith(b"\xef\xbb\xbf")
    sheet = read_workbook(FIXTURE).sheets["users"]
    frame = sheet.frame
    assert frame["row"].to_list() == [2, 3, 4]
    assert frame["email"].to_list() == ["bob@example.com", "carol@example.com", "dan@example.com"]
    assert frame["username"].to_list() == ["bob", "carol", "dan"]
    assert frame["org_role"].to_list() == ["MEMBER", "ADMIN", "MEMBER"]
    assert frame["teams"].to_list() == ["Sales", "Customer Support; Sales", None]
    # display-only columns are not attributes; messages name columns as Cal.com wrote them
    assert sheet.attribute_columns == ("Department", "Skills", "Level", "Desk")
    assert sheet.label("username") == "Link" and sheet.label("email") == "Members"


def test_the_download_imports_with_no_edits():
    state = sample_state()
    validated = validate_workbook(read_workbook(FIXTURE), state)
    assert validated.errors == []
    assert sorted(p.column for p in validated.problems) == ["Department", "Skills"]
    assert all(p.problem == WEIGHTS_NOT_SENT for p in validated.problems)
    plan = build_plan(validated, state)
    steps = {r.key: [(s.action, s.params) for s in r.steps] for r in plan.rows}
    # bob: "Python,Go" is two values of the MULTI_SELECT Skills (he holds Python)
    assert steps["bob@example.com"] == [
        ("assign_option", {"attribute_id": "att-skill", "option_id": "o-go", "value": "Go"}),
        ("assign_option", {"attribute_id": "att-desk", "option_id": "o-desk", "value": "B-12"}),
    ]
    # carol: ADMIN of Customer Support stays ADMIN (role-less Teams cell); weights stripped;
    # the TEXT value keeps its comma
    assert steps["carol@example.com"] == [
        ("add_team_membership", {"role": "MEMBER", "team_id": 1}),
        (
            "assign_option",
            {"attribute_id": "att-dep", "option_id": "o-eng", "value": "Engineering"},
        ),
        ("assign_option", {"attribute_id": "att-skill", "option_id": "o-go", "value": "Go"}),
        ("assign_option", {"attribute_id": "att-skill", "option_id": "o-py", "value": "Python"}),
        (
            "assign_option",
            {"attribute_id": "att-desk", "option_id": None, "value": "Desk 4, second floor"},
        ),
    ]
    [create] = steps["dan@example.com"]
    assert create[0] == "create_user" and create[1]["username"] == "dan"
    assert [s.params["value"] for s in plan.prelude] == ["Desk 4, second floor"]
