"""The bad-input corpus: each file gives the expected messages (or succeeds), never a crash."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.corpus.sample_org import sample_state
from transforms.problems import problems_frame
from transforms.sheets.reading import read_workbook
from transforms.validate.sheet import validate_workbook

FILES = Path(__file__).resolve().parents[1] / "corpus" / "files"

# file -> the errors expected, as (row, column as typed, words in the problem); [] = valid
EXPECTED: dict[str, list[tuple[int | None, str, str]]] = {
    "utf8_bom.csv": [],
    "windows1252.csv": [],
    "utf16_tab.csv": [],
    "semicolon.csv": [],
    "whitespace_aliases.csv": [],
    "header_only.csv": [],
    "excel_dates_numbers.xlsx": [],
    "missing_email_column.csv": [(None, "email", "required column 'email' is missing")],
    "duplicate_emails.csv": [(4, "email", "duplicate e-mail: already on row 2")],
    "bad_dates_ooo.csv": [
        (2, "start", "not a valid start"),
        (3, "end", "ends before it starts"),
        (4, "start", "not a valid start"),
        (5, "reason", "not a valid reason"),
    ],
    "unknown_options.csv": [
        (2, "department", "not an option of Department"),
        (2, "skills", "not an option of Skills"),
        (2, "level", "takes a number"),
    ],
    "formulas.csv": [(2, "username", "a formula, not a value")],
    "formulas.xlsx": [
        (3, "username", "formula with no computed value"),
        (4, "email", "Excel error value"),
        (4, "email", "required value is empty"),
    ],
    "empty.csv": [(None, "", "the file is empty")],
    "bad_enums.csv": [
        (2, "email", "not a valid email"),
        (2, "time zone", "not a valid time zone"),
        (2, "locale", "not a valid locale"),
        (2, "time format", "not a valid time format"),
        (2, "week start", "not a valid week start"),
        (2, "org role", "not a valid org role"),
        (3, "time zone", "not a valid time zone"),
    ],
    "unknown_team.csv": [
        (2, "teams", "no such team"),
        (2, "teams", "unknown team role 'BOSS'"),
    ],
    "roles_bad_permissions.csv": [
        (2, "colour", "not a valid colour"),
        (2, "permissions", "unknown permission"),
        (3, "permissions", "organization permissions are not allowed for team roles"),
    ],
    "unknown_kind.csv": [(None, "", "cannot tell what this sheet holds")],
    "not_excel.xlsx": [(None, "", "not a readable Excel file")],
    "ooo_unknown_people.csv": [
        (2, "email", "no such member"),
        (3, "covering user email", "not a member of the organization"),
        (4, "covering user email", "cannot cover for oneself"),
    ],
}


def test_the_corpus_has_every_file_and_every_file_an_expectation():
    on_disk = {p.name for p in FILES.iterdir()}
    assert on_disk == set(EXPECTED)
    assert len(on_disk) >= 15


# headers that fit more than one kind (email,teams: users and leavers) are read as --kind says
FORCED_KIND = {"unknown_team.csv": "users"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_gives_the_expected_errors(name):
    book = read_workbook(FILES / name, FORCED_KIND.get(name))
    validated = validate_workbook(book, sample_state())
    errors = sorted(
        ((p.row, p.column, p.problem) for p in validated.errors), key=lambda e: (e[0] or 0, e[1])
    )
    expected = sorted(EXPECTED[name], key=lambda e: (e[0] or 0, e[1]))
    assert len(errors) == len(expected), errors
    for (row, column, problem), (want_row, want_column, words) in zip(
        errors, expected, strict=True
    ):
        assert (row, column) == (want_row, want_column)
        assert words in problem


def test_unknown_option_messages_suggest_the_closest_option():
    validated = validate_workbook(read_workbook(FILES / "unknown_options.csv"), sample_state())
    [department] = [p for p in validated.errors if p.column == "department"]
    assert department.value == "Enginering"
    assert "did you mean 'Engineering'?" in department.accepted


def test_excel_dates_and_numbers_are_read_as_values():
    validated = validate_workbook(read_workbook(FILES / "excel_dates_numbers.xlsx"), sample_state())
    users, ooo = validated.frames["users"], validated.frames["ooo"]
    assert users.select("row", "time_format", "Level").rows() == [(2, "24", "3"), (4, "12", "4.5")]
    assert ooo.select("start", "end", "reason").row(0) == (
        "2026-12-21",
        "2026-12-31",
        "public_holiday",
    )


def test_windows_1252_names_survive():
    book = read_workbook(FILES / "windows1252.csv")
    assert book.encoding == "cp1252"
    assert book.sheets["users"].frame["name"].to_list() == ["Zoë Müller", "José Núñez"]


def test_a_100000_row_file_validates_with_every_bad_row_reported(tmp_path):
    rng = random.Random(5)
    path = tmp_path / "big.csv"
    bad_rows = set(rng.sample(range(2, 100_002), 40))
    lines = ["email,username,time zone,org role,department,level"]
    for row in range(2, 100_002):
        zone = "Mars/Base" if row in bad_rows else rng.choice(["Europe/Rome", "UTC"])
        lines.append(f"user{row}@example.com,user{row},{zone},MEMBER,Sales,{row % 7}")
    path.write_text("\n".join(lines) + "\n")

    validated = validate_workbook(read_workbook(path), sample_state())

    assert validated.frames["users"].height == 100_000
    assert {p.row for p in validated.errors} == bad_rows
    assert problems_frame(validated.problems).height == 40
