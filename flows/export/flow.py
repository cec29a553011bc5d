"""The ``export_org`` Prefect flow: the deployable wrapper of `flows.export.pipeline`.

Credentials come from CAL_* in the worker's environment (or ``.env``), never from a flow
parameter, so they are not stored with the flow run. The run logs through Prefect and
publishes the export's summary as a markdown artifact.
"""

from __future__ import annotations

from prefect import flow

from flows.config import load_settings
from flows.export.pipeline import DEFAULT_OUT, export_snapshot
from flows.export.snapshot import DEFAULT_FORMATS
from flows.prefect_reporter import PrefectReporter


@flow(name="export_org", log_prints=False)
async def export_org(
    org_id: int | None = None,
    out: str = DEFAULT_OUT,
    format: str = ",".join(DEFAULT_FORMATS),
    only: str | None = None,
    rate_limit: int | None = None,
    rate_window: float | None = None,
) -> str:
    """Export one organization; returns the published snapshot folder.

    ``format`` and ``only`` are comma-separated (``parquet,csv,xlsx``; ``users,teams``).
    """
    limits = {"rate_limit": rate_limit, "rate_window": rate_window}
    settings = load_settings(org_id, **{k: v for k, v in limits.items() if v is not None})
    result = await export_snapshot(settings, org_id, out, format, only, reporter=PrefectReporter())
    return str(result.folder)


__all__ = ["export_org"]
