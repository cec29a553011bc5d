"""Definition sheets (teams, attributes, webhooks): reading, validation messages, plan frames."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest

from tests.corpus.sample_org import sample_tables
from transforms.org_state import org_state_from_tables
from transforms.plan.build import build_plan
from transforms.sheets.columns import CANONICAL_COLUMNS, DEFINITION_KINDS
from transforms.sheets.reading import read_workbook
from transforms.sheets.templates import header, write_generic_templates
from transforms.validate.sheet import validate_workbook

WEBHOOKS = pl.DataFrame(
    {
        "webhook_id": ["wh-1", "wh-2"],
        "subscriber_url": ["https://hooks.example.com/a", "https://old.example.com/b"],
        "triggers": [["BOOKING_CREATED", "BOOKING_CANCELLED"], ["MEETING_ENDED"]],
        "active": [True, True],
        "payload_template": [None, None],
    }
)


def tables():
    return {**sample_tables(), "webhooks": WEBHOOKS}


def validated_for(tmp_path, kind, text):
    path = tmp_path / f"{kind}.csv"
    path.write_text(text)
    state = org_state_from_tables(tables())
    return validate_workbook(read_workbook(path, kind), state), state


def plan_for(tmp_path, kind, text, **options):
    validated, state = validated_for(tmp_path, kind, text)
    assert validated.errors == [], validated.errors
    return build_plan(validated, state, **options)


def steps(plan):
    return [(row.key, step.action, step.params) for row in plan.rows for step in row.steps]


def test_header_aliases_read_into_canonical_columns(tmp_path):
    validated, _ = validated_for(
        tmp_path, "webhooks", "Webhook URL,Events,Enabled,Signing secret\nhttps://x.example.com,booking_created,yes,abc\n"
    )  # fmt: skip
    frame = validated.frames["webhooks"]
    assert frame.select("subscriber_url", "triggers", "active", "secret").row(0) == (
        "https://x.example.com", "BOOKING_CREATED", "true", "abc",
    )  # fmt: skip


def test_bad_cells_are_reported_with_row_column_value_and_what_is_accepted(tmp_path):
    validated, _ = validated_for(
        tmp_path,
        "attributes",
        "name,type,enabled,options\nRegion,dropdown,maybe,A\nDesk,TEXT,,B12\n"
        "Skills,MULTI_SELECT,,Go; go\n",
    )
    found = {(p.row, p.column, p.value): (p.problem, p.accepted) for p in validated.errors}
    assert found[(2, "type", "DROPDOWN")][1] == "one of: TEXT, NUMBER, SINGLE_SELECT, MULTI_SELECT"
    assert found[(2, "enabled", "maybe")][0] == "not a yes/no value"
    assert found[(3, "options", "B12")][0] == "a TEXT attribute has no options"
    assert found[(4, "options", "go")][0] == "option listed twice"


def test_unknown_trigger_and_duplicate_url_are_refused(tmp_path):
    validated, _ = validated_for(
        tmp_path,
        "webhooks",
        "subscriber url,triggers\nhttps://a.example.com,BOOKING_MADE\nftp://b,BOOKING_CREATED\n"
        "https://A.example.com,BOOKING_CREATED\n",
    )
    found = {(p.row, p.column, p.value): p.problem for p in validated.errors}
    assert found[(2, "triggers", "BOOKING_MADE")] == "not a webhook trigger"
    assert found[(3, "subscriber url", "ftp://b")] == "not a web address"
    assert found[(4, "subscriber url", "https://A.example.com")].startswith(
        "duplicate subscriber URL: already on row 2"
    )


def test_a_team_name_or_slug_twice_is_refused(tmp_path):
    validated, _ = validated_for(
        tmp_path, "teams", "name,slug\nPlatform,platform\nplatform,other\nOps,PLATFORM\n"
    )
    found = {(p.row, p.column, p.value): p.problem for p in validated.errors}
    assert found == {
        (3, "name", "platform"): "duplicate team: already on row 2",
        (4, "slug", "platform"): "duplicate team slug: already on row 2",
    }


def test_teams_create_missing_update_differing_and_never_delete_without_prune(tmp_path):
    text = "name,slug,bio\nSales,sales,\nCustomer Support,help,\nPlatform,,Builds it\n"
    plan = plan_for(tmp_path, "teams", text, mode="sync")
    assert steps(plan) == [
        ("Customer Support", "update_team", {"team_id": 2, "slug": "help"}),
        ("Platform", "create_team", {"name": "Platform", "bio": "Builds it"}),
    ]
    [created] = [r for r in plan.rows if r.key == "Platform"]
    assert "OWNER" in created.notes[0]


def test_prune_needs_sync_and_deletes_only_what_the_sheet_dropped(tmp_path):
    text = "name\nSales\n"
    assert steps(plan_for(tmp_path, "teams", text, mode="add", prune_definitions=True)) == []
    assert steps(plan_for(tmp_path, "teams", text, mode="sync")) == []
    pruned = plan_for(tmp_path, "teams", text, mode="sync", prune_definitions=True)
    assert steps(pruned) == [
        ("Customer Support", "delete_team", {"id": 2, "key": "Customer Support"})
    ]
    assert pruned.action_counts() == {"delete_team": 1}


def test_attribute_options_are_added_and_pruned_by_value(tmp_path):
    text = "name,slug,type,options\nDepartment,department,SINGLE_SELECT,engineering; Marketing\n"
    add = plan_for(tmp_path, "attributes", text, mode="sync")
    assert [(a, p.get("value")) for _k, a, p in steps(add)] == [
        ("add_attribute_option", "Marketing")
    ]
    pruned = plan_for(tmp_path, "attributes", text, mode="sync", prune_definitions=True)
    assert sorted((a, p.get("value") or p.get("key")) for _k, a, p in steps(pruned)) == [
        ("add_attribute_option", "Marketing"),
        ("delete_attribute", "desk"),
        ("delete_attribute", "level"),
        ("delete_attribute", "skills"),
        ("delete_attribute_option", "Sales"),
    ]


def test_new_select_attribute_is_created_with_its_options(tmp_path):
    plan = plan_for(
        tmp_path, "attributes", "name,type,enabled,options\nRegion,single select,no,EMEA; APAC\n"
    )
    assert steps(plan) == [
        ("region", "create_attribute", {
            "name": "Region", "slug": "region", "type": "SINGLE_SELECT", "enabled": False,
            "options": [{"value": "EMEA", "slug": "emea"}, {"value": "APAC", "slug": "apac"}],
        })
    ]  # fmt: skip


def test_webhook_secret_never_enters_the_plan(tmp_path):
    text = (
        "subscriber url,triggers,active,secret\n"
        "https://hooks.example.com/a,BOOKING_CREATED,no,\n"
        "https://new.example.com/c,BOOKING_CREATED; MEETING_ENDED,,hush-123\n"
    )
    plan = plan_for(tmp_path, "webhooks", text)
    assert steps(plan) == [
        ("https://hooks.example.com/a", "update_webhook",
         {"webhook_id": "wh-1", "triggers": ["BOOKING_CREATED"], "active": False}),
        ("https://new.example.com/c", "create_webhook",
         {"subscriberUrl": "https://new.example.com/c", "triggers": ["BOOKING_CREATED",
          "MEETING_ENDED"], "active": True, "secret": True}),
    ]  # fmt: skip
    out = tmp_path / "plan.csv"
    plan.write_csv(out)
    assert "hush-123" not in out.read_text()


def test_a_users_sheet_may_name_a_team_the_teams_sheet_creates(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "teams"
    book.active.append(["name"])
    book.active.append(["Platform"])
    users = book.create_sheet("users")
    users.append(["email", "teams"])
    users.append(["new@example.com", "Platform:ADMIN"])
    path = tmp_path / "in.xlsx"
    book.save(path)
    state = org_state_from_tables(tables())
    validated = validate_workbook(read_workbook(path), state)
    assert validated.errors == []
    plan = build_plan(validated, state)
    assert [r.sheet for r in plan.rows] == ["teams", "users"]  # definitions first
    membership = [s for s in plan.rows[1].steps if s.action == "add_team_membership"]
    assert membership[0].params == {"team_id": -2, "role": "ADMIN"}  # the teams sheet's row 2


TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize("kind", DEFINITION_KINDS)
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_definition_templates_read_back_as_their_kind_with_every_column(kind, suffix):
    book = read_workbook(TEMPLATES / f"{kind}{suffix}")
    assert list(book.sheets) == [kind]
    assert set(book.sheets[kind].headers) == set(CANONICAL_COLUMNS[kind])
    assert book.sheets[kind].frame.height == 0 and book.all_problems() == []


def test_committed_definition_templates_are_up_to_date(tmp_path):
    write_generic_templates(tmp_path)
    for kind in DEFINITION_KINDS:
        assert (TEMPLATES / f"{kind}.csv").read_bytes() == (tmp_path / f"{kind}.csv").read_bytes()
        committed = openpyxl.load_workbook(TEMPLATES / f"{kind}.xlsx")
        assert [c.value for c in committed[kind][1]] == header(kind)
        assert committed.sheetnames[:2] == ["Instructions", kind]
