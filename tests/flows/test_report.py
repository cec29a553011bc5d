"""write_org_report over a few real snapshots of one org: headcount, teams and options over
time with native line charts, upcoming OOO of the next 30 days, report.md with the same
figures, owner-only files."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import openpyxl
import pytest

from flows.backup._files import NotASnapshot
from flows.backup.report import write_org_report
from tests.export_samples import sample_records
from tests.flows.backup_samples import ORG, changed_org, write

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def org_dir(tmp_path):
    write(tmp_path, sample_records(), datetime(2026, 11, 1, 2, 0, tzinfo=UTC))
    write(tmp_path, changed_org(), datetime(2026, 11, 8, 2, 0, tzinfo=UTC))
    latest = copy.deepcopy(changed_org())
    ooo = [  # relative to NOW: one running, one in 20 days, one in 40 days, one over
        ("2026-11-20T00:00:00.000Z", "2026-11-27T00:00:00.000Z", 10),
        ("2026-12-15T00:00:00.000Z", "2026-12-16T00:00:00.000Z", 13),
        ("2027-01-04T00:00:00.000Z", "2027-01-05T00:00:00.000Z", 13),
        ("2026-11-02T00:00:00.000Z", "2026-11-03T00:00:00.000Z", 11),
    ]
    latest["ooo"] = [{"id": 970 + i, "userId": uid, "start": start, "end": end,
                      "reason": "travel", "toUserId": 11 if uid == 10 else None}
                     for i, (start, end, uid) in enumerate(ooo)]  # fmt: skip
    latest["team_memberships"] = [m for m in latest["team_memberships"] if m["id"] != 703]
    write(tmp_path, latest, datetime(2026, 11, 15, 2, 0, tzinfo=UTC))
    (tmp_path / str(ORG) / ".incomplete-running").mkdir()  # being written: not reported
    return tmp_path / str(ORG)


def rows(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_workbook_has_the_history_and_its_charts(org_dir, tmp_path):
    out = tmp_path / "reports"
    summary = write_org_report(org_dir, out, now=NOW)
    assert summary["snapshots"] == ["20261101T020000Z", "20261108T020000Z", "20261115T020000Z"]
    book = openpyxl.load_workbook(out / "report.xlsx")
    assert book.sheetnames == ["headcount", "teams", "options", "upcoming_ooo"]
    assert rows(book["headcount"]) == [
        ["snapshot", "folder", "headcount"],
        ["2026-11-01 02:00", "20261101T020000Z", 3],
        ["2026-11-08 02:00", "20261108T020000Z", 3],
        ["2026-11-15 02:00", "20261115T020000Z", 3],
    ]
    assert rows(book["teams"]) == [
        ["snapshot", "Legal", "Sales", "Support"],  # Legal: created, nobody in it yet
        ["2026-11-01 02:00", 0, 1, 2],
        ["2026-11-08 02:00", 0, 3, 1],
        ["2026-11-15 02:00", 0, 2, 1],
    ]
    assert rows(book["options"]) == [
        ["snapshot", "department: Sales", "department: Support", "languages: English",
         "languages: French"],
        ["2026-11-01 02:00", 1, 1, 1, 1],
        ["2026-11-08 02:00", 0, 2, 1, 1],
        ["2026-11-15 02:00", 0, 2, 1, 1],
    ]  # fmt: skip
    for name, series in (("headcount", 1), ("teams", 3), ("options", 4)):
        (chart,) = book[name]._charts
        assert type(chart).__name__ == "LineChart" and len(chart.series) == series
    (teams_chart,) = book["teams"]._charts
    assert teams_chart.series[1].val.numRef.f == "teams!$C$2:$C$4"
    assert rows(book["upcoming_ooo"]) == [
        ["email", "start", "end", "reason", "coverer"],
        ["ada@acme.test", "2026-11-20", "2026-11-27", "travel", "bob@acme.test"],
        ["dee@acme.test", "2026-12-15", "2026-12-16", "travel", None],
    ]
    assert summary["upcoming_ooo"][1]["email"] == "dee@acme.test"


def test_report_md_has_the_same_figures(org_dir):
    write_org_report(org_dir, org_dir, now=NOW)
    text = (org_dir / "report.md").read_text(encoding="utf-8")
    assert "3 snapshot(s), 2026-11-01 02:00 to 2026-11-15 02:00 UTC; headcount now 3." in text
    assert "| 2026-11-08 02:00 | 20261108T020000Z | 3 |" in text
    teams = text.split("## Members per team (newest snapshot)")[1]
    assert "| Sales | 2 |" in teams and "| Support | 1 |" in teams and "| Legal | 0 |" in teams
    assert "| department: Support | 2 |" in text
    ooo = text.split("## Out of office in the next 30 days (from 2026-11-25)")[1]
    assert "| ada@acme.test | 2026-11-20 | 2026-11-27 | travel | bob@acme.test |" in ooo
    assert "2027-01-04" not in ooo and "2026-11-02" not in ooo
    assert {oct(p.stat().st_mode & 0o777) for p in org_dir.glob("report.*")} == {"0o600"}


def test_an_org_without_snapshots_is_refused(tmp_path):
    (tmp_path / "9" / ".incomplete-x").mkdir(parents=True)
    with pytest.raises(NotASnapshot, match="holds no complete snapshot"):
        write_org_report(tmp_path / "9", tmp_path)
    assert not (tmp_path / "report.xlsx").exists()
