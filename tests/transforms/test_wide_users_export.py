"""The wide users sheet: one row per user, org role, teams and one column per attribute."""

from __future__ import annotations

import polars as pl

from tests.export_samples import INJECTION, sample_tables
from transforms.sheets.cells import neutralise, neutralise_frame, restore_neutralised
from transforms.sheets.wide_users import WIDE_BASE_COLUMNS, attribute_headers, wide_users_sheet


def test_wide_sheet_columns_and_values():
    sheet = wide_users_sheet(sample_tables())
    assert sheet.columns == [*WIDE_BASE_COLUMNS, "Department", "Languages", "Desk", "Level"]
    rows = {r["email"]: r for r in sheet.iter_rows(named=True)}
    assert rows["ada@acme.test"]["org_role"] == "OWNER"
    assert rows["ada@acme.test"]["teams"] == "Sales; Support:ADMIN"
    assert rows["ada@acme.test"]["Languages"] == "English; French"
    assert rows["ada@acme.test"]["Level"] == "3"
    assert rows["bob@acme.test"]["teams"] == "Support"
    assert rows["bob@acme.test"]["Desk"] is None
    assert rows["cy@acme.test"]["teams"] is None
    assert sheet.height == 3


def test_clashing_attribute_names_get_their_slug():
    attributes = pl.DataFrame(
        {"attribute_id": ["1", "2", "3"], "name": ["Site", "Site", "email"],
         "slug": ["site-a", "site-b", "mail"]}
    )  # fmt: skip
    assert attribute_headers(attributes) == {
        "1": "Site [site-a]",
        "2": "Site [site-b]",
        "3": "email [mail]",
    }


def test_formula_triggers_are_neutralised_and_restorable():
    for text in ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx", INJECTION]:
        assert neutralise(text) == "'" + text
        assert restore_neutralised(neutralise(text)) == text
    for text in ["Ada", "", None, "a=b", "'quoted"]:
        assert neutralise(text) == text
        assert restore_neutralised(text) == text


def test_neutralise_frame_touches_text_columns_only():
    data = pl.DataFrame({"name": [INJECTION, "Ada"], "n": [-1, 2]})
    out = neutralise_frame(data)
    assert out["name"].to_list() == ["'" + INJECTION, "Ada"]
    assert out["n"].to_list() == [-1, 2]
