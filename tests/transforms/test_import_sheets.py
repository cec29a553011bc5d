"""The snapshot's ooo and roles sheets, in the columns `calbulk import` reads."""

from __future__ import annotations

import datetime as dt

import polars as pl

from tests.export_samples import sample_tables
from transforms.sheets.columns import OOO_COLUMNS, ROLES_COLUMNS
from transforms.sheets.snapshot_sheets import import_sheets, ooo_sheet, roles_sheet


def test_ooo_sheet_names_people_and_coverers_by_email_with_whole_days():
    sheet = ooo_sheet(sample_tables())
    assert sheet.columns == list(OOO_COLUMNS)
    assert sheet.rows(named=True) == [
        {
            "email": "ada@acme.test",
            "start": dt.date(2026, 3, 1),
            "end": dt.date(2026, 3, 5),  # the API's 23:59:59.999 is the last day off
            "reason": "vacation",
            "notes": "Alps",
            "covering_email": "bob@acme.test",
        },
        {
            "email": "cy@acme.test",
            "start": dt.date(2026, 4, 1),
            "end": dt.date(2026, 4, 1),
            "reason": "sick",
            "notes": None,
            "covering_email": None,
        },
    ]


def test_roles_sheet_has_joined_permissions_and_team_names_for_team_roles():
    sheet = roles_sheet(sample_tables())
    assert sheet.columns == list(ROLES_COLUMNS)
    assert sheet.rows() == [
        ("Auditor", "Reads", "#112233", "booking.read; webhook.read", None),
        ("Lead", None, None, "eventType.update", "Support"),
    ]


def test_system_roles_are_left_out_of_the_roles_sheet():
    tables = sample_tables()
    system = (
        tables["roles"]
        .head(1)
        .with_columns(role_id=pl.lit("r-sys"), name=pl.lit("Admin"), type=pl.lit("SYSTEM"))
    )
    tables["roles"] = pl.concat([tables["roles"], system])
    assert roles_sheet(tables)["name"].to_list() == ["Auditor", "Lead"]


def test_only_sheets_whose_tables_were_exported_are_built():
    tables = sample_tables()
    assert list(import_sheets(tables)) == [
        "users",
        "ooo",
        "roles",
        "teams",
        "attributes",
        "webhooks",
    ]
    partial = {name: tables[name] for name in ("users", "ooo_entries", "roles")}
    assert list(import_sheets(partial)) == ["ooo"]  # roles need permissions and teams too
