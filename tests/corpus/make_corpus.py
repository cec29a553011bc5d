"""Regenerate the bad-input corpus in tests/corpus/files (run by hand; outputs are committed).

    .venv/bin/python tests/corpus/make_corpus.py

Each file is a spreadsheet as people really send them: odd encodings, Excel quirks, mistakes.
The expected outcome of each is in tests/transforms/test_validation_corpus.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import xlsxwriter

FILES = Path(__file__).parent / "files"

GOOD_HEADER = "E-mail,Username,Time Zone,Org Role,Teams,Department,Skills,Level,Desk"
GOOD_ROWS = [
    "ana@example.com,ana,Europe/Rome,ADMIN,Sales,Engineering,Python; Go,4,A-1",
    "dan@example.com,dan,America/New_York,member,Customer Support:ADMIN,Sales,,3,",
]


def text(name: str, content: str, encoding: str = "utf-8") -> None:
    (FILES / name).write_bytes(content.encode(encoding))


def csv_files() -> None:
    good = "\n".join([GOOD_HEADER, *GOOD_ROWS]) + "\n"
    text("utf8_bom.csv", "\ufeff" + good)
    text(
        "windows1252.csv",
        "Email Address;Full Name;Locale\r\nzoe@example.com;Zoë Müller;de\r\n"
        "jose@example.com;José Núñez;es\r\n",
        "cp1252",
    )
    text(
        "utf16_tab.csv",
        "\ufeff" + good.replace(",", "\t").replace("Python; Go", "Python"),
        "utf-16-le",
    )
    text("semicolon.csv", good.replace(",", ";").replace("Python; Go", "Python"))
    text(
        "whitespace_aliases.csv",
        "  Email Address , Time-Zone ,ORG_ROLE\n  ana@example.com  , europe/rome , Admin \n,,\n",
    )
    text("missing_email_column.csv", "Username,Time Zone\nana,Europe/Rome\n")
    text(
        "duplicate_emails.csv",
        "email,username\nana@example.com,ana\nbob2@example.com,bob2\nANA@Example.com,ana2\n",
    )
    text(
        "bad_dates_ooo.csv",
        "email,start,end,reason\n"
        "bob@example.com,2026-02-31,2026-03-02,vacation\n"
        "bob@example.com,2026-05-10,2026-05-01,sick\n"
        "bob@example.com,03/04/2026,2026-04-10,travel\n"
        "bob@example.com,2026-08-01,2026-08-03,holidays\n",
    )
    text(
        "unknown_options.csv",
        "email,department,skills,level\nana@example.com,Enginering,Python; Rust,three\n",
    )
    text("formulas.csv", 'email,username\nana@example.com,"=HYPERLINK(""http://x"",""ana"")"\n')
    text("empty.csv", "")
    text("header_only.csv", "email,username,time zone\n")
    text(
        "bad_enums.csv",
        "email,time zone,locale,time format,week start,org role\n"
        "not-an-email,Mars/Olympus,xx,13,Funday,BOSS\n"
        "eve@example.com,Europe/Berln,en,24,mon,owner\n",
    )
    text(
        "unknown_team.csv", "email,teams\nana@example.com,Sales; Marketing; Customer Support:BOSS\n"
    )
    text(
        "roles_bad_permissions.csv",
        "role name,description,permissions,team,colour\n"
        "Booker,books,booking.read; booking.fly,,#12345\n"
        "Team lead,,organization.read,Sales,#00ff00\n",
    )
    text("unknown_kind.csv", "foo,bar\n1,2\n")
    text(
        "ooo_unknown_people.csv",
        "email,start,end,covering user email\n"
        "ghost@example.com,2026-09-01,2026-09-02,\n"
        "bob@example.com,2026-09-01,2026-09-02,nobody@example.com\n"
        "bob@example.com,2026-10-01,2026-10-02,bob@example.com\n",
    )
    (FILES / "not_excel.xlsx").write_text("this is not a workbook\n")


def xlsx_files() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "users"
    ws.append(["Email", "Time Format", "Level"])
    ws.append(["ana@example.com", 24.0, 3.0])
    ws.append([None, None, None])
    ws.append(["dan@example.com", 12, 4.5])
    for _ in range(5):
        ws.append([None, None, None])
    ws["A9"] = "   "
    ooo = wb.create_sheet("ooo")
    ooo.append(["Email", "Start date", "End date", "Reason"])
    ooo.append(
        ["bob@example.com", dt.datetime(2026, 12, 21), dt.datetime(2026, 12, 31), "Public holiday"]
    )
    ooo.append(
        ["carol@example.com", dt.date(2027, 1, 4), dt.datetime(2027, 1, 8, 0, 0), "vacation"]
    )
    info = wb.create_sheet("Instructions")
    info["A1"] = "Fill in the users sheet"
    wb.save(FILES / "excel_dates_numbers.xlsx")

    book = xlsxwriter.Workbook(str(FILES / "formulas.xlsx"))
    sheet = book.add_worksheet("users")
    sheet.write_row(0, 0, ["email", "username", "level"])
    sheet.write_row(1, 0, ["ana@example.com", "ana"])
    sheet.write_formula(1, 2, "=1+2", None, 3)
    sheet.write(2, 0, "dan@example.com")
    sheet.write_formula(2, 1, '=LOWER("DAN")', None, "")
    sheet.write_formula(3, 0, '=CONCAT("eve","@example.com")', None, "#N/A")
    book.close()


if __name__ == "__main__":
    FILES.mkdir(exist_ok=True)
    csv_files()
    xlsx_files()
    print(f"wrote {len(list(FILES.iterdir()))} files to {FILES}")
