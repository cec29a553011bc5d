"""A rich progress bar per table while an export runs, only when a person is watching.

On a terminal each table gets a bar that counts records as pages arrive; anywhere
else (CI, Prefect workers, pipes) every call is a no-op, so logs stay clean.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class TableProgress:
    """``with TableProgress(tables) as bars: bars.advance("users", 1000); bars.finish(...)``."""

    def __init__(self, tables: Iterable[str], *, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._tables = list(tables)
        self._ids: dict[str, int] = {}
        self._progress: Progress | None = None

    def __enter__(self) -> TableProgress:
        if self.enabled:
            self._progress = Progress(
                TextColumn("{task.description:<22}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self._progress.start()
            for table in self._tables:
                self._ids[table] = self._progress.add_task(table, total=None)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def advance(self, table: str, records: int = 1) -> None:
        if self._progress is not None and table in self._ids:
            self._progress.advance(self._ids[table], records)

    def finish(self, table: str, rows: int) -> None:
        if self._progress is not None and table in self._ids:
            self._progress.update(self._ids[table], total=rows, completed=rows)


__all__ = ["TableProgress"]
