"""The ``import_file`` flow: an HR spreadsheet into the organization, exactly once.

read -> validate (against the org, read with the export's own extraction) -> plan -> apply ->
receipt. Invalid input sends nothing (exit 2) unless ``skip_invalid``; ``dry_run`` writes and
returns the plan and sends nothing. A journal next to the receipt makes a killed run resumable:
the rerun re-reads the org, plans only what is missing, and the receipt still covers every row
once. Exit codes: 0 done, 1 some rows failed (see the receipt), 2 bad input or config.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NONE

from calapi import CalClient
from flows.config import load_settings
from flows.export.flow import fetch_tables
from flows.importer.apply import RowResult, apply_plan
from flows.importer.journal import Journal
from flows.importer.steps import RunContext
from flows.progress import RowProgress, TableProgress
from transforms.org_state import OrgState, org_state_from_tables
from transforms.plan.build import MODES, build_plan
from transforms.plan.steps import ImportPlan
from transforms.problems import has_file_errors, problems_frame
from transforms.receipt import outcome_counts, receipt_frame
from transforms.sheets.reading import Workbook, read_workbook
from transforms.validate.sheet import ValidatedImport, validate_workbook

BASE_TABLES = ["users", "memberships", "attributes", "attribute_options", "attribute_assignments",
               "teams", "team_memberships"]  # fmt: skip
local_task = task(cache_policy=NONE, retries=0)


@dataclass
class ImportOutcome:
    """What the run produced and where (paths as strings, for the CLI and the artifact)."""

    exit_code: int
    counts: dict[str, int]
    receipt: str | None = None
    plan: str | None = None
    errors: str | None = None
    journal: str | None = None
    message: str = ""


def output_paths(file: Path, receipt: str | None) -> dict[str, Path]:
    """Receipt next to the input unless given; plan and journal next to the receipt."""
    receipt_path = Path(receipt) if receipt else file.with_name(f"{file.stem}.receipt.csv")
    stem = receipt_path.with_suffix("")
    if file.resolve() in {receipt_path.resolve(), receipt_path.with_suffix(".xlsx").resolve()}:
        raise ValueError(f"the receipt would overwrite the input {file.name}; choose --receipt")
    return {
        "receipt": receipt_path,
        "receipt_xlsx": receipt_path.with_suffix(".xlsx"),
        "plan": stem.with_name(f"{stem.name}.plan.csv"),
        "journal": stem.with_name(f"{stem.name}.journal.jsonl"),
        "errors": file.with_name(f"{file.stem}.errors.csv"),
    }


@local_task(name="read")
def read_file(file: Path, kind: str | None) -> Workbook:
    return read_workbook(file, kind)


@local_task(name="validate")
def validate(book: Workbook, state: OrgState, create_missing_options: bool) -> ValidatedImport:
    return validate_workbook(book, state, create_missing_options=create_missing_options)


@local_task(name="plan")
def make_plan(validated: ValidatedImport, state: OrgState, mode: str, create: bool) -> ImportPlan:
    return build_plan(validated, state, mode=mode, create_missing_options=create)


@local_task(name="apply")
async def apply(plan: ImportPlan, ctx: RunContext, journal: Journal) -> list[RowResult]:
    with RowProgress(len(plan.rows)) as progress:
        return await apply_plan(plan, ctx, journal, on_row=progress.row_done)


async def read_current_state(cal: CalClient, kinds: set[str]) -> OrgState:
    """The org as the plan needs it, read with the export's extraction (one listing per table)."""
    wanted = list(BASE_TABLES)
    if "ooo" in kinds:
        wanted.append("ooo_entries")
    if "roles" in kinds:
        wanted += ["roles", "role_permissions"]
    tables = await fetch_tables(cal, wanted, TableProgress(wanted, enabled=False))
    return org_state_from_tables(tables)


