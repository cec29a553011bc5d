"""Apply an import plan through calapi: rows concurrently, each row's steps in order.

Order: the prelude (options to create, once each), then users and roles rows concurrently, then
OOO rows (they may need users created by the users rows). Within a row a failed step stops the
row (its later steps depend on it); other rows go on. calapi's limiter keeps every request under
the rate limit, so concurrency here only keeps the pipe full.

A step whose outcome is unknown (``AmbiguousWrite``, a retriable error after calapi's own
retries, or a conflict) is reconciled by reading the org (``flows.importer.steps.landed``): if it
landed it counts as done, else it is sent again, a bounded number of times.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from calapi import CalApiError, Conflict, InvalidRequest, RetriableError
from flows.importer.journal import Journal, RowHistory
from flows.importer.steps import RunContext, StepFailed, landed, send
from transforms.plan.steps import ImportPlan, RowPlan, Step
from transforms.sheets.columns import DEFINITION_KINDS

# A write attempt ends ambiguous ~15% of the time under the fault test's mix (5xx, resets,
# dropped responses): 10 attempts make losing a step ~1e-8; the pause between attempts grows.
MAX_ATTEMPTS = 10
BACKOFF_SECONDS = 0.1
BACKOFF_CAP_SECONDS = 5.0
# a row whose own object (the user, the OOO entry, the role) was made by a step is "created"
CREATING_ACTIONS = ("create_user", "create_ooo", "create_role")
ROW_CONCURRENCY = 16


@dataclass
class RowResult:
    """What happened to one input row, in this run and in earlier runs of the same file."""

    sheet: str
    row: int
    key: str
    user_id: int | None
    outcome: str
    done: list[str] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)


async def perform(step: Step, user_id: int | None, ctx: RunContext) -> int | None:
    """Send ``step`` until it is known to have happened once; returns a created user's id.

    After an ambiguous or retriable failure, or a conflict (an earlier attempt may have
    landed), the org is read back; a conflict that did not land is a real failure.
    """
    last: Exception | None = None
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            await asyncio.sleep(min(BACKOFF_SECONDS * 2 ** (attempt - 1), BACKOFF_CAP_SECONDS))
        conflict: Exception | None = None
        try:
            return await send(step, user_id, ctx)
        except (Conflict, InvalidRequest) as exc:
            if not _is_duplicate(step, exc):
                raise
            conflict = exc
        except RetriableError as exc:  # incl. AmbiguousWrite: it may or may not have applied
            last = exc
        try:
            happened, made = await landed(step, user_id, ctx)
        except RetriableError as exc:
            last = exc
            continue
        if happened:
            return made
        if conflict is not None:
            raise StepFailed(f"conflict: {conflict}")
    raise StepFailed(f"gave up after {MAX_ATTEMPTS} attempts: {last}")


def why(exc: Exception) -> str:
    """A failure in the API's own words: ``locale: Please include a valid locale (HTTP 400)``."""
    if isinstance(exc, CalApiError):
        status = f" (HTTP {exc.status})" if exc.status else ""
        return f"{exc.reason}{status}"
    return str(exc)


def _is_duplicate(step: Step, exc: Exception) -> bool:
    """409, or the 400 a duplicate role name gets (api-notes §9.1)."""
    if isinstance(exc, Conflict):
        return True
    return step.action == "create_role" and "already exists" in str(exc)


async def run_row(plan: RowPlan, ctx: RunContext, journal: Journal) -> RowResult:
    """Run one row's steps in order; the first failure stops the row."""
    user_id = plan.user_id if plan.sheet != "ooo" else ctx.user_ids.get(plan.key)
    result = RowResult(plan.sheet, plan.row, plan.key, user_id, "unchanged", notes=plan.notes)
    if plan.refusal:
        result.outcome, result.error = "failed", plan.refusal
        return result
    for step in plan.steps:
        journal.started(plan.sheet, plan.row, step.action, step.summary)
        try:
            made = await perform(step, result.user_id, ctx)
        except (StepFailed, CalApiError, LookupError) as exc:
            result.outcome, result.error = "failed", f"{step.summary}: {why(exc)}"
            return result
        if made is not None:
            result.user_id = made
            ctx.user_ids[plan.key] = made
        journal.done(plan.sheet, plan.row, step.action, step.summary, result.user_id)
        result.done.append(step.summary)
    return result


def merge_history(result: RowResult, plan: RowPlan, history: RowHistory | None) -> RowResult:
    """Fold in what earlier runs of the same file did, so the receipt covers each row once.

    A step an earlier run started but never journaled as done, and that this run's plan no
    longer needs, landed before the kill: it counts as done.
    """
    created_now = result.error is None and any(s.action in CREATING_ACTIONS for s in plan.steps)
    if history is not None:
        planned = {s.summary for s in plan.steps}
        landed_before = [
            s for a, s in history.started if s not in history.done and s not in planned
        ]
        earlier = history.done + landed_before
        if earlier:
            note = f"resumed: {len(earlier)} step(s) done by the interrupted run before"
            result.notes = [*result.notes, note]
        result.done = [f"{s} (interrupted run)" for s in earlier] + result.done
        created_before = history.created or any(
            a in CREATING_ACTIONS and s in landed_before for a, s in history.started
        )
        created_now = created_now or created_before
        if result.user_id is None:
            result.user_id = history.user_id
    if result.outcome != "failed":
        result.outcome = "created" if created_now else "updated" if result.done else "unchanged"
    return result


async def apply_plan(
    plan: ImportPlan,
    ctx: RunContext,
    journal: Journal,
    on_row: Callable[[RowResult], None] = lambda _r: None,
) -> list[RowResult]:
    """Run the plan; one RowResult per planned row, in plan order: the definition sheets'
    rows first (the prelude may add options to an attribute they create), then the rest."""
    prelude_errors: list[str] = []
    gate = asyncio.Semaphore(ROW_CONCURRENCY)

    async def one(row: RowPlan) -> RowResult:
        async with gate:
            result = await run_row(row, ctx, journal)
        result = merge_history(result, row, journal.history.get((row.sheet, row.row)))
        if result.error and prelude_errors and "was not created" in result.error:
            result.error += f" ({'; '.join(prelude_errors)})"
        on_row(result)
        return result

    definitions = [r for r in plan.rows if r.sheet in DEFINITION_KINDS]  # before their users
    first = [r for r in plan.rows if r.sheet not in ("ooo", *DEFINITION_KINDS)]
    later = [r for r in plan.rows if r.sheet == "ooo"]
    results = await asyncio.gather(*(one(r) for r in definitions))
    prelude_errors += await _run_prelude(plan.prelude, ctx)
    results += await asyncio.gather(*(one(r) for r in first))
    results += await asyncio.gather(*(one(r) for r in later))
    order = {(r.sheet, r.row): i for i, r in enumerate(plan.rows)}
    return sorted(results, key=lambda r: order[(r.sheet, r.row)])


async def _run_prelude(steps: Iterable[Step], ctx: RunContext) -> list[str]:
    """Create the options rows need; failures are returned (the rows needing them fail)."""

    async def one(step: Step) -> str | None:
        try:
            await perform(step, None, ctx)
        except (StepFailed, CalApiError) as exc:
            return f"{step.summary}: {why(exc)}"
        return None

    outcomes = await asyncio.gather(*(one(s) for s in steps))
    return [o for o in outcomes if o]
