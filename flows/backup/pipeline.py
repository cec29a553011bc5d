"""The backup pipeline: export a snapshot, report what changed, apply retention.

One plain async function, :func:`backup_snapshot`, with no Prefect in it: ``calbulk backup``
runs it in-process, the ``backup_org`` Prefect flow (`flows.backup.flow`) wraps it. Steps:

1. export a snapshot of the org (`flows.export.pipeline.export_snapshot`) into
   ``OUT/<org_id>/<UTC stamp>/``; it is published atomically, so a run killed here leaves
   only a hidden ``.incomplete-*`` folder and the earlier snapshots untouched;
2. compare it with the previous *complete* snapshot of the same org and write
   ``changes.json``/``.md``/``.xlsx`` into the new snapshot's folder; the first backup of an
   org has nothing to compare with, says so and writes no ``changes.*``;
3. apply grandfather-father-son retention to ``OUT/<org_id>/`` (after the comparison, so the
   snapshot compared with is still there when it is read).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from calapi import ConfigError, Settings
from flows.backup.changes import write_change_report
from flows.backup.retention import PruneResult, latest_complete_snapshot, prune_snapshots
from flows.export.pipeline import DEFAULT_OUT, ExportResult, export_snapshot, parse_choices
from flows.export.snapshot import DEFAULT_FORMATS, FORMATS
from flows.reporter import SILENT, Reporter

DEFAULT_KEEP = {"keep_daily": 7, "keep_weekly": 4, "keep_monthly": 12}


@dataclass(frozen=True)
class BackupResult:
    """What a backup produced: the snapshot, what it was compared with, what retention did."""

    export: ExportResult
    previous: Path | None  # the snapshot compared with; None on an org's first backup
    changes: dict | None  # the changes.json document; None on an org's first backup
    prune: PruneResult

    @property
    def folder(self) -> Path:
        return self.export.folder

    def summary_lines(self) -> list[str]:
        """What a person wants to read at the end of a run."""
        lines = [f"snapshot: {self.folder}"]
        if self.changes is None:
            lines.append("first backup of this organization: nothing to compare with, no changes.*")
        else:
            counts = self.changes.get("counts", {})
            changed = ", ".join(f"{kind} {n}" for kind, n in counts.items() if n) or "no changes"
            lines.append(f"compared with {self.previous.name}: {changed}")
        lines.append("retention:")
        lines += [f"  {line}" for line in self.prune.lines()]
        return lines


def backup_formats(formats: str | Iterable[str] | None) -> list[str]:
    """The export formats of a backup: checked, and parquet among them (reports read it)."""
    chosen = parse_choices(formats, FORMATS, "format") or list(DEFAULT_FORMATS)
    if "parquet" not in chosen:
        raise ConfigError(
            f"format {','.join(chosen)} has no parquet; a backup needs parquet (the change "
            "report and retention read it), e.g. --format parquet,csv"
        )
    return chosen


def check_keep(keep_daily: int, keep_weekly: int, keep_monthly: int) -> None:
    """Refuse a negative ``--keep-*`` before anything is sent or written."""
    for name, value in (("keep-daily", keep_daily), ("keep-weekly", keep_weekly),
                        ("keep-monthly", keep_monthly)):  # fmt: skip
        if value < 0:
            raise ConfigError(f"--{name} is {value}; give 0 or more snapshots to keep")


async def backup_snapshot(
    settings: Settings,
    org_id: int | None = None,
    out: str | Path = DEFAULT_OUT,
    formats: str | Iterable[str] | None = None,
    keep_daily: int = DEFAULT_KEEP["keep_daily"],
    keep_weekly: int = DEFAULT_KEEP["keep_weekly"],
    keep_monthly: int = DEFAULT_KEEP["keep_monthly"],
    *,
    reporter: Reporter = SILENT,
) -> BackupResult:
    """Back up one organization into ``OUT/<org_id>/``; see the module docstring."""
    chosen = backup_formats(formats)
    check_keep(keep_daily, keep_weekly, keep_monthly)
    exported = await export_snapshot(settings, org_id, out, chosen, reporter=reporter)
    org_dir = exported.folder.parent
    previous = latest_complete_snapshot(org_dir, exclude=exported.folder)
    changes = None
    if previous is None:
        reporter.info(
            f"first backup of organization {exported.org_id}: nothing to compare with, "
            "so no change report"
        )
    else:
        changes = write_change_report(previous, exported.folder, exported.folder)
        reporter.info(f"compared {exported.folder.name} with {previous.name}: {changes['counts']}")
    pruned = prune_snapshots(
        org_dir, keep_daily=keep_daily, keep_weekly=keep_weekly, keep_monthly=keep_monthly
    )
    for line in pruned.lines():
        reporter.info(f"retention: {line}")
    return BackupResult(export=exported, previous=previous, changes=changes, prune=pruned)


__all__ = [
    "DEFAULT_KEEP",
    "DEFAULT_OUT",
    "BackupResult",
    "backup_formats",
    "backup_snapshot",
    "check_keep",
]
