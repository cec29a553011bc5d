"""--rows: the spec's row numbers, and a plan restricted to them (with only the options needed)."""

from __future__ import annotations

import pytest

from tests.corpus.sample_org import sample_state
from transforms.plan.build import build_plan
from transforms.plan.rows import only_rows, parse_rows
from transforms.sheets.reading import read_workbook
from transforms.validate.sheet import validate_workbook


def test_a_spec_names_rows_and_ranges():
    assert parse_rows("2-6,15") == {2, 3, 4, 5, 6, 15}
    assert parse_rows(" 4 , 2 - 3 ") == {2, 3, 4}


@pytest.mark.parametrize("spec", ["", "a", "2-", "1", "0-3", "5-2", "2;3"])
def test_a_bad_spec_is_refused_with_what_is_accepted(spec):
    with pytest.raises(ValueError, match=r"e\.g\. 2-6,15"):
        parse_rows(spec)


def test_only_the_rows_steps_and_the_options_they_need_are_kept(tmp_path):
    path = tmp_path / "hires.csv"
    path.write_text(
        "email,username,desk\n"
        "a@example.com,a,Desk A\n"
        "b@example.com,b,Desk B\n"
        "c@example.com,c,Desk C\n"
    )
    state = sample_state()
    validated = validate_workbook(read_workbook(path), state, create_missing_options=True)
    plan = build_plan(validated, state, create_missing_options=True)
    assert len(plan.prelude) == 3
    some = only_rows(plan, parse_rows("2,4"))
    assert [r.key for r in some.rows] == ["a@example.com", "c@example.com"]
    assert set(some.step_frame["row"].to_list()) == {2, 4}
    assert [s.params["value"] for s in some.prelude] == ["Desk A", "Desk C"]
