"""Spreadsheet templates people fill in: users, ooo, roles, teams, attributes and webhooks, as
CSV and as Excel workbooks.

The Excel templates carry an ``Instructions`` sheet (every column, what it accepts, an example)
and dropdowns (org roles, time zones, locales, weekdays, OOO reasons; with an org, its teams and
each attribute's options) fed from a hidden ``lists`` sheet. Headers are the importer's own
column names, so a template always reads back as its kind.

    .venv/bin/python -m transforms.sheets.templates templates/   # regenerate the generic ones
"""

from __future__ import annotations

import sys
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from transforms.org_state import OrgState
from transforms.validate.definitions import ATTRIBUTE_TYPES, WEBHOOK_TRIGGERS
from transforms.validate.rules import (
    LOCALES,
    MEMBERSHIP_ROLES,
    OOO_REASONS,
    WEEKDAYS,
    time_zones,
)

INPUT_ROWS = 2000
# kind -> [(header, what it accepts, example, dropdown list name or None)]
COLUMNS: dict[str, list[tuple[str, str, str, str | None]]] = {
    "users": [
        ("email", "required; the person's work e-mail (the key of the row)", "ana@example.com",
         None),
        ("username", "optional; lower-case letters, digits, . _ -", "ana", None),
        ("name", "reported only: the Cal.com API cannot set names", "Ana García", None),
        ("time zone", "IANA time zone", "Europe/Berlin", "time zones"),
        ("locale", "language code", "en", "locales"),
        ("time format", "12 or 24", "24", "time formats"),
        ("week start", "reported only: the API cannot set it", "Monday", "weekdays"),
        ("org role", "MEMBER (default), ADMIN or OWNER", "MEMBER", "roles"),
        ("teams", "team names separated by ';', add ':ADMIN' or ':OWNER' for a team role",
         "Engineering; Sales EMEA:ADMIN", None),
    ],
    "ooo": [
        ("email", "required; who is away", "ana@example.com", None),
        ("start", "required; first day away (YYYY-MM-DD or an Excel date; whole UTC days)",
         "2026-07-01", None),
        ("end", "required; last day away, on or after start", "2026-07-14", None),
        ("reason", "one of " + ", ".join(OOO_REASONS), "vacation", "reasons"),
        ("notes", "optional text", "Summer holiday", None),
        ("covering email", "optional; a member who covers (shares a team)", "bob@example.com",
         None),
    ],
    "roles": [
        ("name", "required; the custom role's name", "Booking auditor", None),
        ("description", "optional", "Reads all bookings", None),
        ("color", "optional hex colour", "#1a73e8", None),
        ("permissions", "resource.action separated by ';'", "booking.read; insights.read", None),
        ("team", "empty for an organization role, else a team name", "", None),
    ],
    "teams": [
        ("name", "required; the team's name (the key of the row)", "Customer Success", None),
        ("slug", "optional; lower-case letters, digits and dashes", "customer-success", None),
        ("bio", "optional text", "Keeps customers happy", None),
        ("is private", "TRUE or FALSE", "FALSE", "yes/no"),
        ("hide book a team member", "TRUE or FALSE", "FALSE", "yes/no"),
        ("hide branding", "TRUE or FALSE", "FALSE", "yes/no"),
        ("time zone", "IANA time zone", "Europe/Berlin", "time zones"),
        ("week start", "a weekday", "Monday", "weekdays"),
        ("time format", "12 or 24", "24", "time formats"),
        ("logo url", "optional; a web address", "https://example.com/logo.png", None),
    ],
    "attributes": [
        ("name", "required; the attribute's name", "Region", None),
        ("slug", "the key of the row; made from the name when empty", "region", None),
        ("type", "required; " + ", ".join(ATTRIBUTE_TYPES), "SINGLE_SELECT", "attribute types"),
        ("enabled", "TRUE or FALSE", "TRUE", "yes/no"),
        ("options", "select types only; values separated by ';'", "EMEA; APAC; AMER", None),
    ],
    "webhooks": [
        ("subscriber url", "required; the https:// address called (the key of the row)",
         "https://hooks.example.com/cal", None),
        ("triggers", "required; separated by ';': " + ", ".join(WEBHOOK_TRIGGERS),
         "BOOKING_CREATED; BOOKING_CANCELLED", None),
        ("active", "TRUE (default) or FALSE", "TRUE", "yes/no"),
        ("payload template", "optional; the JSON template Cal.com fills in", "", None),
        ("secret", "optional; sent when the webhook is created, never written anywhere", "",
         None),
    ],
}  # fmt: skip
NOTES = {
    "users": "One row per person. Empty cells leave values unchanged. Attribute columns are "
    "headed by the attribute's name; multi-select values are separated by ';'.",
    "ooo": "One row per absence. An identical entry that already exists is left alone.",
    "roles": "Custom roles and their permissions. The Cal.com API v2 cannot give a custom role "
    "to members: assign roles in Cal.com after the import.",
    "teams": "One row per team. Missing teams are created (the API key's user becomes an OWNER); "
    "differing fields are updated. Nothing is deleted unless --mode sync --prune-definitions.",
    "attributes": "One row per attribute. Missing attributes and options are created; name, "
    "type and enabled are updated. Nothing is deleted unless --mode sync --prune-definitions.",
    "webhooks": "One row per webhook, by subscriber URL. The secret is sent, never exported or "
    "written to plans and receipts. Nothing is deleted unless --mode sync --prune-definitions.",
}


