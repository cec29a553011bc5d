"""The import pipeline: an HR spreadsheet into the organization, exactly once.

One plain async function, :func:`import_spreadsheet`, with no Prefect in it: the CLI runs it
in-process and the ``import_file`` Prefect flow (`flows.importer.flow`) wraps it.

read -> validate (against the org, read with the export's own extraction) -> plan -> apply ->
receipt. Invalid input sends nothing (exit 2) unless ``skip_invalid``; ``dry_run`` writes the
plan and sends nothing. A journal next to the receipt makes a killed run resumable: the rerun
re-reads the org, plans only what is missing, and its receipt marks the steps the interrupted
run did. Cancelling the run (Ctrl-C, SIGTERM) stops the rows within a second or two, writes the
receipt of what was done and returns with ``interrupted`` set. Every output is owner-only.
Exit codes: 0 done, 1 some rows failed (see the receipt), 2 bad input or config, 130 interrupted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from calapi import CalClient, Settings
from flows.budget import with_shared_budget
from flows.export.fetch import fetch_tables
from flows.importer.apply import RowResult, apply_plan
from flows.importer.journal import Journal, started_before
from flows.importer.outputs import output_paths, private_file
from flows.importer.steps import RunContext
from flows.reporter import SILENT, Reporter
from transforms.org_state import OrgState, org_state_from_tables
from transforms.plan.build import MODES, build_plan
from transforms.plan.creator import KeyUser, owner_lines, planned_teams
from transforms.plan.ooo_team import per_person_receipt
from transforms.plan.rows import not_run_reason, only_rows, parse_rows
from transforms.plan.steps import ImportPlan
from transforms.problems import has_file_errors, problems_frame
from transforms.receipt import outcome_counts, receipt_frame
from transforms.sheets.reading import Workbook, read_workbook
from transforms.validate.sheet import ValidatedImport, validate_workbook

BASE_TABLES = ["users", "memberships", "attributes", "attribute_options", "attribute_assignments",
               "teams", "team_memberships"]  # fmt: skip
INTERRUPTED_EXIT = 130
FIRST_STEPS = 10
INTERRUPTED = "interrupted before this row finished; run the same command to resume"
IN_FLIGHT = "it may have landed: run the same command, it checks and resumes"


@dataclass
class ImportOutcome:
    """What the run produced and where (paths as strings, for the CLI, JSON and the artifact)."""

    exit_code: int
    counts: dict[str, int]
    receipt: str | None = None
    plan: str | None = None
    errors: str | None = None
    journal: str | None = None
    message: str = ""
    interrupted: bool = False
    steps: int = 0  # steps planned
    plan_counts: list[dict] = field(default_factory=list)  # {sheet, action, steps} per pair
    first_steps: list[dict] = field(default_factory=list)  # {sheet, row, key, action, detail}
    apply_seconds: float | None = None  # the plan's steps at the key's limit
    key_rate: list | None = None  # [requests, seconds]: the key's limit the estimate used
    team_owner: list[str] = field(default_factory=list)  # the key's user in teams it creates

    def to_dict(self) -> dict:
        return asdict(self)


def apply_estimate(steps: int, key_rate: tuple[int, float]) -> float:
    """Seconds ``steps`` writes take at the key's limit ``(requests, seconds)``: one request
    each, never faster."""
    requests, seconds = key_rate
    return steps / requests * seconds


def plan_overview(plan: ImportPlan) -> tuple[list[dict], list[dict]]:
    """Steps per sheet and action (most first), and the first steps in file order."""
    frame = plan.to_frame().filter(pl.col("action").is_not_null() & (pl.col("action") != "none"))
    counts = (
        frame.group_by("sheet", "action")
        .agg(pl.len().alias("steps"))
        .sort(["steps", "sheet", "action"], descending=[True, False, False])
    )
    first = frame.head(FIRST_STEPS).select("sheet", "row", "key", "action", "detail")
    return counts.to_dicts(), first.to_dicts()


async def read_current_state(
    cal: CalClient, kinds: set[str], reporter: Reporter = SILENT
) -> OrgState:
    """The org as the plan needs it, read with the export's extraction (one listing per table)."""
    wanted = list(BASE_TABLES)
    if "ooo" in kinds:
        wanted.append("ooo_entries")
    if "roles" in kinds:
        wanted += ["roles", "role_permissions"]
    if "webhooks" in kinds:
        wanted.append("webhooks")
    with reporter.tables(wanted) as progress:
        tables = await fetch_tables(cal, wanted, progress)
    return org_state_from_tables(tables)


