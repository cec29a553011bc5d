"""API records -> snapshot tables: the shapes the API sends become the agreed tables."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.export_samples import sample_records, sample_tables
from transforms.attributes import attribute_assignments_table
from transforms.schemas import TABLES
from transforms.teams import webhooks_table
from transforms.users import users_table


def test_every_table_has_exactly_its_declared_schema():
    for name, data in sample_tables().items():
        assert data.schema == TABLES[name].schema, name


def test_contract_columns_are_present():
    contract = {
        "users": ["user_id", "email", "username", "name", "time_zone", "week_start", "locale",
                  "time_format", "bio", "avatar_url", "created_date", "verified"],
        "memberships": ["membership_id", "user_id", "role", "accepted", "disable_impersonation"],
        "attributes": ["attribute_id", "name", "slug", "type", "enabled"],
        "attribute_options": ["option_id", "attribute_id", "value", "slug"],
        "attribute_assignments": ["user_id", "attribute_id", "option_id", "value"],
        "ooo_entries": ["ooo_id", "uuid", "user_id", "to_user_id", "start", "end", "reason",
                        "notes"],
        "teams": ["team_id", "name", "slug"],
        "team_memberships": ["membership_id", "team_id", "user_id", "role", "accepted"],
        "roles": ["role_id", "team_id", "name", "description", "color", "type"],
        "role_permissions": ["role_id", "permission"],
        "webhooks": ["webhook_id", "subscriber_url", "triggers", "active", "payload_template"],
    }  # fmt: skip
    assert set(contract) == set(TABLES)
    for name, columns in contract.items():
        assert TABLES[name].schema.names()[: len(columns)] == columns, name


def test_users_timestamps_become_utc_and_metadata_json_text():
    users = users_table(sample_records()["users"])
    cy = users.filter(users["user_id"] == 12).row(0, named=True)
    assert cy["created_date"] == datetime(2026, 2, 1, 8, 0, tzinfo=UTC)  # +02:00 -> UTC
    ada = users.filter(users["user_id"] == 10).row(0, named=True)
    assert ada["metadata"] == '{"hris":"A-1"}'
    assert ada["time_zone"] == "Europe/Paris"


def test_assignments_from_all_four_membership_attribute_shapes():
    rows = attribute_assignments_table(sample_records()["memberships"]).rows()
    assert sorted(rows) == sorted(
        [
            (10, "a-dept", "o-sales", "Sales"),  # singleSelect
            (10, "a-lang", "o-fr", "French"),  # multiSelect, one row per option
            (10, "a-lang", "o-en", "English"),
            (10, "a-desk", "o-desk-1", "B-12"),  # text
            (10, "a-level", "o-level-1", "3"),  # number -> text
            (11, "a-dept", "o-support", "Support"),
        ]
    )


def test_assignment_without_option_id_keeps_the_value():
    membership = {
        "userId": 7,
        "attributes": [{"id": 4, "name": "Score", "type": "number", "option": 2.5}],
    }
    assert attribute_assignments_table([membership]).rows() == [(7, "4", None, "2.5")]


def test_roles_split_org_and_team_roles_and_permissions():
    tables = sample_tables()
    roles = {r["role_id"]: r for r in tables["roles"].iter_rows(named=True)}
    assert roles["r-org"]["team_id"] is None
    assert roles["r-team"]["team_id"] == 21
    assert sorted(tables["role_permissions"].rows()) == [
        ("r-org", "booking.read"),
        ("r-org", "ooo.read"),
        ("r-team", "eventType.update"),
    ]


def test_webhook_secret_is_never_exported():
    hooks = webhooks_table(sample_records()["webhooks"])
    assert "secret" not in hooks.columns
    assert "whsec-do-not-export" not in str(hooks.rows())
    assert hooks.row(0, named=True)["triggers"] == ["BOOKING_CREATED", "OOO_CREATED"]


def test_no_records_gives_an_empty_table_with_the_schema():
    empty = users_table([])
    assert empty.height == 0
    assert empty.schema == TABLES["users"].schema
