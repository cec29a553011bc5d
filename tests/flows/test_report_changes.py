"""write_change_report on two real snapshot folders: changes.json has the issue's shape and
exactly the changes made, changes.md reads counts first, changes.xlsx has the charts and one
sheet per kind, every file is owner-only; folders that are not snapshots are refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import openpyxl
import pytest

from flows.backup._files import NotASnapshot
from flows.backup.changes import write_change_report
from tests.export_samples import sample_records
from tests.flows.backup_samples import changed_org, write
from transforms.diff import KINDS

MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
NEXT_MONDAY = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


@pytest.fixture
def pair(tmp_path):
    return write(tmp_path, sample_records(), MONDAY), write(tmp_path, changed_org(), NEXT_MONDAY)


def test_changes_json_lists_exactly_what_changed(pair):
    old, new = pair
    document = write_change_report(old, new, new)
    assert document == json.loads((new / "changes.json").read_text(encoding="utf-8"))
    assert document == {
        "old": str(old),
        "new": str(new),
        "joiners": ["dee@acme.test"],
        "leavers": ["cy@acme.test"],
        "org_role_changes": [],
        "team_membership_changes": [
            {"email": "bob@acme.test", "team": "Sales", "change": "joined", "from": None,
             "to": "MEMBER"},
            {"email": "bob@acme.test", "team": "Support", "change": "left", "from": "MEMBER",
             "to": None},
        ],
        "attribute_changes": [
            {"email": "ada@acme.test", "attribute": "department", "removed": ["Sales"],
             "added": ["Support"]},
        ],
        "ooo_changes": [
            {"email": "bob@acme.test", "start": "2026-12-01", "end": "2026-12-04",
             "change": "added"},
        ],
        "definition_changes": [
            {"kind": "team", "key": "Legal", "change": "added", "detail": ""},
        ],
        "counts": {"joiners": 1, "leavers": 1, "org_role_changes": 0,
                   "team_membership_changes": 2, "attribute_changes": 1, "ooo_changes": 1,
                   "definition_changes": 1},
    }  # fmt: skip


def test_changes_md_counts_first_then_the_lists(pair, tmp_path):
    old, new = pair
    out = tmp_path / "report"
    write_change_report(old, new, out)
    text = (out / "changes.md").read_text(encoding="utf-8")
    assert text.index("| Joiners | 1 |") < text.index("## Joiners (1)")
    assert "| Team membership changes | 2 |" in text
    sections = text.split("\n## ")[1:]
    assert sections[0].splitlines()[2] == "- dee@acme.test"
    assert sections[1].splitlines()[2] == "- cy@acme.test"
    assert "- bob@acme.test joined Sales (as MEMBER)" in text
    assert "- ada@acme.test, department: removed Sales; added Support" in text
    assert "- bob@acme.test: 2026-12-01 to 2026-12-04 added" in text
    assert "- team Legal added" in text


def test_changes_xlsx_has_charts_and_a_sheet_per_kind(pair):
    old, new = pair
    write_change_report(old, new, new)
    book = openpyxl.load_workbook(new / "changes.xlsx")
    assert book.sheetnames == ["summary", *KINDS]
    summary = book["summary"]
    counts = {summary.cell(r, 1).value: summary.cell(r, 2).value for r in range(2, 9)}
    assert counts == {"joiners": 1, "leavers": 1, "org_role_changes": 0,
                      "team_membership_changes": 2, "attribute_changes": 1, "ooo_changes": 1,
                      "definition_changes": 1}  # fmt: skip
    per_kind, per_team = summary._charts
    assert per_kind.series[0].val.numRef.f == "summary!$B$2:$B$8"
    assert [s.val.numRef.f for s in per_team.series] == [
        "summary!$B$12:$B$14",
        "summary!$C$12:$C$14",
    ]
    heads = [[summary.cell(r, c).value for c in (1, 2, 3)] for r in range(11, 15)]
    assert heads == [["team", "old", "new"], ["Legal", 0, 0], ["Sales", 1, 3], ["Support", 2, 1]]
    moves = book["team_membership_changes"]
    assert [c.value for c in moves[1]] == ["email", "team", "change", "from", "to"]
    assert [c.value for c in moves[2]] == ["bob@acme.test", "Sales", "joined", None, "MEMBER"]
    assert [c.value for c in book["attribute_changes"][2]] == [
        "ada@acme.test", "department", "Sales", "Support"
    ]  # fmt: skip


def test_every_file_is_owner_only(pair, tmp_path):
    old, new = pair
    out = tmp_path / "fresh" / "folder"
    write_change_report(old, new, out)
    assert sorted(p.name for p in out.iterdir()) == ["changes.json", "changes.md", "changes.xlsx"]
    assert {oct(p.stat().st_mode & 0o777) for p in out.iterdir()} == {"0o600"}
    assert oct(out.stat().st_mode & 0o777) == "0o700"


def test_formula_like_text_stays_text_in_the_workbook(tmp_path):
    records = sample_records()
    after = changed_org()
    after["teams"].append({"id": 23, "name": '=HYPERLINK("http://x","y")', "slug": "x"})
    old, new = write(tmp_path, records, MONDAY), write(tmp_path, after, NEXT_MONDAY)
    write_change_report(old, new, new)
    sheet = openpyxl.load_workbook(new / "changes.xlsx")["definition_changes"]
    cell = next(c for c in sheet["B"] if c.value and str(c.value).startswith("=HYPER"))
    assert cell.data_type == "s" and cell.quotePrefix


def test_folders_that_are_not_snapshots_are_refused(pair, tmp_path):
    old, new = pair
    with pytest.raises(NotASnapshot, match=r"no manifest\.json"):
        write_change_report(old.parent, new, tmp_path)
    with pytest.raises(NotASnapshot, match="is not a folder"):
        write_change_report(tmp_path / "missing", new, tmp_path)
    with pytest.raises(NotASnapshot, match="same folder"):
        write_change_report(new, new, tmp_path)
    csv_only = write(tmp_path, sample_records(), datetime(2026, 1, 1, tzinfo=UTC), formats=["csv"])
    with pytest.raises(NotASnapshot, match=r"no \w+\.parquet .*--format parquet"):
        write_change_report(csv_only, new, tmp_path)
    assert not (tmp_path / "changes.json").exists()


def test_tables_one_snapshot_lacks_are_not_compared_and_the_md_says_so(pair, tmp_path):
    old, _ = pair
    partial = write(tmp_path, changed_org(), datetime(2026, 12, 1, tzinfo=UTC),
                    only=["users", "memberships", "attribute_assignments"])  # fmt: skip
    document = write_change_report(old, partial, partial)
    assert document["joiners"] == ["dee@acme.test"]
    assert document["team_membership_changes"] == [] and document["definition_changes"] == []
    assert document["attribute_changes"] == []  # attributes table missing: slugs unknown
    assert "Not compared (only one snapshot has them): attribute_options, attributes" in (
        partial / "changes.md"
    ).read_text(encoding="utf-8")
