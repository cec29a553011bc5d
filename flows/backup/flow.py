"""The ``backup_org`` and ``report_org`` Prefect flows: deployable wrappers of the backup.

``backup_org`` runs `flows.backup.pipeline.backup_snapshot` and publishes, on the server the
run belongs to, a table artifact (rows and requests per table), the change report (markdown;
on an org's first backup, a note that there was nothing to compare with) and a link artifact
to the snapshot folder. A failed run ends Failed and says why in a markdown artifact.
``report_org`` writes ``report.xlsx``/``report.md`` over the org's kept snapshots.

Credentials are never parameters: they come from CAL_* in the worker's environment (or
``.env``), or from a Prefect Secret block whose name is in ``CAL_API_KEY_BLOCK``.
"""

from __future__ import annotations

import os
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import (
    acreate_link_artifact,
    acreate_markdown_artifact,
    acreate_table_artifact,
)

from calapi import ConfigError, Settings
from flows.backup.changes import MARKDOWN_NAME
from flows.backup.many import resolve_key_block
from flows.backup.pipeline import DEFAULT_KEEP, DEFAULT_OUT, BackupResult, backup_snapshot
from flows.backup.report import MARKDOWN_NAME as REPORT_MARKDOWN
from flows.backup.report import write_org_report
from flows.config import load_settings, read_env
from flows.export.snapshot import DEFAULT_FORMATS
from flows.prefect_reporter import PrefectReporter

KEY_BLOCK_VARIABLE = "CAL_API_KEY_BLOCK"


async def load_run_settings(
    org_id: int | None = None,
    api_key_env: str | None = None,
    api_key_block: str | None = None,
    api_url: str | None = None,
    rate_limit: int | None = None,
) -> Settings:
    """Settings for a run on a worker: CAL_* from its environment (or ``.env``); without
    CAL_API_KEY, the API key from the Prefect Secret block named by CAL_API_KEY_BLOCK.

    ``calbulk backup --orgs`` names each org's key source instead (never the key):
    ``api_key_env``, a variable of the worker's environment, or ``api_key_block``, a Secret
    block; ``api_url`` and ``rate_limit`` then override CAL_API_URL and CAL_RATE_LIMIT."""
    environ = dict(os.environ)
    if api_url:
        environ["CAL_API_URL"] = api_url
    if rate_limit:
        environ["CAL_RATE_LIMIT"] = str(rate_limit)
    if api_key_env:
        key = os.environ.get(api_key_env, "").strip()
        if not key:
            raise ConfigError(f"{api_key_env} is not set in the worker's environment")
        return load_settings(org_id, environ=environ, api_key=key)
    env = read_env(environ=environ)
    block = api_key_block or os.environ.get(KEY_BLOCK_VARIABLE, "").strip()
    if (env.get("CAL_API_KEY") and not api_key_block) or not block:
        return load_settings(org_id, environ=environ)
    key = await resolve_key_block(block, instead="set CAL_API_KEY")
    return load_settings(org_id, environ=environ, api_key=key)


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def key_for(org: int | None, what: str) -> str:
    """An artifact key (lowercase letters, digits, dashes)."""
    return f"backup-org-{org if org is not None else 'unknown'}-{what}"


async def publish(result: BackupResult) -> None:
    """The run's artifacts: tables, change report, link to the snapshot folder."""
    org = result.export.org_id
    rows, requests = result.export.rows, result.export.requests
    table = [
        {"table": name, "rows": rows.get(name, 0), "requests": requests.get(name, 0)}
        for name in [*rows, *(n for n in requests if n not in rows)]
    ]
    await acreate_table_artifact(
        table=table,
        key=key_for(org, "tables"),
        description=f"Rows and requests per table of snapshot {result.folder.name}",
    )
    if result.changes is None:
        markdown = (
            f"# First backup of organization {org}\n\nNothing to compare with: snapshot "
            f"`{result.folder}` is the first complete one, so there is no change report."
        )
    else:
        markdown = (result.folder / MARKDOWN_NAME).read_text(encoding="utf-8")
    await acreate_markdown_artifact(markdown=markdown, key=key_for(org, "changes"))
    await acreate_link_artifact(
        link=result.folder.resolve().as_uri(),
        link_text=str(result.folder),
        key=key_for(org, "snapshot"),
        description="The snapshot folder on the worker's disk",
    )


@flow(name="backup_org", log_prints=False)
async def backup_org(
    org_id: int | None = None,
    out: str = DEFAULT_OUT,
    format: str = ",".join(DEFAULT_FORMATS),
    keep_daily: int = DEFAULT_KEEP["keep_daily"],
    keep_weekly: int = DEFAULT_KEEP["keep_weekly"],
    keep_monthly: int = DEFAULT_KEEP["keep_monthly"],
    api_url: str | None = None,
    api_key_env: str | None = None,
    api_key_block: str | None = None,
    rate_limit: int | None = None,
) -> str:
    """Back up one organization (snapshot, change report, retention); returns the folder.
    The key source parameters name a variable or Secret block, never the key."""
    logger = get_run_logger()
    secrets: tuple[str, ...] = ()
    org = org_id
    try:
        settings = await load_run_settings(org_id, api_key_env, api_key_block, api_url, rate_limit)
        secrets, org = settings.secrets(), settings.org_id
        result = await backup_snapshot(
            settings, org_id, out, format, keep_daily, keep_weekly, keep_monthly,
            reporter=PrefectReporter(),
        )  # fmt: skip
    except Exception as error:
        reason = scrub(f"{type(error).__name__}: {error}", secrets)
        await acreate_markdown_artifact(
            markdown=f"# Backup failed\n\nOrganization: {org or '(not configured)'}\n\n"
            f"Reason: {reason}\n\nEarlier snapshots under `{out}` are untouched.",
            key=key_for(org, "failed"),
        )
        raise
    await publish(result)
    for line in result.summary_lines():
        logger.info("%s", line)
    return str(result.folder)


@flow(name="report_org", log_prints=False)
async def report_org(org_id: int | None = None, out: str = DEFAULT_OUT) -> str:
    """Write report.xlsx and report.md into OUT/<org_id>/ over its kept snapshots."""
    if org_id is None:  # CAL_ORG_ID; the report reads files only, so no credential is needed
        given = read_env().get("CAL_ORG_ID", "").strip()
        org_id = int(given) if given.isdigit() else None
    if org_id is None:
        raise ConfigError("which organization? give the org_id parameter or set CAL_ORG_ID")
    folder = Path(out) / str(org_id)
    if not folder.is_dir():
        raise ConfigError(f"{folder} does not exist: no snapshots of org {org_id} under {out}")
    summary = write_org_report(folder, folder)
    report = (folder / REPORT_MARKDOWN).read_text(encoding="utf-8")
    await acreate_markdown_artifact(markdown=report, key=f"report-org-{org_id}")
    get_run_logger().info("wrote %s", ", ".join(summary.get("files", [])))
    return str(folder)


__all__ = ["backup_org", "load_run_settings", "report_org"]
