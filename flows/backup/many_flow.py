"""The ``backup_orgs`` Prefect flow: one ``backup_org`` run per organization, on the work pool.

``calbulk backup --orgs`` with PREFECT_API_URL set runs this parent flow. It submits one run
of the ``backup_org/nightly-backup`` deployment per org of the orgs file (all at once; the
workers' ``--limit`` decides how many run where), waits for all, and publishes a table
artifact ``backup-orgs`` of each org's outcome, rows, requests, time and worker. The
parameters name each org's key source (``api_key_env``: a variable of the *worker's*
environment, or ``api_key_block``: a Secret block), never a key: the run resolves it on the
worker. A failed org is a row of the table (and a Failed child run with its
``backup-org-<id>-failed`` artifact); it never stops the others, and the parent run then
ends Failed (naming the orgs), its rows still its result: :func:`run_backup_orgs` runs the
flow and returns them either way (the CLI's exit code says the rest).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from datetime import timedelta

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_table_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.states import Failed, State

from flows.backup.pipeline import DEFAULT_KEEP, DEFAULT_OUT
from flows.export.snapshot import DEFAULT_FORMATS

DEPLOYMENT = "backup_org/nightly-backup"
KEY_FIELDS = ("api_url", "api_key_env", "api_key_block", "rate_limit")
WORKER_LINE = re.compile(r"Worker '([^']+)' submitting flow run")
POLL_SECONDS = 1.0
HINT_VARIABLE = "CALBULK_WORKER_WAIT_HINT"  # seconds before saying no worker took a run
HINT_SECONDS = 60.0


async def child_outcome(org: dict, run: FlowRun) -> dict:
    """One org's row, read back from its run: state, artifacts, the worker's log line."""
    async with get_client() as client:
        run = await client.read_flow_run(run.id)
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
        )
        logs = await client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])), limit=200
        )
    by_key = {artifact.key: artifact for artifact in artifacts if artifact.key}
    org_id = org["org_id"]
    row = {"name": org["name"], "org_id": org_id, "outcome": "failed", "rows": 0, "requests": 0,
           "seconds": round(duration(run).total_seconds(), 2), "folder": None, "error": None,
           "flow_run": run.name, "worker": None}  # fmt: skip
    # two workers that pick the run up at once both log it; the server aborts one's
    # submission without naming it, so the row names both then
    trying = sorted({m.group(1) for log in logs if (m := WORKER_LINE.search(log.message))})
    row["worker"] = " or ".join(trying) or None
    tables = by_key.get(f"backup-org-{org_id}-tables")
    if run.state is not None and run.state.is_completed() and tables is not None:
        data = json.loads(tables.data) if isinstance(tables.data, str) else tables.data
        row["rows"] = sum(item["rows"] for item in data)
        row["requests"] = sum(item["requests"] for item in data)
        row["outcome"] = "ok"
        link = by_key.get(f"backup-org-{org_id}-snapshot")
        if link is not None:
            row["folder"] = re.sub(r"^\[(.*)\]\(.*\)$", r"\1", str(link.data))
        return row
    failed = by_key.get(f"backup-org-{org_id}-failed")
    reason = re.search(r"Reason: (.*)", str(failed.data)) if failed is not None else None
    state = run.state.name if run.state else "unknown"
    row["error"] = reason.group(1) if reason else f"the run ended {state}: {run.state}"
    return row


async def submit(org: dict, common: dict) -> FlowRun:
    """Create the org's ``backup_org`` run (a subflow of this run) and return at once."""
    parameters = {"org_id": org["org_id"], **common}
    parameters.update({k: org[k] for k in KEY_FIELDS if org.get(k) is not None})
    return await run_deployment(
        DEPLOYMENT, parameters=parameters, flow_run_name=f"backup-{org['name']}", timeout=0
    )


async def wait_for(runs: list[FlowRun]) -> list[FlowRun]:
    """The runs, read again once every one has ended: one read of them all per poll. If
    no worker has picked any of them up after ``CALBULK_WORKER_WAIT_HINT`` seconds (60),
    a warning says so once, with the command that starts one (on the terminal too)."""
    ids = [run.id for run in runs]
    hint_after = float(os.environ.get(HINT_VARIABLE) or HINT_SECONDS)
    started, hinted = time.monotonic(), False
    async with get_client() as client:
        while True:
            found = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids))
            )
            by_id = {run.id: run for run in found}
            if len(by_id) == len(ids) and all(
                r.state is not None and r.state.is_final() for r in found
            ):
                return [by_id[i] for i in ids]
            waiting = all(r.state is not None and r.state.is_scheduled() for r in found)
            if waiting and not hinted and time.monotonic() - started >= hint_after:
                hinted = True
                pool = found[0].work_pool_name or "calbulk"
                get_run_logger().warning(
                    "no worker has picked up any of the %d backup_org run(s) in %.0f s: "
                    "start one on work pool %r (prefect worker start --pool %s --limit 2, "
                    "with the orgs' key variables in its environment); the runs wait",
                    len(ids), hint_after, pool, pool,
                )  # fmt: skip
            await asyncio.sleep(POLL_SECONDS)


def duration(run: FlowRun) -> timedelta:
    if run.start_time and run.end_time:
        return run.end_time - run.start_time
    return run.total_run_time


@flow(name="backup_orgs", log_prints=False)
async def backup_orgs(
    orgs: list[dict],
    out: str = DEFAULT_OUT,
    format: str = ",".join(DEFAULT_FORMATS),
    keep_daily: int = DEFAULT_KEEP["keep_daily"],
    keep_weekly: int = DEFAULT_KEEP["keep_weekly"],
    keep_monthly: int = DEFAULT_KEEP["keep_monthly"],
) -> list[dict]:
    """Submit one backup_org run per org to the work pool, wait for all, table the outcomes."""
    common = {"out": out, "format": format, "keep_daily": keep_daily,
              "keep_weekly": keep_weekly, "keep_monthly": keep_monthly}  # fmt: skip
    # one at a time: creations at once contend for the server's database, and a SQLite
    # server answers the loser 503, which Prefect's client retries 2 s later (seen: the
    # third of three runs created 2.3 s after the others); each takes ~50 ms alone
    runs = [await submit(org, common) for org in orgs]
    ended = await wait_for(runs)
    outcomes = (child_outcome(org, run) for org, run in zip(orgs, ended, strict=True))
    rows = list(await asyncio.gather(*outcomes))
    await acreate_table_artifact(
        table=[
            {
                k: row[k]
                for k in (
                    "name",
                    "org_id",
                    "outcome",
                    "rows",
                    "requests",
                    "seconds",
                    "worker",
                    "error",
                )
            }
            for row in rows
        ],
        key="backup-orgs",
        description=f"One backup_org run per organization ({len(rows)}) under {out}",
    )
    failed = [row["name"] for row in rows if row["outcome"] != "ok"]
    if failed:  # the run is Failed, as its failed children are; the table says which
        message = f"{len(failed)} of {len(rows)} organization(s) failed: {', '.join(failed)}"
        return Failed(message=message, data=rows)
    return rows


async def run_backup_orgs(**parameters) -> list[dict]:
    """Run the ``backup_orgs`` flow here and return its rows, whether it ended Completed
    or Failed because an org failed; anything else that failed it is raised."""
    state: State = await backup_orgs(**parameters, return_state=True)
    rows = await state.aresult(raise_on_failure=False)
    if isinstance(rows, BaseException):
        raise rows
    return rows


__all__ = ["DEPLOYMENT", "backup_orgs", "run_backup_orgs"]
