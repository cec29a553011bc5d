"""The pipelines as `calbulk` runs them without PREFECT_API_URL: in-process, settings from
CAL_* (the tests point those at a sandbox), no Prefect server. The Prefect flows that wrap
the same functions are exercised in tests/cli/test_on_prefect.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

from flows.config import load_settings
from flows.export.pipeline import export_snapshot
from flows.importer.pipeline import import_spreadsheet
from flows.reporter import SILENT, Reporter


class RecordingReporter(Reporter):
    """Keeps what a pipeline publishes, as the Prefect reporter would on a server."""

    def __init__(self) -> None:
        self.artifacts: dict[str, str] = {}
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)

    async def artifact(self, key: str, markdown: str) -> None:
        self.artifacts[key] = markdown


async def export_org(
    out: str, format: str | None = None, only: str | None = None, reporter: Reporter = SILENT
) -> str:
    """Export to ``out``; returns the snapshot folder (as the ``export_org`` flow does)."""
    result = await export_snapshot(load_settings(), None, out, format, only, reporter=reporter)
    return str(result.folder)


async def import_file(
    file: str | Path,
    org_id: int | None = None,
    rate_limit: int | None = None,
    rate_window: float | None = None,
    reporter: Reporter = SILENT,
    **options: object,
) -> dict:
    """Import ``file``; returns the outcome as a dict (as the ``import_file`` flow does)."""
    limits = {"rate_limit": rate_limit, "rate_window": rate_window}
    settings = load_settings(org_id, **{k: v for k, v in limits.items() if v is not None})
    outcome = await import_spreadsheet(settings, file, reporter=reporter, **options)
    return outcome.to_dict()


def run_import(path: str | Path, **options) -> dict:
    """:func:`import_file` from synchronous test code."""
    return asyncio.run(import_file(file=str(path), **options))
