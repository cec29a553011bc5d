"""The migration's Prefect flow: ``migrate_org`` wraps `flows.migrate.pipeline`.

Credentials only ever come from the worker's environment (CAL_* for the target,
CAL_SOURCE_API_KEY / CAL_SOURCE_API_URL for a live source), never a parameter.
"""

from __future__ import annotations

from prefect import flow

from flows.config import load_settings
from flows.migrate.pipeline import DEFAULT_OUT, migrate_org
from flows.prefect_reporter import PrefectReporter


@flow(name="migrate_org", log_prints=False)
async def migrate_org_flow(
    source: str | None = None,
    from_org: int | None = None,
    to_org: int | None = None,
    out: str = DEFAULT_OUT,
    dry_run: bool = False,
    rate_limit: int | None = None,
    rate_window: float | None = None,
) -> dict:
    """Migrate a snapshot (``source``) or the live org ``from_org`` into ``to_org``."""
    limits = {"rate_limit": rate_limit, "rate_window": rate_window}
    settings = load_settings(to_org, **{k: v for k, v in limits.items() if v is not None})
    outcome = await migrate_org(settings, source=source, from_org=from_org, out=out,
                                dry_run=dry_run, reporter=PrefectReporter())  # fmt: skip
    return outcome.to_dict()


__all__ = ["migrate_org_flow"]
