"""Retention of an organization's snapshots: grandfather-father-son.

Snapshots live in ``OUT/<org_id>/<UTC stamp>/`` (``20261122T111310Z``, or ``...Z-2`` when two
start in the same second; see ``flows.export.snapshot``). A snapshot is *complete* once its
``manifest.json`` is written; while it is being written it is a hidden ``.incomplete-*``
folder.

``prune_snapshots`` keeps the newest snapshot of each of the ``keep_daily`` most recent UTC
days that have a snapshot, likewise of the ``keep_weekly`` most recent ISO weeks and the
``keep_monthly`` most recent months, and deletes the other complete snapshots. The newest
complete snapshot is never deleted (even with every ``keep_*`` at 0), nor is a snapshot being
written; ``.incomplete-*`` folders older than a day (a killed run's leftovers) are removed.
Other folders and files (reports, notes) are left alone.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flows.export.snapshot import MANIFEST_NAME

INCOMPLETE_PREFIX = ".incomplete-"
STALE_AFTER = timedelta(days=1)
_STAMP = re.compile(r"^(\d{8}T\d{6}Z)(?:-(\d+))?$")


@dataclass(frozen=True, order=True)
class Snapshot:
    """A complete snapshot folder and the UTC moment its name says it started."""

    taken_at: datetime
    sequence: int
    path: Path = field(compare=False)


@dataclass
class PruneResult:
    """What ``prune_snapshots`` kept and deleted (newest first), and why each was kept."""

    kept: list[Path] = field(default_factory=list)
    deleted: list[Path] = field(default_factory=list)
    incomplete_removed: list[Path] = field(default_factory=list)
    incomplete_kept: list[Path] = field(default_factory=list)
    reasons: dict[Path, list[str]] = field(default_factory=dict)
    dry_run: bool = False

    def as_dict(self) -> dict:
        """Folder names per outcome (JSON-ready, e.g. for a Prefect artifact or ``--json``)."""
        return {
            "kept": [p.name for p in self.kept],
            "deleted": [p.name for p in self.deleted],
            "incomplete_removed": [p.name for p in self.incomplete_removed],
            "incomplete_kept": [p.name for p in self.incomplete_kept],
            "dry_run": self.dry_run,
        }

    def lines(self) -> list[str]:
        """One line per folder, for a person: ``keep``/``delete`` (or ``would delete``)."""
        delete = "would delete" if self.dry_run else "delete"
        out = [f"keep    {p.name}  ({', '.join(self.reasons.get(p, []))})" for p in self.kept]
        out += [f"{delete}  {p.name}" for p in self.deleted]
        out += [
            f"{delete}  {p.name}  (unfinished, older than a day)" for p in self.incomplete_removed
        ]
        out += [f"keep    {p.name}  (being written)" for p in self.incomplete_kept]
        return out


def taken_at(folder: Path) -> tuple[datetime, int] | None:
    """``(moment, sequence)`` from a snapshot folder's name, or None if it is not one."""
    match = _STAMP.match(folder.name)
    if not match:
        return None
    moment = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return moment, int(match.group(2) or 1)


def complete_snapshots(org_dir: Path) -> list[Snapshot]:
    """The complete snapshots under ``org_dir``, newest first."""
    found = []
    if not Path(org_dir).is_dir():
        return found
    for folder in Path(org_dir).iterdir():
        stamp = taken_at(folder)
        if stamp and folder.is_dir() and (folder / MANIFEST_NAME).is_file():
            found.append(Snapshot(stamp[0], stamp[1], folder))
    return sorted(found, reverse=True)


def latest_complete_snapshot(org_dir: Path, exclude: Path | None = None) -> Path | None:
    """The newest complete snapshot of the org, other than ``exclude``; None if there is none."""
    skip = Path(exclude).resolve() if exclude is not None else None
    for snapshot in complete_snapshots(org_dir):
        if skip is None or snapshot.path.resolve() != skip:
            return snapshot.path
    return None


def _period_keys(moment: datetime) -> dict[str, str]:
    week = moment.isocalendar()
    return {
        "daily": moment.strftime("%Y-%m-%d"),
        "weekly": f"{week.year}-W{week.week:02d}",
        "monthly": moment.strftime("%Y-%m"),
    }


def gfs_keep(snapshots: list[Snapshot], keep: dict[str, int]) -> dict[Path, list[str]]:
    """Path -> reasons for the snapshots GFS keeps (``snapshots`` newest first)."""
    reasons: dict[Path, list[str]] = {}
    for tier, count in keep.items():
        seen: list[str] = []
        for snapshot in snapshots:  # newest first: the first of each period is its newest
            period = _period_keys(snapshot.taken_at)[tier]
            if period in seen:
                continue
            seen.append(period)
            if len(seen) > count:
                break
            reasons.setdefault(snapshot.path, []).append(f"{tier} {period}")
    if snapshots:
        reasons.setdefault(snapshots[0].path, []).append("newest")
    return reasons


def _stale_incomplete(org_dir: Path, now: datetime) -> tuple[list[Path], list[Path]]:
    stale, fresh = [], []
    for folder in sorted(Path(org_dir).glob(f"{INCOMPLETE_PREFIX}*")):
        modified = datetime.fromtimestamp(folder.stat().st_mtime, UTC)
        (stale if now - modified > STALE_AFTER else fresh).append(folder)
    return stale, fresh


def prune_snapshots(
    org_dir: Path,
    keep_daily: int = 7,
    keep_weekly: int = 4,
    keep_monthly: int = 12,
    dry_run: bool = False,
    now: datetime | None = None,
) -> PruneResult:
    """Apply GFS retention to ``org_dir`` (``OUT/<org_id>``); ``dry_run`` deletes nothing."""
    for name, value in (("keep-daily", keep_daily), ("keep-weekly", keep_weekly),
                        ("keep-monthly", keep_monthly)):  # fmt: skip
        if value < 0:
            raise ValueError(f"--{name} is {value}; give 0 or more snapshots to keep")
    org_dir = Path(org_dir)
    now = now or datetime.now(UTC)
    snapshots = complete_snapshots(org_dir)
    keep = {"daily": keep_daily, "weekly": keep_weekly, "monthly": keep_monthly}
    reasons = gfs_keep(snapshots, keep)
    result = PruneResult(dry_run=dry_run, reasons=reasons)
    result.kept = [s.path for s in snapshots if s.path in reasons]
    result.deleted = [s.path for s in snapshots if s.path not in reasons]
    if org_dir.is_dir():
        result.incomplete_removed, result.incomplete_kept = _stale_incomplete(org_dir, now)
    if not dry_run:
        for folder in [*result.deleted, *result.incomplete_removed]:
            shutil.rmtree(folder)
    return result


__all__ = [
    "PruneResult",
    "Snapshot",
    "complete_snapshots",
    "gfs_keep",
    "latest_complete_snapshot",
    "prune_snapshots",
    "taken_at",
]