async def import_spreadsheet(
    settings: Settings,
    file: str | Path,
    *,
    dry_run: bool = False,
    mode: str = "add",
    receipt: str | Path | None = None,
    kind: str | None = None,
    skip_invalid: bool = False,
    create_missing_options: bool = False,
    rows: str | None = None,
    reporter: Reporter = SILENT,
    prune_definitions: bool = False,
) -> ImportOutcome:
    """Import one CSV or Excel file (see the module doc); never raises for bad rows.

    ``rows`` (``2-6,15``) runs only those spreadsheet rows; the receipt marks the others as not
    run (see ``transforms.plan.rows``)."""
    if mode not in MODES:
        raise ValueError(f"--mode must be add or sync, not {mode!r}")
    selected = parse_rows(rows) if rows else None
    path = Path(file)
    paths = output_paths(path, receipt)
    book = read_workbook(path, kind)
    if has_file_errors(book.all_problems()) or not book.sheets:  # nothing to check the org for
        validated = validate_workbook(book, OrgState(), create_missing_options=False)
        return _report_problems(validated, paths, skip_invalid)
    if not any(sheet_rows(book).values()):
        return ImportOutcome(
            exit_code=2, counts={},
            message=f"{path.name} has no data rows under its header; nothing was sent",
        )  # fmt: skip
    async with CalClient(with_shared_budget(settings)) as cal:
        reporter.watch(cal)
        await cal.resolve_org_id()
        state = await read_current_state(cal, set(book.sheets), reporter)
        validated = validate_workbook(book, state, create_missing_options=create_missing_options)
        outcome = _report_problems(validated, paths, skip_invalid)
        if outcome.exit_code:
            return outcome
        create = create_missing_options
        resumed = started_before(paths["journal"], _sha256(path), "teams", "create_team")
        plan = build_plan(validated, state, mode=mode, create_missing_options=create,
                          prune_definitions=prune_definitions, resumed_teams=resumed,
                          key_user=await _key_user(cal, state, resumed))  # fmt: skip
        if selected is not None:
            plan = only_rows(plan, selected)
        outcome.plan = _write_plan(plan, paths["plan"])
        outcome.steps = plan.step_count
        outcome.plan_counts, outcome.first_steps = plan_overview(plan)
        outcome.team_owner = owner_lines(plan.row_frame)
        outcome.key_rate = list(cal.key_rate())
        outcome.apply_seconds = apply_estimate(plan.step_count, cal.key_rate())
        if dry_run:
            outcome.message = f"dry run: {plan.step_count} step(s) planned, nothing sent"
            return outcome
        ctx = _context(cal, state, validated)
        results, outcome.interrupted = await _apply(plan, ctx, paths, path, mode, reporter)
    frame = _write_receipt(book, validated, results, paths, not_run_reason(rows) if rows else None)
    outcome.counts = outcome_counts(frame)
    outcome.receipt, outcome.journal = str(paths["receipt"]), str(paths["journal"])
    if outcome.interrupted:
        outcome.exit_code = INTERRUPTED_EXIT
        outcome.message = "interrupted: the receipt lists what was done; the same command resumes"
    else:
        outcome.exit_code = 1 if outcome.counts["failed"] else 0
    await reporter.artifact("import-file", _artifact(path, outcome))
    reporter.info(f"import of {path.name}: {outcome.counts}")
    return outcome


async def _key_user(cal: CalClient, state: OrgState, resumed: set[int]) -> KeyUser | None:
    """The API key's user, when the file creates a team or an interrupted run of it did (the
    API makes them its OWNER)."""
    if not planned_teams(state).height and not resumed:
        return None
    me = await cal.me()
    return KeyUser(int(me["id"]), str(me["email"]))


def sheet_rows(book: Workbook) -> dict[str, int]:
    """Data rows per sheet (a header-only sheet has 0)."""
    return {kind: sheet.frame.height for kind, sheet in book.sheets.items()}


async def _apply(
    plan: ImportPlan,
    ctx: RunContext,
    paths: dict[str, Path],
    source: Path,
    mode: str,
    reporter: Reporter,
) -> tuple[list[RowResult], bool]:
    """Apply the plan; on cancellation, the rows that finished and what the others did."""
    journal = Journal(paths["journal"], _sha256(source), mode)
    finished: list[RowResult] = []
    interrupted = False
    try:
        with reporter.rows(len(plan.rows), plan.step_count) as progress:

            def row_done(result: RowResult) -> None:
                finished.append(result)
                progress.row_done(result)

            await apply_plan(plan, ctx, journal, on_row=row_done)
        journal.finished()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is None or task.uncancel() > 0:  # cancelled from above for another reason
            raise
        interrupted = True
    finally:
        journal.close()
    if interrupted:
        finished += _unfinished_rows(plan, finished, journal)
    order = {(r.sheet, r.row): i for i, r in enumerate(plan.rows)}
    return sorted(finished, key=lambda r: order[(r.sheet, r.row)]), interrupted


