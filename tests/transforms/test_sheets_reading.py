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
    book = read_workbook(path)
    assert book.sheets["users"].frame["email"].to_list() == ["a@example.com"]
    [warning] = book.all_problems()
    assert warning.severity == "warning" and warning.column == "E-mail"