@flow(name="import_file", log_prints=False)
async def import_file(
    file: str,
    org_id: int | None = None,
    dry_run: bool = False,
    mode: str = "add",
    receipt: str | None = None,
    kind: str | None = None,
    skip_invalid: bool = False,
    create_missing_options: bool = False,
    rate_limit: int | None = None,
    rate_window: float | None = None,
) -> dict:
    """Import one CSV or Excel file; returns an ImportOutcome as a dict (see module doc).

    ``rate_limit``/``rate_window`` override CAL_RATE_LIMIT and the 60 s window (for a sandbox
    started with a compressed limit); credentials only ever come from the environment.
    """
    if mode not in MODES:
        raise ValueError(f"--mode must be add or sync, not {mode!r}")
    logger = get_run_logger()
    path = Path(file)
    paths = output_paths(path, receipt)
    limits = {"rate_limit": rate_limit, "rate_window": rate_window}
    settings = load_settings(org_id, **{k: v for k, v in limits.items() if v is not None})
    book = read_file(path, kind)
    if has_file_errors(book.all_problems()) or not book.sheets:  # nothing to check the org for
        return asdict(_report_problems(validate(book, OrgState(), False), paths, skip_invalid))
    async with CalClient(settings) as cal:
        await cal.resolve_org_id()
        state = await read_current_state(cal, set(book.sheets))
        validated = validate(book, state, create_missing_options)
        outcome = _report_problems(validated, paths, skip_invalid)
        if outcome.exit_code:
            return asdict(outcome)
        plan = make_plan(validated, state, mode, create_missing_options)
        outcome.plan = _write_plan(plan, paths["plan"])
        if dry_run:
            outcome.message = f"dry run: {plan.step_count} step(s) planned, nothing sent"
            return asdict(outcome)
        journal = Journal(paths["journal"], _sha256(path), mode)
        try:
            ctx = _context(cal, state)
            results = await apply(plan, ctx, journal)
        finally:
            journal.close()
    frame = _write_receipt(book, validated, results, paths)
    outcome.counts = outcome_counts(frame)
    outcome.receipt, outcome.journal = str(paths["receipt"]), str(paths["journal"])
    outcome.exit_code = 1 if outcome.counts["failed"] else 0
    await acreate_markdown_artifact(markdown=_artifact(path, outcome), key="import-file")
    logger.info("import of %s: %s", path.name, outcome.counts)
    return asdict(outcome)


def _report_problems(
    validated: ValidatedImport, paths: dict[str, Path], skip_invalid: bool
) -> ImportOutcome:
    """Write the errors file next to the input; exit code 2 when the file cannot be sent."""
    outcome = ImportOutcome(exit_code=0, counts={})
    if validated.problems:
        problems_frame(validated.problems).write_csv(paths["errors"])
        outcome.errors = str(paths["errors"])
    if validated.blocks_everything or (validated.errors and not skip_invalid):
        outcome.exit_code = 2
        outcome.message = f"{len(validated.errors)} problem(s) in the file; nothing was sent"
    return outcome


def _write_plan(plan: ImportPlan, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    plan.write_csv(path)
    return str(path)


def _context(cal: CalClient, state: OrgState) -> RunContext:
    ctx = RunContext(cal=cal)
    ctx.user_ids = {email: u["user_id"] for email, u in state.users_by_email.items()}
    for attribute_id, by_key in state.options.items():
        for option_id, value in by_key.values():
            ctx.option_ids.setdefault((attribute_id, value.casefold()), option_id)
    return ctx


def _write_receipt(
    book: Workbook, validated: ValidatedImport, results: list[RowResult], paths: dict[str, Path]
) -> pl.DataFrame:
    sources = {kind: sheet.source for kind, sheet in validated.sheets.items()}
    frame = receipt_frame(
        validated.frames, [asdict(r) for r in results], validated.problems, sources
    )
    frame.write_csv(paths["receipt"])
    if book.is_excel:
        frame.write_excel(paths["receipt_xlsx"], worksheet="receipt", autofit=True)
    return frame


def _artifact(path: Path, outcome: ImportOutcome) -> str:
    lines = [f"# Import of {path.name}", "", "| outcome | rows |", "|---|---|"]
    lines += [f"| {name} | {count} |" for name, count in outcome.counts.items()]
    lines += ["", f"Receipt: `{outcome.receipt}`"]
    return "\n".join(lines)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


__all__ = ["ImportOutcome", "import_file", "output_paths"]