def header(kind: str, state: OrgState | None = None) -> list[str]:
    """The template's header: the kind's columns, then (users) one per org attribute."""
    names = [c[0] for c in COLUMNS[kind]]
    if kind == "users" and state is not None:
        names += [a.name for a in sorted(state.attributes.values(), key=lambda a: a.name)]
    return names


def write_csv_template(path: Path, kind: str, state: OrgState | None = None) -> Path:
    """A header-only CSV (UTF-8 with BOM so Excel opens accents correctly)."""
    path.write_text(",".join(header(kind, state)) + "\n", encoding="utf-8-sig")
    return path


def dropdown_lists(state: OrgState | None) -> dict[str, list[str]]:
    lists = {
        "roles": list(MEMBERSHIP_ROLES),
        "time zones": sorted(time_zones()),
        "locales": list(LOCALES),
        "time formats": ["12", "24"],
        "weekdays": list(WEEKDAYS),
        "reasons": list(OOO_REASONS),
        "yes/no": ["TRUE", "FALSE"],
        "attribute types": list(ATTRIBUTE_TYPES),
    }
    if state is not None:
        lists["teams"] = sorted({t["name"] for t in state.teams_by_name.values()})
        for attribute in state.attributes.values():
            if attribute.type in ("SINGLE_SELECT", "MULTI_SELECT"):
                lists[attribute.name] = state.option_values(attribute.attribute_id)
    return lists


def write_xlsx_template(path: Path, kind: str, state: OrgState | None = None) -> Path:
    """Instructions sheet, the input sheet with dropdowns, and a hidden ``lists`` sheet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lists = dropdown_lists(state)
    with xlsxwriter.Workbook(str(path)) as book:
        bold = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
        _instructions(book, kind, state, bold)
        sheet = book.add_worksheet(kind)
        ranges = _lists_sheet(book, lists)
        columns = header(kind, state)
        dropdown_for = {c[0]: c[3] for c in COLUMNS[kind]}
        attributes = state.attributes.values() if state is not None else ()
        multi = {a.name for a in attributes if a.type == "MULTI_SELECT"}
        for index, name in enumerate(columns):
            sheet.write(0, index, name, bold)
            sheet.set_column(index, index, max(14, len(name) + 2))
            source = dropdown_for.get(name) or (name if name in lists else None)
            if source is not None and lists.get(source):
                # a multi-select cell holds "A; B", which a list cannot accept: warn only
                strict = "warning" if name in multi else "stop"
                sheet.data_validation(1, index, INPUT_ROWS, index, {
                    "validate": "list", "source": ranges[source], "error_type": strict,
                })  # fmt: skip
        sheet.freeze_panes(1, 0)
        sheet.activate()
    return path


def _instructions(book, kind: str, state: OrgState | None, bold) -> None:
    sheet = book.add_worksheet("Instructions")
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 70)
    sheet.set_column(2, 2, 30)
    sheet.write(0, 0, f"calbulk {kind} template", bold)
    sheet.write(1, 0, NOTES[kind])
    sheet.write_row(3, 0, ["column", "what it accepts", "example"], bold)
    rows = [(c[0], c[1], c[2]) for c in COLUMNS[kind]]
    if kind == "users" and state is not None:
        for attribute in sorted(state.attributes.values(), key=lambda a: a.name):
            rows.append((attribute.name, _attribute_help(attribute.type), ""))
    for offset, row in enumerate(rows, start=4):
        sheet.write_row(offset, 0, row)
    sheet.write(len(rows) + 5, 0, "Then run: calbulk import THIS_FILE --dry-run")


def _attribute_help(kind: str) -> str:
    return {
        "SINGLE_SELECT": "one option from the dropdown",
        "MULTI_SELECT": "options separated by ';' (the dropdown shows them)",
        "TEXT": "any text",
        "NUMBER": "a number",
    }.get(kind, "a value")


def _lists_sheet(book, lists: dict[str, list[str]]) -> dict[str, str]:
    sheet = book.add_worksheet("lists")
    ranges = {}
    for index, (name, values) in enumerate(lists.items()):
        sheet.write(0, index, name)
        sheet.write_column(1, index, values)
        column = xl_col_to_name(index)
        ranges[name] = f"=lists!${column}$2:${column}${len(values) + 1}"
    sheet.hide()
    return ranges


def write_generic_templates(folder: Path) -> list[Path]:
    """templates/: users, ooo, roles as CSV and XLSX (no org: no attribute columns)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in COLUMNS:
        written.append(write_csv_template(folder / f"{kind}.csv", kind))
        written.append(write_xlsx_template(folder / f"{kind}.xlsx", kind))
    return written


if __name__ == "__main__":
    for written in write_generic_templates(Path(sys.argv[1] if len(sys.argv) > 1 else "templates")):
        print(written)
