"""Reading spreadsheets as people send them: encodings, Excel quirks, row numbers as Excel shows."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from transforms.sheets.columns import canonical_column, detect_kind, normalise_header
from transforms.sheets.reading import cell_text, decode_csv_bytes, read_workbook


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("E-mail", "email"),
        ("Email Address", "email"),
        ("  EMAIL_address ", "email"),
        ("Time Zone", "time_zone"),
        ("timezone", "time_zone"),
        ("Org Role", "org_role"),
        ("Organisation role", "org_role"),
        ("Week starts on", "week_start"),
        ("Department", None),
    ],
)
def test_users_headers_are_recognised_through_case_spacing_and_aliases(header, column):
    assert canonical_column("users", header) == column


def test_ooo_and_roles_headers_have_their_own_aliases():
    assert canonical_column("ooo", "Covering user email") == "covering_email"
    assert canonical_column("ooo", "Start date") == "start"
    assert canonical_column("roles", "Role name") == "name"
    assert canonical_column("roles", "Colour") == "color"


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        (["Email", "Start", "End"], "ooo"),
        (["Name", "Permissions"], "roles"),
        (["E-mail", "Department"], "users"),
        (["Username", "Time zone"], "users"),
        (["foo", "bar"], None),
    ],
)
def test_sheet_kind_is_recognised_from_the_header(headers, kind):
    assert detect_kind(headers) == kind


def test_normalise_header_drops_punctuation_and_case():
    assert normalise_header(" E-Mail_Address ") == "e mail address"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (24.0, "24"),
        (4.5, "4.5"),
        (dt.datetime(2026, 7, 1), "2026-07-01"),
        (dt.datetime(2026, 7, 1, 9, 30), "2026-07-01T09:30:00"),
        (dt.date(2026, 7, 1), "2026-07-01"),
        ("  ana@example.com\u00a0", "ana@example.com"),
        ("   ", None),
        (None, None),
        (True, "TRUE"),
    ],
)
def test_cells_become_the_text_a_person_means(value, text):
    assert cell_text(value) == text


def test_decoding_prefers_bom_then_utf8_then_windows_1252():
    assert decode_csv_bytes("\ufeffé".encode()) == ("é", "utf-8-sig")
    assert decode_csv_bytes("é".encode()) == ("é", "utf-8")
    assert decode_csv_bytes("Zoë".encode("cp1252")) == ("Zoë", "cp1252")


def test_csv_rows_keep_excel_row_numbers_across_blank_and_multiline_rows(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(
        'email,notes\na@example.com,"two\nlines"\n\nb@example.com,x\n,\n,\n', encoding="utf-8"
    )
    book = read_workbook(path, kind="users")
    frame = book.sheets["users"].frame
    assert frame["row"].to_list() == [2, 4]
    assert frame["email"].to_list() == ["a@example.com", "b@example.com"]


def test_csv_kind_can_be_forced(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("email,from,until\nbob@example.com,2026-01-01,2026-01-02\n")
    assert "ooo" in read_workbook(path).sheets
    forced = read_workbook(path, kind="users")
    assert list(forced.sheets) == ["users"]


def test_workbook_reads_named_sheets_ignores_instructions_and_counts_rows_like_excel(tmp_path):
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "Instructions"
    info["A1"] = "read me"
    users = wb.create_sheet("Users")
    users["A2"] = "Email"
    users["B2"] = "Time format"
    users["A3"] = "ana@example.com"
    users["B3"] = 24.0
    users["A7"] = "dan@example.com"
    ooo = wb.create_sheet("OOO")
    ooo.append(["email", "start", "end"])
    ooo.append(["ana@example.com", dt.datetime(2026, 3, 2), dt.datetime(2026, 3, 6)])
    path = tmp_path / "book.xlsx"
    wb.save(path)

    book = read_workbook(path)

    assert book.is_excel and set(book.sheets) == {"users", "ooo"}
    users_frame = book.sheets["users"].frame
    assert users_frame["row"].to_list() == [3, 7]
    assert users_frame["time_format"].to_list() == ["24", None]
    assert book.sheets["ooo"].frame.row(0) == (2, "ana@example.com", "2026-03-02", "2026-03-06")
    assert book.sheets["users"].label("time_format") == "Time format"


def test_unknown_users_columns_are_kept_for_the_orgs_attributes(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("email,Department,Skills\na@example.com,Sales,Go\n")
    sheet = read_workbook(path).sheets["users"]
    assert sheet.attribute_columns == ("Department", "Skills")
    assert sheet.frame["Skills"].to_list() == ["Go"]


def test_a_repeated_header_is_a_warning_and_the_first_column_wins(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("email,E-mail\na@example.com,other@example.com\n")
    book = read_workbook(path, kind="users")
    assert book.sheets["users"].frame["email"].to_list() == ["a@example.com"]
    [warning] = book.all_problems()
    assert warning.severity == "warning" and warning.column == "E-mail"


def _odd_workbook(path):
    """Values of every kind, a styled empty first row, a sheet starting in column B."""
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    users = wb.active
    users.title = "users"
    users["A1"].font = Font(bold=True)
    users.append([])
    for row in (
        [None, "E-mail", "Time format", "Level", "Start", "Flag", "Note"],
        [None, " ana@example.com ", 24.0, 4.5, dt.datetime(2026, 3, 2), True, "x"],
        [None, "bob@example.com", 12, 1e20, dt.datetime(2026, 3, 2, 9, 30), False, dt.time(9, 30)],
        [],
        [None, "cy@example.com", "12", 0.25, dt.date(2026, 1, 2), None, "\u00a0"],
    ):
        users.append(row)
    wb.create_sheet("Instructions")["C3"] = "fill in the users sheet"
    ooo = wb.create_sheet("OOO")
    ooo.append(["email", "start", "end", "reason"])
    ooo.append(["ana@example.com", dt.datetime(2026, 7, 1), dt.datetime(2026, 7, 3), "Sick"])
    wb.save(path)
    return path


def _sheets(book):
    return {
        kind: (sheet.source, sheet.frame.to_dicts(), sheet.headers, sheet.attribute_columns)
        for kind, sheet in book.sheets.items()
    }, [(p.row, p.column, p.value, p.problem) for p in book.all_problems()]


@pytest.mark.parametrize(
    "name",
    ["odd", "onboarding", "excel_dates_numbers.xlsx", "users.xlsx", "ooo.xlsx", "roles.xlsx"],
)
def test_calamine_reads_workbooks_exactly_as_openpyxl_does(tmp_path, name):
    from pathlib import Path

    from transforms.sheets.calamine import sheet_layout
    from transforms.sheets.example import write_example_workbook
    from transforms.sheets.reading import _read_excel_openpyxl

    root = Path(__file__).resolve().parents[2]
    path = {
        "odd": lambda: _odd_workbook(tmp_path / "odd.xlsx"),
        "onboarding": lambda: write_example_workbook(tmp_path / "onboarding.xlsx", 60),
        "excel_dates_numbers.xlsx": lambda: root / "tests/corpus/files" / name,
    }.get(name, lambda: root / "templates" / name)()
    assert sheet_layout(path)  # no formulas or error cells: calamine reads it
    fast = read_workbook(path)
    assert _sheets(fast) == _sheets(_read_excel_openpyxl(path, None))
    assert fast.sheets


def test_odd_workbook_rows_and_cells_read_as_excel_shows_them(tmp_path):
    book = read_workbook(_odd_workbook(tmp_path / "odd.xlsx"))
    users = book.sheets["users"].frame
    assert users["row"].to_list() == [4, 5, 7]  # header on row 3 under a styled blank row
    assert users["time_format"].to_list() == ["24", "12", "12"]
    assert users["Start"].to_list() == ["2026-03-02", "2026-03-02T09:30:00", "2026-01-02"]
    assert users["Flag"].to_list() == ["TRUE", "FALSE", None]
    assert users["Note"].to_list() == ["x", "09:30:00", None]
    assert users["Level"].to_list() == ["4.5", "100000000000000000000", "0.25"]
    assert book.all_problems() == []


def test_formulas_and_error_cells_send_a_workbook_to_openpyxl():
    from pathlib import Path

    from transforms.sheets.calamine import NeedsOpenpyxl, sheet_layout

    with pytest.raises(NeedsOpenpyxl):
        sheet_layout(Path(__file__).resolve().parents[1] / "corpus/files/formulas.xlsx")
