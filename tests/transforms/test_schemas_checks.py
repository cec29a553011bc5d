"""Snapshot validation: bad data is reported by table, check and row, never published."""

from __future__ import annotations

import polars as pl

from tests.export_samples import sample_tables
from transforms.snapshot.checks import validate_snapshot


def _replace(data: pl.DataFrame, row: int, **values: object) -> pl.DataFrame:
    rows = data.to_dicts()
    rows[row].update(values)
    return pl.DataFrame(rows, schema=data.schema, orient="row")


def test_a_consistent_snapshot_passes():
    report = validate_snapshot(sample_tables())
    assert report.ok, str(report)


def test_duplicate_user_id_names_table_check_and_rows():
    tables = sample_tables()
    tables["users"] = _replace(tables["users"], 2, user_id=10)
    report = validate_snapshot(tables)
    [failure] = [f for f in report.for_table("users") if f.check.startswith("user_id")]
    assert "uniqueness" in failure.check
    assert failure.rows == (0, 2)


def test_unknown_role_enum_is_reported_with_its_value():
    tables = sample_tables()
    tables["memberships"] = _replace(tables["memberships"], 1, role="SUPERUSER")
    [failure] = validate_snapshot(tables).for_table("memberships")
    assert failure.check.startswith("role: isin")
    assert failure.rows == (1,)
    assert failure.values == ("SUPERUSER",)


def test_assignment_to_missing_user_and_option_fail_foreign_keys():
    tables = sample_tables()
    assignments = _replace(tables["attribute_assignments"], 0, user_id=999)
    tables["attribute_assignments"] = _replace(assignments, 5, option_id="o-gone")
    failures = {f.check: f for f in validate_snapshot(tables).for_table("attribute_assignments")}
    users_fk = failures["foreign key user_id -> users.user_id"]
    assert (users_fk.rows, users_fk.values) == ((0,), ("999",))
    options_fk = failures["foreign key option_id -> attribute_options.option_id"]
    assert (options_fk.rows, options_fk.values) == ((5,), ("o-gone",))


def test_ooo_coverer_must_be_a_user_but_may_be_absent():
    tables = sample_tables()
    assert tables["ooo_entries"]["to_user_id"].null_count() == 1  # null coverer is fine
    tables["ooo_entries"] = _replace(tables["ooo_entries"], 0, to_user_id=4242)
    [failure] = validate_snapshot(tables).for_table("ooo_entries")
    assert failure.check == "foreign key to_user_id -> users.user_id"
    assert failure.rows == (0,)


def test_memberships_team_memberships_and_permissions_resolve():
    tables = sample_tables()
    tables["memberships"] = _replace(tables["memberships"], 0, user_id=77)
    tables["team_memberships"] = _replace(tables["team_memberships"], 2, team_id=99)
    tables["role_permissions"] = _replace(tables["role_permissions"], 1, role_id="r-nope")
    checks = {(f.table, f.check, f.rows) for f in validate_snapshot(tables).failures}
    assert checks == {
        ("memberships", "foreign key user_id -> users.user_id", (0,)),
        ("team_memberships", "foreign key team_id -> teams.team_id", (2,)),
        ("role_permissions", "foreign key role_id -> roles.role_id", (1,)),
    }


def test_report_is_readable_markdown_naming_table_and_check():
    tables = sample_tables()
    tables["memberships"] = _replace(tables["memberships"], 1, role="SUPERUSER")
    text = validate_snapshot(tables).to_markdown()
    assert "| memberships | role: isin" in text
    assert "SUPERUSER" in text


def test_foreign_keys_to_tables_left_out_are_skipped():
    tables = sample_tables()
    partial = {"memberships": tables["memberships"], "ooo_entries": tables["ooo_entries"]}
    assert validate_snapshot(partial).ok


def test_wrong_column_type_is_a_schema_failure_not_a_crash():
    tables = sample_tables()
    tables["teams"] = tables["teams"].with_columns(pl.col("team_id").cast(pl.Utf8))
    report = validate_snapshot(tables)
    assert any(f.table == "teams" and "team_id" in f.check for f in report.failures)
    assert any(f.table == "team_memberships" and "types differ" in f.check for f in report.failures)
