"""A progress bar over the rows of an import, only when a person is watching (a terminal)."""

from __future__ import annotations

import sys
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from flows.import_apply import RowResult


class RowProgress:
    """``with RowProgress(total) as bar: bar.row_done(result)``; a no-op off a terminal."""

    def __init__(self, total: int, *, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.total = total
        self.failed = 0
        self._progress: Progress | None = None
        self._task: int | None = None

    def __enter__(self) -> RowProgress:
        if self.enabled:
            self._progress = Progress(
                TextColumn("importing rows"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]} failed"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self._progress.start()
            self._task = self._progress.add_task("rows", total=self.total, failed=0)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def row_done(self, result: RowResult) -> None:
        self.failed += result.outcome == "failed"
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=1, failed=self.failed)
