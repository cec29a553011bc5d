"""Validation of single cells and of rows against the organization."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tests.corpus.sample_org import sample_state
from transforms.sheets.reading import read_workbook
from transforms.validate.cells import parse_attribute_cell, parse_teams
from transforms.validate.rules import (
    canonical_number,
    normalise_locale,
    normalise_reason,
    normalise_role,
    normalise_time_zone,
    normalise_week_start,
    parse_day,
    permission_problem,
)
from transforms.validate.sheet import validate_workbook


@pytest.mark.parametrize(
    ("fn", "typed", "wanted"),
    [
        (normalise_role, " admin ", "ADMIN"),
        (normalise_time_zone, "europe/rome", "Europe/Rome"),
        (normalise_time_zone, "Mars/Base", "Mars/Base"),
        (normalise_locale, "pt_br", "pt-BR"),
        (normalise_week_start, "mon", "Monday"),
        (normalise_reason, "Public Holiday", "public_holiday"),
    ],
)
def test_spelling_variants_map_to_what_the_api_takes(fn, typed, wanted):
    assert fn(typed) == wanted


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-07-01", dt.date(2026, 7, 1)),
        ("2026-07-01T09:00:00Z", dt.date(2026, 7, 1)),
        ("2026-07-01T09:00:00.000Z", dt.date(2026, 7, 1)),
        ("01.07.2026", dt.date(2026, 7, 1)),
        ("07/01/2026", None),
        ("2026-02-30", None),
    ],
)
def test_days_are_read_only_when_unambiguous(text, day):
    assert parse_day(text) == day


@pytest.mark.parametrize(
    ("permission", "team_role", "ok"),
    [
        ("booking.read", False, True),
        ("organization.attributes.read", False, True),
        ("*.*", False, True),
        ("*.*", True, False),
        ("eventType.*", False, False),
        ("organization.read", True, False),
        ("booking.fly", False, False),
    ],
)
def test_permissions_follow_the_registry(permission, team_role, ok):
    assert (permission_problem(permission, team_role) is None) is ok


def test_numbers_are_canonical_text():
    assert [canonical_number(v) for v in ("3.0", "2.50", " 7 ", "x", "nan")] == [
        "3",
        "2.5",
        "7",
        None,
        None,
    ]


def test_teams_cell_gives_team_ids_and_roles():
    teams, errors = parse_teams("Sales; customer support:admin", sample_state())
    assert teams == {1: None, 2: "ADMIN"}  # no role: membership only
    assert errors == []


def test_attribute_cells_resolve_options_by_value_or_slug_and_flag_new_ones():
    state = sample_state()
    department = state.attributes["att-dep"]
    wanted, errors = parse_attribute_cell(department, "engineering", state, create_missing=False)
    assert [(w.option_id, w.value) for w in wanted] == [("o-eng", "Engineering")]
    wanted, errors = parse_attribute_cell(department, "Legal", state, create_missing=True)
    assert [(w.option_id, w.value) for w in wanted] == [(None, "Legal")] and errors == []
    _, errors = parse_attribute_cell(department, "Sales; Legal", state, create_missing=True)
    assert "takes one value" in errors[0].problem


def test_number_attribute_reuses_the_option_with_the_same_number():
    state = sample_state()
    level = state.attributes["att-level"]
    wanted, _ = parse_attribute_cell(level, "3.0", state, create_missing=False)
    assert [(w.option_id, w.value) for w in wanted] == [("o-3", "3")]


def test_all_problems_are_reported_at_once_and_valid_rows_survive(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text(
        "email,username,org role,department\n"
        "new@example.com,newbie,member,Sales\n"
        "bad,x,king,Nope\n"
        "other@example.com,bob,,\n"
    )
    validated = validate_workbook(read_workbook(path), sample_state())
    by_row = {}
    for problem in validated.errors:
        by_row.setdefault(problem.row, set()).add(problem.column)
    assert by_row == {3: {"email", "org role", "department"}, 4: {"username"}}
    assert validated.invalid_rows("users") == {3, 4}
    assert not validated.blocks_everything


def test_name_column_is_a_warning_not_an_error(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("email,name\nnew@example.com,New Person\n")
    validated = validate_workbook(read_workbook(path), sample_state())
    assert validated.errors == []
    [warning] = validated.problems
    assert "not sent" in warning.problem


def test_unknown_columns_are_ignored_with_a_warning(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("email,Employee ID\nnew@example.com,17\n")
    validated = validate_workbook(read_workbook(path), sample_state())
    assert validated.errors == []
    assert validated.attribute_columns == {}
    assert [p.column for p in validated.problems] == ["Employee ID"]


def test_attribute_values_for_a_member_who_has_not_accepted_are_refused(tmp_path):
    from tests.corpus.sample_org import sample_tables
    from transforms.org_state import org_state_from_tables

    tables = sample_tables()
    tables["memberships"] = tables["memberships"].with_columns(accepted=pl.Series([False, True]))
    path = tmp_path / "u.csv"
    path.write_text("email,department,teams\nbob@example.com,Engineering,Sales\n")
    validated = validate_workbook(read_workbook(path), org_state_from_tables(tables))
    [problem] = validated.errors
    assert (problem.row, problem.column) == (2, "department")
    assert "not accepted" in problem.problem
