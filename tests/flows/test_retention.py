"""Retention (grandfather-father-son) on folders of real snapshots written by the export's
own writer: exactly the GFS set remains, unfinished folders are handled, the newest complete
snapshot is never deleted."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.backup.retention import latest_complete_snapshot, prune_snapshots
from flows.export.snapshot import SnapshotRun, write_snapshot
from tests.export_samples import sample_tables

ORG = 7
TABLES = {name: frame for name, frame in sample_tables().items() if name == "users"}


def snapshot_at(root: Path, moment: datetime) -> Path:
    return write_snapshot(TABLES, root, SnapshotRun(ORG, "http://api.test", moment), ["parquet"])


def names(paths) -> set[str]:
    return {Path(p).name for p in paths}


def remaining(org_dir: Path) -> set[str]:
    return {p.name for p in org_dir.iterdir()}


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def test_a_small_case_worked_out_by_hand(tmp_path):
    moments = ["2026-09-30 10:00",  # Wed, Sep; newest of Sep and of week 40
               "2026-09-30 08:00",
               "2026-10-04 09:00",  # Sun, week 40 (Sep 28 - Oct 4), newest of week 40
               "2026-10-05 01:00",  # Mon, week 41
               "2026-10-05 23:00",  # newest of Oct 5
               "2026-10-06 12:00"]  # Tue, week 41: newest of everything  # fmt: skip
    for moment in moments:
        snapshot_at(tmp_path, at(moment))
    twin = snapshot_at(tmp_path, at("2026-10-06 12:00"))  # same second: published as "-2"
    assert twin.name == "20261006T120000Z-2"
    result = prune_snapshots(tmp_path / str(ORG), keep_daily=2, keep_weekly=2, keep_monthly=2)
    # daily: Oct 6 (its newest: the twin), Oct 5 (23:00); weekly: week 41 (twin), week 40
    # (Oct 4 09:00); monthly: Oct (twin), Sep (Sep 30 10:00).
    expected = {"20261006T120000Z-2", "20261005T230000Z", "20261004T090000Z", "20260930T100000Z"}
    assert remaining(tmp_path / str(ORG)) == expected
    assert names(result.kept) == expected
    assert names(result.deleted) == {"20260930T080000Z", "20261005T010000Z", "20261006T120000Z"}
    assert result.reasons[tmp_path / str(ORG) / "20261004T090000Z"] == ["weekly 2026-W40"]
    assert sorted(result.as_dict()["kept"]) == sorted(expected)
    assert result.as_dict()["dry_run"] is False


def expected_gfs(moments: list[datetime], daily: int, weekly: int, monthly: int) -> set[str]:
    """The GFS set, computed here without the module's code: per period the newest moment,
    then the most recent periods."""
    keep = set()
    for period, count in ((lambda m: m.date(), daily),
                          (lambda m: tuple(m.isocalendar())[:2], weekly),
                          (lambda m: (m.year, m.month), monthly)):  # fmt: skip
        newest: dict = {}
        for moment in moments:
            newest[period(moment)] = max(newest.get(period(moment), moment), moment)
        for key in sorted(newest, reverse=True)[:count]:
            keep.add(newest[key].strftime("%Y%m%dT%H%M%SZ"))
    return keep


def forty_moments() -> list[datetime]:
    """40 moments over 100 days across a year end (ISO week 2026-W01 starts 2025-12-29),
    some days with several snapshots."""
    rng = random.Random(10)
    start = datetime(2025, 11, 20, tzinfo=UTC)
    minutes = rng.sample(range(100 * 24 * 60), 40)
    return sorted(start + timedelta(minutes=m) for m in minutes)


@pytest.mark.parametrize("keep", [(7, 4, 12), (3, 2, 2), (0, 0, 1), (10, 0, 0)], ids=str)
def test_forty_snapshots_over_a_hundred_days_keep_exactly_the_gfs_set(tmp_path, keep):
    moments = forty_moments()
    assert len({m.date() for m in moments}) < 40  # some days have more than one
    for moment in moments:
        snapshot_at(tmp_path, moment)
    org_dir = tmp_path / str(ORG)
    expected = expected_gfs(moments, *keep) | {max(moments).strftime("%Y%m%dT%H%M%SZ")}
    preview = prune_snapshots(org_dir, *keep, dry_run=True)
    assert len(remaining(org_dir)) == 40  # a dry run deletes nothing
    assert names(preview.kept) == expected
    result = prune_snapshots(org_dir, *keep)
    assert remaining(org_dir) == expected
    assert names(result.kept) == expected
    assert names(result.deleted) == names(preview.deleted)
    assert len(result.deleted) == 40 - len(expected)
    assert prune_snapshots(org_dir, *keep).deleted == []  # idempotent


def test_the_newest_complete_snapshot_is_never_deleted(tmp_path):
    for day in (1, 2, 3):
        snapshot_at(tmp_path, datetime(2026, 3, day, 2, 0, tzinfo=UTC))
    org_dir = tmp_path / str(ORG)
    result = prune_snapshots(org_dir, keep_daily=0, keep_weekly=0, keep_monthly=0)
    assert remaining(org_dir) == {"20260303T020000Z"}
    assert result.reasons[org_dir / "20260303T020000Z"] == ["newest"]


def test_unfinished_folders_old_ones_removed_running_ones_and_other_files_kept(tmp_path):
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    for day in (1, 2, 9):
        snapshot_at(tmp_path, datetime(2026, 3, day, 2, 0, tzinfo=UTC))
    org_dir = tmp_path / str(ORG)
    stale = org_dir / ".incomplete-killed"
    running = org_dir / ".incomplete-running"
    for folder, age in ((stale, timedelta(days=1, minutes=5)), (running, timedelta(minutes=3))):
        folder.mkdir()
        (folder / "users.parquet").write_bytes(b"partial")
        stamp = (now - age).timestamp()
        os.utime(folder, (stamp, stamp))
    (org_dir / "report.md").write_text("kept\n")
    (org_dir / "notes").mkdir()
    (org_dir / "20260310T000000Z").mkdir()  # a stamp without manifest: not ours to judge
    result = prune_snapshots(org_dir, keep_daily=1, keep_weekly=0, keep_monthly=0, now=now)
    assert names(result.incomplete_removed) == {".incomplete-killed"}
    assert names(result.incomplete_kept) == {".incomplete-running"}
    assert remaining(org_dir) == {"20260309T020000Z", ".incomplete-running", "report.md",
                                  "notes", "20260310T000000Z"}  # fmt: skip
    assert any("being written" in line for line in result.lines())


def test_latest_complete_snapshot(tmp_path):
    org_dir = tmp_path / str(ORG)
    assert latest_complete_snapshot(org_dir) is None
    first = snapshot_at(tmp_path, datetime(2026, 3, 1, tzinfo=UTC))
    assert latest_complete_snapshot(org_dir, exclude=first) is None
    second = snapshot_at(tmp_path, datetime(2026, 3, 2, tzinfo=UTC))
    (org_dir / ".incomplete-now").mkdir()  # being written: never "complete"
    (org_dir / "20260303T000000Z").mkdir()  # no manifest: not complete
    assert latest_complete_snapshot(org_dir) == second
    assert latest_complete_snapshot(org_dir, exclude=second) == first


def test_negative_keep_counts_are_refused(tmp_path):
    with pytest.raises(ValueError, match="--keep-weekly is -1"):
        prune_snapshots(tmp_path, keep_weekly=-1)
