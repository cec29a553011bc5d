"""How a pipeline tells the outside world what it is doing, without knowing who listens.

A pipeline (`flows.export.pipeline`, `flows.importer.pipeline`, ...) is a plain async function;
it takes a :class:`Reporter` and calls it for progress, log lines, rate-limit waits and the
markdown "artifact" that sums the run up. The base class is silent (tests, library use); the
CLI's reporter draws progress on a terminal and keeps the summary for the end
(`flows.cli.output`), and the Prefect flows pass :class:`flows.prefect_reporter.PrefectReporter`,
which logs through the run logger and publishes the artifact on the server. So one code path
serves both, and this module imports nothing heavy (no prefect, no polars).
"""

from __future__ import annotations

from collections.abc import Iterable

from flows.progress import RowProgress, TableProgress


class Reporter:
    """The silent reporter: every hook is a no-op; subclasses override what they show."""

    progress_enabled: bool | None = False  # None: draw on a terminal (stderr is a tty)

    def info(self, message: str) -> None:
        """One line about the run (a log line under Prefect, nothing on the CLI)."""

    async def artifact(self, key: str, markdown: str) -> None:
        """The run's summary as markdown (a Prefect artifact; the CLI prints its own summary)."""

    def tables(self, names: Iterable[str]) -> TableProgress:
        """Progress over an export's tables (records per table as pages arrive)."""
        return TableProgress(names, enabled=self.progress_enabled)

    def rows(self, total: int, steps: int = 0) -> RowProgress:
        """Progress over an import's rows (rows done, how many failed); ``steps`` planned."""
        return RowProgress(total, enabled=self.progress_enabled)

    def watch(self, client: object) -> None:
        """The pipeline's API client, once open (the CLI shows its rate-limit waits)."""


SILENT = Reporter()

__all__ = ["SILENT", "Reporter"]
