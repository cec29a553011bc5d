"""The templates people fill in read back as their kind, match the models, carry dropdowns."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from transforms.sheets.example import demo_state
from transforms.sheets.reading import read_workbook
from transforms.sheets.templates import header, write_generic_templates, write_xlsx_template
from transforms.validate.models import MODELS
from transforms.validate.sheet import validate_workbook

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
KINDS = ("users", "ooo", "roles")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_each_template_reads_back_as_its_kind_with_every_model_column(kind, suffix):
    book = read_workbook(TEMPLATES / f"{kind}{suffix}")
    assert list(book.sheets) == [kind]
    sheet = book.sheets[kind]
    model_columns = set(MODELS[kind].to_schema().columns) - {"row"}
    assert set(sheet.headers) == model_columns
    assert sheet.frame.height == 0 and book.all_problems() == []


def test_committed_templates_are_up_to_date(tmp_path):
    write_generic_templates(tmp_path)
    for kind in KINDS:
        assert (TEMPLATES / f"{kind}.csv").read_bytes() == (tmp_path / f"{kind}.csv").read_bytes()
        committed = openpyxl.load_workbook(TEMPLATES / f"{kind}.xlsx")[kind]
        assert [c.value for c in committed[1]] == header(kind)


def _validations(sheet) -> dict[str, str]:
    """header -> the list source of its dropdown."""
    headers = {cell.column_letter: cell.value for cell in sheet[1]}
    found = {}
    for validation in sheet.data_validations.dataValidation:
        column = str(validation.sqref).split(":")[0].rstrip("0123456789")
        found[headers[column]] = validation.formula1
    return found


def test_excel_templates_have_instructions_and_dropdowns():
    users = openpyxl.load_workbook(TEMPLATES / "users.xlsx")
    assert users.sheetnames[:2] == ["Instructions", "users"]
    assert users["lists"].sheet_state == "hidden"
    dropdowns = _validations(users["users"])
    assert {"org role", "time zone", "locale", "time format"} <= set(dropdowns)
    ooo = openpyxl.load_workbook(TEMPLATES / "ooo.xlsx")
    assert "reason" in _validations(ooo["ooo"])


def test_org_template_has_a_column_and_a_dropdown_per_attribute(tmp_path):
    path = write_xlsx_template(tmp_path / "org-users.xlsx", "users", demo_state())
    book = openpyxl.load_workbook(path)
    sheet = book["users"]
    headers = [c.value for c in sheet[1]]
    assert headers[-5:] == ["Department", "Level", "Location note", "Office", "Skills"]
    dropdowns = _validations(sheet)
    assert {"Department", "Office", "Skills"} <= set(dropdowns)
    assert "Level" not in dropdowns and "Location note" not in dropdowns
    lists = book["lists"]
    offices = [c.value for c in lists[dropdowns["Office"].split("$")[1]]][1:]
    assert [v for v in offices if v] == sorted(["Zürich", "São Paulo", "Kraków", "New York",
                                                "Remote"])  # fmt: skip
    assert read_workbook(path).sheets["users"].attribute_columns == tuple(headers[-5:])


def test_example_onboarding_workbook_is_valid_for_the_demo_org():
    book = read_workbook(TEMPLATES / "example_onboarding.xlsx")
    validated = validate_workbook(book, demo_state())
    assert validated.errors == []
    assert validated.frames["users"].height == 40 and validated.frames["ooo"].height == 8
