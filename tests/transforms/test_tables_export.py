"""API records -> snapshot tables: the shapes the API sends become the agreed tables."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.export_samples import CONTRACT_COLUMNS, sample_records, sample_tables
from transforms.snapshot.attributes import attribute_assignments_table
from transforms.snapshot.listing_tables import LISTING_TABLES, first_table, tables_from_listing
from transforms.snapshot.schemas import TABLE_NAMES, TABLES
from transforms.snapshot.teams import webhooks_table
from transforms.snapshot.users import users_table


def test_every_table_has_exactly_its_declared_schema():
    for name, data in sample_tables().items():
        assert data.schema == TABLES[name].schema, name


def test_contract_columns_are_present():
    assert set(CONTRACT_COLUMNS) == set(TABLES)
    for name, columns in CONTRACT_COLUMNS.items():
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
        ("r-org", "webhook.read"),
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


def test_every_snapshot_table_is_built_from_exactly_one_listing():
    built = [table for tables in LISTING_TABLES.values() for table in tables]
    assert sorted(built) == sorted(TABLE_NAMES)
    assert first_table("ooo") == "ooo_entries"
    assert list(tables_from_listing("memberships", [])) == ["memberships", "attribute_assignments"]
