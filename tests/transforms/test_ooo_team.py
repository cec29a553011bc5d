"""Team-wide OOO rows expand at plan time to one entry per current member, coverer excluded."""

from __future__ import annotations

import polars as pl

from tests.corpus.sample_org import sample_state
from transforms.plan.build import build_plan
from transforms.plan.ooo_team import ALREADY, per_person_receipt
from transforms.sheets.reading import read_workbook
from transforms.validate.sheet import validate_workbook


def planned(tmp_path, text):
    path = tmp_path / "away.csv"
    path.write_text(text)
    state = sample_state()
    validated = validate_workbook(read_workbook(path), state)
    return validated, build_plan(validated, state)


def test_a_team_or_everyone_expands_to_members_and_the_coverer_gets_no_entry(tmp_path):
    validated, plan = planned(
        tmp_path,
        "email,start,end,covering email\n"
        "team:Sales,2027-01-04,2027-01-08,carol@example.com\n"  # Sales: bob
        "*,2027-02-01,2027-02-02,bob@example.com\n"  # everyone but bob: carol
        "*,2026-07-01,2026-07-14,\n",  # bob already has it; carol does not
    )
    assert validated.errors == []
    by_row = {r.row: r for r in plan.rows}
    assert [(s.params["email"], s.params["user_id"]) for s in by_row[2].steps] == [
        ("bob@example.com", 10)
    ]
    assert by_row[2].steps[0].summary.startswith("bob@example.com: out of office 2027-01-04")
    assert [s.params["email"] for s in by_row[3].steps] == ["carol@example.com"]
    assert [s.params["email"] for s in by_row[4].steps] == ["carol@example.com"]
    assert by_row[4].notes == [f"bob@example.com: {ALREADY}"]


def test_an_unknown_team_is_refused_on_its_row(tmp_path):
    validated, _plan = planned(tmp_path, "email,start,end\nteam:Nope,2027-01-04,2027-01-08\n")
    [error] = validated.errors
    assert (error.row, error.value) == (2, "team:nope")
    assert "no such team" in error.problem and "team:<team name>" in error.accepted


def test_the_receipt_has_one_line_per_person():
    receipt = pl.DataFrame(
        {
            "sheet": ["users", "ooo", "ooo", "ooo"],
            "row": [2, 2, 3, 4],
            "email": ["a@example.com", "team:sales", "team:support", "*"],
            "user_id": [1, None, None, None],
            "outcome": ["created", "updated", "skipped", "failed"],
            "done": ["create user a@example.com", "a@x.io: away 1; b@x.io: away 1", None,
                     "d@x.io: away 2"],
            "error": [None, None, "email: no such team", "e@x.io: away 2: refused (HTTP 400)"],
            "notes": [None, f"c@x.io: {ALREADY}", None, None],
        }
    )  # fmt: skip
    lines = per_person_receipt(receipt)
    assert lines.select("row", "email", "outcome", "done").rows() == [
        (2, "a@example.com", "created", "create user a@example.com"),
        (2, "a@x.io", "created", "away 1"),
        (2, "b@x.io", "created", "away 1"),
        (2, "c@x.io", "unchanged", None),
        (3, "team:support", "skipped", None),
        (4, "d@x.io", "created", "away 2"),
        (4, "*", "failed", None),
    ]
    assert lines["error"].to_list()[-1] == "e@x.io: away 2: refused (HTTP 400)"
