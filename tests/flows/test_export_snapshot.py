"""The snapshot writer: real files in tmp_path, owner-only, atomic, checksummed, inert cells."""

from __future__ import annotations

import csv
import stat
from datetime import UTC, datetime

import openpyxl
import polars as pl
import pytest

from flows.export.snapshot import SnapshotRun, read_manifest, sha256_of, write_snapshot
from tests.export_samples import INJECTION, sample_tables
from transforms.org_state import org_state_from_tables
from transforms.plan.build import build_plan
from transforms.sheets.reading import read_workbook
from transforms.sheets.snapshot_sheets import import_sheets
from transforms.validate.sheet import validate_workbook

STARTED = datetime(2026, 11, 22, 11, 13, 10, tzinfo=UTC)
RUN = SnapshotRun(
    org_id=42,
    api_url="http://127.0.0.1:9/v2",
    started_at=STARTED,
    finished_at=datetime(2026, 11, 22, 11, 14, 0, tzinfo=UTC),
    requests={"users": 3, "memberships": 2, "attribute_assignments": 0},
)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_layout_permissions_and_manifest(tmp_path):
    tables = sample_tables()
    folder = write_snapshot(tables, tmp_path, RUN, formats=("parquet", "csv"))
    assert folder == tmp_path / "42" / "20261122T111310Z"
    assert [p.name for p in (tmp_path / "42").iterdir()] == [folder.name]  # no leftovers
    assert _mode(folder) == 0o700
    names = sorted(p.name for p in folder.iterdir())
    expected = sorted([f"{t}.{ext}" for t in tables for ext in ("parquet", "csv")])
    assert names == sorted([*expected, "manifest.json"])
    assert all(_mode(p) == 0o600 for p in folder.iterdir())

    manifest = read_manifest(folder)
    assert manifest["org_id"] == 42
    assert manifest["api_url"] == "http://127.0.0.1:9/v2"
    assert manifest["started_at"] == "2026-11-22T11:13:10Z"
    assert manifest["finished_at"] == "2026-11-22T11:14:00Z"
    assert manifest["tool_version"]
    users = manifest["tables"]["users"]
    assert (users["rows"], users["requests"]) == (3, 3)
    assert users["schema"]["created_date"] == "Datetime(time_unit='us', time_zone='UTC')"
    for entry in manifest["tables"].values():
        for file in entry["files"].values():
            assert sha256_of(folder / file["path"]) == file["sha256"]


def test_parquet_reads_back_identical(tmp_path):
    tables = sample_tables()
    folder = write_snapshot(tables, tmp_path, RUN, formats=("parquet",))
    for name, data in tables.items():
        back = pl.read_parquet(folder / f"{name}.parquet")
        assert back.equals(data), name
    assert not list(folder.glob("*.csv"))


def test_csv_cells_that_would_run_as_formulas_are_inert(tmp_path):
    folder = write_snapshot(sample_tables(), tmp_path, RUN, formats=("csv",))
    with (folder / "users.csv").open(newline="", encoding="utf-8") as handle:
        names = {row["email"]: row["name"] for row in csv.DictReader(handle)}
    assert names["bob@acme.test"] == "'" + INJECTION
    assert names["ada@acme.test"] == "Ada Lovelace"
    ooo = (folder / "ooo_entries.csv").read_text()
    assert "2026-03-01T00:00:00.000Z,2026-03-05T23:59:59.999Z" in ooo  # ISO 8601 UTC
    hooks = (folder / "webhooks.csv").read_text()
    assert "BOOKING_CREATED; OOO_CREATED" in hooks


def test_workbook_has_import_sheets_first_and_inert_injection(tmp_path):
    tables = sample_tables()
    sheets = import_sheets(tables)
    folder = write_snapshot(tables, tmp_path, RUN, formats=("xlsx",), import_sheets=sheets)
    book = openpyxl.load_workbook(folder / "snapshot.xlsx")
    assert book.sheetnames[:3] == ["users", "ooo", "roles"]
    assert {"users_table", "roles_table", "ooo_entries", "role_permissions"} <= set(book.sheetnames)
    assert book.sheetnames[3:6] == ["teams", "attributes", "webhooks"]
    assert {"teams_table", "attributes_table", "webhooks_table"} <= set(book.sheetnames)
    assert [c.value for c in book["roles"][1]] == ["name", "description", "color", "permissions",
                                                  "team"]  # fmt: skip
    sheet = book["users"]
    header = [c.value for c in sheet[1]]
    name_cell = sheet.cell(row=3, column=header.index("name") + 1)
    assert name_cell.value == INJECTION  # the text is kept exactly ...
    assert name_cell.data_type == "s"  # ... as a string, not a formula
    assert name_cell.quotePrefix  # and Excel treats it as typed text
    assert read_manifest(folder)["workbook"]["sheets"][0] == "users"


def test_wide_sheet_round_trips_through_the_workbook(tmp_path):
    tables = sample_tables()
    wide = import_sheets(tables)["users"]
    folder = write_snapshot(tables, tmp_path, RUN, formats=("xlsx",), import_sheets={"users": wide})
    back = pl.read_excel(folder / "snapshot.xlsx", sheet_name="users")
    assert back.columns == wide.columns
    assert back.with_columns(pl.col("time_format").cast(pl.Int64)).rows() == wide.rows()


@pytest.mark.parametrize("mode", ["add", "sync"])
def test_whole_workbook_reads_as_users_ooo_and_roles_and_plans_nothing(tmp_path, mode):
    tables = sample_tables()
    sheets = import_sheets(tables)
    folder = write_snapshot(tables, tmp_path, RUN, formats=("xlsx",), import_sheets=sheets)
    book = read_workbook(folder / "snapshot.xlsx")
    assert sorted(book.sheets) == ["attributes", "ooo", "roles", "teams", "users", "webhooks"]
    heights = {k: s.frame.height for k, s in book.sheets.items()}
    assert heights == {"users": 3, "ooo": 2, "roles": 2, "teams": 2, "attributes": 4, "webhooks": 1}
    state = org_state_from_tables(tables)
    validated = validate_workbook(book, state)
    assert validated.errors == []
    plan = build_plan(validated, state, mode=mode)
    assert plan.step_count == 0, plan.to_frame().filter(pl.col("action") != "none")
    assert {row.sheet for row in plan.rows} == {"users", "ooo", "roles", "teams", "attributes",
                                                "webhooks"}  # fmt: skip


def test_a_failed_write_leaves_no_folder(tmp_path):
    tables = sample_tables()
    tables["teams"] = tables["teams"].with_columns(pl.Series("bad", [object(), object()]))
    with pytest.raises(Exception):  # noqa: B017 - polars raises its own error type
        write_snapshot(tables, tmp_path, RUN)
    assert list((tmp_path / "42").iterdir()) == []


def test_second_snapshot_in_the_same_second_never_overwrites(tmp_path):
    first = write_snapshot(sample_tables(), tmp_path, RUN, formats=("parquet",))
    second = write_snapshot(sample_tables(), tmp_path, RUN, formats=("parquet",))
    assert first != second and first.exists() and second.name == "20261122T111310Z-2"


def test_unknown_format_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match="json"):
        write_snapshot(sample_tables(), tmp_path, RUN, formats=("parquet", "json"))
    assert not (tmp_path / "42").exists()
