"""The import of a migration in two passes: the definitions first (teams, attributes,
webhooks), then the people (users, OOO, custom roles), each an ordinary run of
`flows.importer.pipeline.import_spreadsheet` on its own workbook in the run folder.

Why two: a team role names a team the same workbook creates, and the import sends its
placeholder id instead of the created team's (a 404). After the first pass the teams exist.
The second pass carries the definition sheets again: 0 steps once they exist, and in a dry run
they let the people's teams, attribute columns and options be planned against what the first
pass is about to create, so the dry run counts every step. Its definition lines are left out
of the combined plan and receipt.

Each pass has its own journal, so a run killed in either resumes where it stopped. The passes'
plans and receipts are combined into ``plan.csv`` and ``receipt.csv`` (owner-only).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from calapi import Settings
from flows.export.workbook import write_workbook
from flows.importer.outputs import private_file
from flows.importer.pipeline import INTERRUPTED_EXIT, ImportOutcome, import_spreadsheet
from flows.reporter import Reporter
from transforms.receipt import outcome_counts

DEFINITIONS = ("teams", "attributes", "webhooks")
PASSES = (("definitions", DEFINITIONS), ("people", (*DEFINITIONS, "users", "ooo", "roles")))
FIRST_STEPS = 10


@dataclass
class Combined:
    """The passes' outcomes as one import outcome (see :class:`ImportOutcome`)."""

    exit_code: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    receipt: str | None = None
    plan: str | None = None
    errors: str | None = None
    journal: str | None = None
    message: str = ""
    interrupted: bool = False
    steps: int = 0
    plan_counts: list[dict] = field(default_factory=list)
    first_steps: list[dict] = field(default_factory=list)
    apply_seconds: float | None = None
    key_rate: list | None = None


async def import_in_passes(
    settings: Settings,
    folder: Path,
    sheets: Mapping[str, pl.DataFrame],
    *,
    dry_run: bool,
    reporter: Reporter,
) -> Combined:
    """Run the passes in order; stop after one that is refused (exit 2) or interrupted."""
    done: list[tuple[str, ImportOutcome]] = []
    for name, kinds in PASSES:
        chosen = {kind: sheets[kind] for kind in kinds if kind in sheets}
        if not chosen.keys() - set(DEFINITIONS) and done:
            continue
        workbook = write_pass_workbook(folder, name, chosen)
        outcome = await import_spreadsheet(
            settings, workbook, dry_run=dry_run, receipt=folder / f"{name}.receipt.csv",
            create_missing_options=True, reporter=reporter,
        )  # fmt: skip
        done.append((name, outcome))
        if outcome.exit_code == 2 or outcome.interrupted:
            break
    return _combine(folder, done, dry_run)


def write_pass_workbook(folder: Path, name: str, sheets: Mapping[str, pl.DataFrame]) -> Path:
    """``NAME.xlsx``, rewritten only when its sheets changed: the journal resumes a run of the
    same input, known by the file's sha256, and xlsx bytes differ on every write."""
    digest = hashlib.sha256()
    for kind, sheet in sheets.items():
        buffer = io.BytesIO()
        sheet.write_csv(buffer)
        digest.update(kind.encode() + b"\0" + buffer.getvalue())
    path, stamp = folder / f"{name}.xlsx", folder / f"{name}.sha256"
    if path.is_file() and stamp.is_file() and stamp.read_text().strip() == digest.hexdigest():
        return path
    with private_file(path) as target:
        write_workbook(target, {}, sheets)
    with private_file(stamp) as target:
        target.write_text(digest.hexdigest() + "\n")
    return path


def _repeat(index: int) -> pl.Expr:
    """Lines of a later pass that repeat the first pass's teams sheet."""
    return pl.lit(index > 0) & pl.col("sheet").is_in(DEFINITIONS)


def _combine(folder: Path, done: list[tuple[str, ImportOutcome]], dry_run: bool) -> Combined:
    result = Combined()
    codes = [o.exit_code for _, o in done]
    result.interrupted = any(o.interrupted for _, o in done)
    result.exit_code = (INTERRUPTED_EXIT if result.interrupted
                        else 2 if 2 in codes else max(codes, default=0))  # fmt: skip
    result.message = "; ".join(f"{name}: {o.message}" for name, o in done if o.message)
    for index, (_name, outcome) in enumerate(done):
        counts = [c for c in outcome.plan_counts if not (index and c["sheet"] in DEFINITIONS)]
        result.plan_counts += counts
        result.first_steps += [s for s in outcome.first_steps
                               if not (index and s["sheet"] in DEFINITIONS)]  # fmt: skip
        result.steps += sum(c["steps"] for c in counts)
        if outcome.apply_seconds is not None:
            result.apply_seconds = (result.apply_seconds or 0) + outcome.apply_seconds
        result.key_rate = outcome.key_rate or result.key_rate
        result.errors = outcome.errors or result.errors
        result.journal = outcome.journal or result.journal
    result.plan_counts.sort(key=lambda c: -c["steps"])
    result.first_steps = result.first_steps[:FIRST_STEPS]
    plans = [(i, Path(o.plan)) for i, (_, o) in enumerate(done) if o.plan]
    if plans:
        result.plan = str(_concat(folder / "plan.csv", plans))
    receipts = [(i, Path(o.receipt)) for i, (_, o) in enumerate(done) if o.receipt]
    if receipts and not dry_run:
        path = _concat(folder / "receipt.csv", receipts)
        result.receipt = str(path)
        result.counts = outcome_counts(pl.read_csv(path, infer_schema=False))
    return result


def _concat(path: Path, parts: list[tuple[int, Path]]) -> Path:
    """The passes' CSVs as one (a later pass's repeated teams lines left out), owner-only."""
    frames = [pl.read_csv(p, infer_schema=False).filter(~_repeat(i)) for i, p in parts]
    with private_file(path) as target:
        pl.concat(frames, how="diagonal").write_csv(target)
    return path


__all__ = ["Combined", "import_in_passes", "write_pass_workbook"]
