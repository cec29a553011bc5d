"""The import's Prefect flows: ``import_file`` wraps `flows.importer.pipeline` and
``users_template`` wraps `flows.importer.template`; the deployable units of prefect.yaml.

Credentials only ever come from the worker's environment (or ``.env``), never a parameter.
The run logs through Prefect and publishes the import's outcome as a markdown artifact.
"""

from __future__ import annotations

from prefect import flow

from flows.config import load_settings
from flows.importer.pipeline import import_spreadsheet
from flows.importer.template import write_users_template
from flows.prefect_reporter import PrefectReporter


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
    prune_definitions: bool = False,
    rows: str | None = None,
    rate_limit: int | None = None,
    rate_window: float | None = None,
) -> dict:
    """Import one CSV or Excel file; returns an ImportOutcome as a dict.

    ``rate_limit``/``rate_window`` override CAL_RATE_LIMIT and the 60 s window (for a sandbox
    started with a compressed limit).
    """
    limits = {"rate_limit": rate_limit, "rate_window": rate_window}
    settings = load_settings(org_id, **{k: v for k, v in limits.items() if v is not None})
    outcome = await import_spreadsheet(
        settings, file, dry_run=dry_run, mode=mode, receipt=receipt, kind=kind,
        skip_invalid=skip_invalid, create_missing_options=create_missing_options,
        prune_definitions=prune_definitions, rows=rows,
        reporter=PrefectReporter(),
    )  # fmt: skip
    return outcome.to_dict()


@flow(name="users_template", log_prints=False)
async def users_template(org_id: int | None = None, out: str = "users.xlsx") -> str:
    """Write the org's users template (``.xlsx``, or header-only ``.csv``); returns its path."""
    written = await write_users_template(load_settings(org_id), out, reporter=PrefectReporter())
    return str(written)


__all__ = ["import_file", "users_template"]
