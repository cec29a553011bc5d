"""The migration pipeline: one organization's complete snapshot imported into another.

One plain async function, :func:`migrate_org`, with no Prefect in it: the CLI runs it
in-process and the ``migrate_org`` Prefect flow (`flows.migrate.flow`) wraps it.

source (a snapshot folder, a snapshot workbook, or the live source org exported first into a
temporary owner-only folder) -> what the API cannot carry, said before anything is sent ->
the snapshot's import sheets (`transforms.sheets.snapshot_sheets`) imported by the import
pipeline (`flows.importer.pipeline.import_spreadsheet`: validation, plan, dry run, resumable
apply, receipt per row) in two passes, definitions then people (`flows.migrate.passes`) ->
the team creator's OWNER membership removed where the source lacks it -> ``id-map.csv``
(kind, key, source id, target id) from a fresh read of the
target, joined on natural keys.

The run folder ``OUT/<source>-to-org<target>/`` holds the passes' workbooks, receipts, plans,
journals and errors, the combined ``plan.csv`` and ``receipt.csv``, the id map and
``not-carried.csv``; it is owner-only (0700, files 0600). The same command
run again uses the same folder: the journal resumes a killed run, a finished one plans 0 steps.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from calapi import CalClient, Settings
from flows.export.fetch import fetch_tables
from flows.export.pipeline import export_snapshot
from flows.importer.outputs import DIR_MODE, private_file
from flows.migrate.creator import (
    ACTION,
    CreatorPlan,
    plan_creator_removals,
    remove_creator,
    with_creator_roles,
)
from flows.migrate.idmap import id_map
from flows.migrate.not_carried import not_carried, receipt_with_not_carried
from flows.migrate.passes import Combined, import_in_passes
from flows.migrate.source import Source, read_source, source_settings
from flows.reporter import SILENT, Reporter

DEFAULT_OUT = "data/migrations"
ID_MAP_TABLES = ["users", "teams", "attributes", "attribute_options", "roles", "ooo_entries",
                 "webhooks"]  # fmt: skip


@dataclass(kw_only=True)
class MigrateOutcome(Combined):
    """The passes' import outcome plus what only a migration has (paths as strings)."""

    source: str
    target_org: int
    folder: str
    id_map: str | None = None
    not_carried: list[dict] = field(default_factory=list)  # {what, count, why}
    creator_removals: list[str] = field(default_factory=list)  # teams (planned)
    creator_removed: list[str] = field(default_factory=list)  # teams (done)

    def to_dict(self) -> dict:
        """The fields, in the order a migration has always listed them: where the run went
        right after its exit code, the id map and what was not carried after the journal, then
        the import's own fields, then the team creator's removals."""
        fields = asdict(self)
        return {**{key: fields.pop(key) for key in _LEADING_KEYS}, **fields}


_LEADING_KEYS = ("exit_code", "source", "target_org", "folder", "counts", "receipt", "plan",
                 "errors", "journal", "id_map", "not_carried")  # fmt: skip


async def migrate_org(
    settings: Settings,
    *,
    source: str | Path | None = None,
    from_org: int | None = None,
    out: str | Path = DEFAULT_OUT,
    dry_run: bool = False,
    reporter: Reporter = SILENT,
    environ: Mapping[str, str] | None = None,
) -> MigrateOutcome:
    """Migrate ``source`` (a path) or the live org ``from_org`` into ``settings``' org."""
    if (source is None) == (from_org is None):
        raise ValueError("give exactly one of --from PATH and --from-org M")
    if source is not None:
        return await _migrate(settings, read_source(Path(source)), out, dry_run, reporter)
    live = source_settings(settings, from_org, environ)  # type: ignore[arg-type]
    temporary = Path(tempfile.mkdtemp(prefix="calbulk-migrate-"))  # 0700 by construction
    try:
        exported = await export_snapshot(live, from_org, temporary, "parquet", reporter=reporter)
        return await _migrate(settings, read_source(exported.folder), out, dry_run, reporter)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)  # it holds personal data


async def _migrate(
    settings: Settings, src: Source, out: str | Path, dry_run: bool, reporter: Reporter
) -> MigrateOutcome:
    async with CalClient(settings) as cal:
        target = await cal.resolve_org_id()
        folder = Path(out) / f"{src.label}-to-org{target}"
        folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        folder.chmod(DIR_MODE)
        creator = await plan_creator_removals(cal, src.tables, folder, record=not dry_run)
    settings = dataclasses.replace(settings, org_id=target)
    missing = not_carried(src.tables, set(src.sheets))
    with private_file(folder / "not-carried.csv") as path:
        pl.DataFrame(missing, schema=["what", "count", "why"], orient="row").write_csv(path)
    for item in missing:
        reporter.info(f"not carried: {item['what']} ({item['count']}): {item['why']}")
    sheets = with_creator_roles(src.sheets, creator)
    imported = await import_in_passes(settings, folder, sheets, dry_run=dry_run,
                                      reporter=reporter)  # fmt: skip
    outcome = MigrateOutcome(
        source=src.label, target_org=target, folder=str(folder), not_carried=missing,
        **dataclasses.asdict(imported),
    )  # fmt: skip
    if outcome.exit_code != 2:
        _count_creator_steps(outcome, creator)
    if outcome.receipt and not outcome.interrupted and outcome.exit_code in (0, 1):
        async with CalClient(settings) as cal:
            outcome.creator_removed = await remove_creator(cal, creator, reporter)
    if outcome.receipt:
        receipt_with_not_carried(Path(outcome.receipt), missing)
    if outcome.exit_code in (0, 1) and not outcome.interrupted:
        outcome.id_map = str(await _write_id_map(settings, src.tables, folder, reporter))
    reporter.info(f"migrate {src.label} -> org {target}: {outcome.message or outcome.counts}")
    return outcome


def _count_creator_steps(outcome: MigrateOutcome, creator: CreatorPlan) -> None:
    """The creator's removals join the plan's counts and steps (the dry run shows them; the
    import plans the role changes itself)."""
    outcome.creator_removals = list(creator.teams)
    if creator.teams:
        outcome.steps += len(creator.teams)
        outcome.plan_counts.append({"sheet": "teams", "action": ACTION,
                                    "steps": len(creator.teams)})  # fmt: skip
    room = max(0, 10 - len(outcome.first_steps))
    outcome.first_steps = outcome.first_steps + creator.steps()[:room]


async def _write_id_map(
    settings: Settings, source: Mapping[str, pl.DataFrame], folder: Path, reporter: Reporter
) -> Path:
    wanted = [name for name in ID_MAP_TABLES if name in source]
    async with CalClient(settings) as cal:
        reporter.watch(cal)
        with reporter.tables(wanted) as progress:
            target = await fetch_tables(cal, wanted, progress)
    path = folder / "id-map.csv"
    with private_file(path) as written:
        id_map(source, target).write_csv(written)
    return path


__all__ = ["DEFAULT_OUT", "MigrateOutcome", "migrate_org"]