def _unfinished_rows(plan: ImportPlan, finished: list[RowResult], journal: Journal) -> list:
    """Rows an interrupt cut short: skipped, with the steps this run did for them."""
    seen = {(r.sheet, r.row) for r in finished}
    rows = []
    for row in plan.rows:
        if (row.sheet, row.row) in seen:
            continue
        did = journal.this_run.get((row.sheet, row.row))
        error = INTERRUPTED
        in_flight = [s for _a, s in did.started if s not in did.done] if did else []
        if in_flight:
            error = f"interrupted while sending '{in_flight[0]}' ({IN_FLIGHT})"
        rows.append(RowResult(row.sheet, row.row, row.key, row.user_id, "skipped",
                              done=list(did.done) if did else [], error=error,
                              notes=list(row.notes)))  # fmt: skip
    return rows


def _report_problems(
    validated: ValidatedImport, paths: dict[str, Path], skip_invalid: bool
) -> ImportOutcome:
    """Write the errors file; exit code 2 when the file cannot be sent."""
    outcome = ImportOutcome(exit_code=0, counts={})
    if validated.problems:
        with private_file(paths["errors"]) as target:
            problems_frame(validated.problems).write_csv(target)
        outcome.errors = str(paths["errors"])
    if validated.blocks_everything or (validated.errors and not skip_invalid):
        outcome.exit_code = 2
        outcome.message = f"{len(validated.errors)} problem(s) in the file; nothing was sent"
    return outcome


def _write_plan(plan: ImportPlan, path: Path) -> str:
    with private_file(path) as target:
        plan.write_csv(target)
    return str(path)


def _context(cal: CalClient, state: OrgState, validated: ValidatedImport) -> RunContext:
    ctx = RunContext(cal=cal)
    ctx.team_names = {t["team_id"]: t["name"] for t in state.teams_by_name.values()
                      if t.get("planned")}  # fmt: skip
    if "webhooks" in validated.frames:
        hooks = validated.frames["webhooks"].drop_nulls(["subscriber_url", "secret"])
        ctx.webhook_secrets = {
            u.lower(): s for u, s in hooks.select("subscriber_url", "secret").iter_rows()
        }
    ctx.user_ids = {email: u["user_id"] for email, u in state.users_by_email.items()}
    for attribute_id, by_key in state.options.items():
        for option_id, value in by_key.values():
            ctx.option_ids.setdefault((attribute_id, value.casefold()), option_id)
    return ctx


def _write_receipt(
    book: Workbook,
    validated: ValidatedImport,
    results: list[RowResult],
    paths: dict[str, Path],
    not_run: str | None = None,
) -> pl.DataFrame:
    """The receipt; ``not_run`` is what rows without a result say (those outside --rows)."""
    sources = {kind: sheet.source for kind, sheet in validated.sheets.items()}
    results_dicts = [dataclasses.asdict(r) for r in results]
    frame = receipt_frame(validated.frames, results_dicts, validated.problems, sources, not_run)
    frame = per_person_receipt(frame)  # team-wide OOO rows: one line per person
    with private_file(paths["receipt"]) as target:
        frame.write_csv(target)
    if book.is_excel:
        with private_file(paths["receipt_xlsx"]) as target:
            frame.write_excel(target, worksheet="receipt", autofit=True)
    return frame


def _artifact(path: Path, outcome: ImportOutcome) -> str:
    lines = [f"# Import of {path.name}", "", "| outcome | rows |", "|---|---|"]
    lines += [f"| {name} | {count} |" for name, count in outcome.counts.items()]
    lines += ["", *[f"- {line}" for line in outcome.team_owner]] if outcome.team_owner else []
    lines += ["", f"Receipt: `{outcome.receipt}`"]
    if outcome.interrupted:
        lines += ["", "Interrupted: the same command resumes."]
    return "\n".join(lines)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


__all__ = [
    "INTERRUPTED_EXIT",
    "ImportOutcome",
    "apply_estimate",
    "import_spreadsheet",
    "read_current_state",
]
