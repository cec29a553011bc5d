"""Validation hands the plan typed columns: each cell parsed once, its meaning on every row."""

from __future__ import annotations

import datetime as dt

import polars as pl

from tests.corpus.sample_org import sample_state
from transforms.sheets.reading import read_workbook
from transforms.validate.sheet import validate_workbook
from transforms.validate.typed import OPTIONS_TYPE, TEAMS_TYPE


def validated_for(tmp_path, text, create=False, kind=None):
    path = tmp_path / "in.csv"
    path.write_text(text)
    book = read_workbook(path, kind)
    return validate_workbook(book, sample_state(), create_missing_options=create)


def test_users_cells_become_team_lists_option_lists_and_numbers(tmp_path):
    validated = validated_for(
        tmp_path,
        "email,teams,department,skills,level,desk,time format\n"
        "a@example.com,Sales; customer support:admin,engineering,Go; python,3.0,C-3,24h\n"
        "b@example.com,,,,,,\n",
        create=True,
    )
    typed = validated.typed["users"]
    assert typed.schema["teams"] == TEAMS_TYPE and typed.schema["skills"] == OPTIONS_TYPE
    assert typed.schema["time_format"] == pl.Int64
    first, second = typed.rows(named=True)
    assert first["teams"] == [{"team_id": 1, "role": None}, {"team_id": 2, "role": "ADMIN"}]
    assert first["department"] == [{"option_id": "o-eng", "value": "Engineering"}]
    assert first["skills"] == [
        {"option_id": "o-go", "value": "Go"},
        {"option_id": "o-py", "value": "Python"},
    ]
    assert first["level"] == [{"option_id": "o-3", "value": "3"}]  # 3.0 is the option "3"
    assert first["desk"] == [{"option_id": None, "value": "C-3"}]  # created by the prelude
    assert first["time_format"] == 24
    assert (second["teams"], second["department"], second["time_format"]) == (None, None, None)


def test_a_bad_item_is_reported_on_every_row_and_left_out_of_the_list(tmp_path):
    lines = "".join(f"p{i}@example.com,Sales; Nope\n" for i in range(4))
    validated = validated_for(tmp_path, "email,teams\n" + lines, kind="users")
    assert [(p.row, p.column, p.value) for p in validated.errors] == [
        (row, "teams", "Nope") for row in range(2, 6)
    ]
    assert all("no such team" in p.problem for p in validated.errors)
    # no role given: membership only (MEMBER for a new member, kept for a member)
    assert validated.typed["users"]["teams"].to_list() == [[{"team_id": 1, "role": None}]] * 4


def test_ooo_days_are_dates(tmp_path):
    validated = validated_for(tmp_path, "email,start,end\nbob@example.com,2026-07-01,02.07.2026\n")
    typed = validated.typed["ooo"]
    assert typed.select("start", "end").row(0) == (dt.date(2026, 7, 1), dt.date(2026, 7, 2))


def test_thousands_of_bad_rows_are_all_reported_each_naming_row_column_value(tmp_path):
    lines = "".join(
        f"p{i}@example.com,{'Europe/Berln' if i % 2 else f'Mars/Base{i}'},Salse\n"
        for i in range(3000)
    )
    validated = validated_for(tmp_path, "email,time zone,department\n" + lines)
    zones = [p for p in validated.errors if p.column == "time zone"]
    departments = [p for p in validated.errors if p.column == "department"]
    assert [p.row for p in zones] == list(range(2, 3002))
    assert [p.row for p in departments] == list(range(2, 3002))
    assert zones[1].value == "Europe/Berln" and "did you mean 'Europe/Berlin'" in zones[1].accepted
    assert zones[0].value == "Mars/Base0" and "IANA time zone" in zones[0].accepted
    assert all("did you mean 'Sales'" in p.accepted for p in departments)
