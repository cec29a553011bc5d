"""Progress bars on a terminal, only when a person is watching: per table, or over import rows.

On a terminal (stderr is a tty) a rich progress display is drawn on stderr, so stdout stays
clean for what the CLI prints; anywhere else (CI, Prefect workers, pipes) every call is a
no-op, so logs stay clean. `TableProgress` counts records per table as an export's pages
arrive; `RowProgress` counts the rows of an import as they finish, and how many failed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Protocol, Self

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class _TerminalProgress:
    """The shared part: decide whether to draw, start and stop a rich display on stderr."""

    def __init__(self, enabled: bool | None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._progress: Progress | None = None

    def _columns(self) -> tuple[Any, ...]:
        """The label column, then any columns shown after the counts."""
        raise NotImplementedError

    def _add_tasks(self, progress: Progress) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        if self.enabled:
            label, *after_counts = self._columns()
            self._progress = Progress(
                label,
                BarColumn(),
                MofNCompleteColumn(),
                *after_counts,
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self._progress.start()
            self._add_tasks(self._progress)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()


class TableProgress(_TerminalProgress):
    """``with TableProgress(tables) as bars: bars.advance("users", 1000); bars.finish(...)``."""

    def __init__(self, tables: Iterable[str], *, enabled: bool | None = None) -> None:
        super().__init__(enabled)
        self._tables = list(tables)
        self._ids: dict[str, int] = {}

    def _columns(self) -> tuple[Any, ...]:
        return (TextColumn("{task.description:<22}"),)

    def _add_tasks(self, progress: Progress) -> None:
        for table in self._tables:
            self._ids[table] = progress.add_task(table, total=None)

    def advance(self, table: str, records: int = 1) -> None:
        if self._progress is not None and table in self._ids:
            self._progress.advance(self._ids[table], records)

    def finish(self, table: str, rows: int) -> None:
        if self._progress is not None and table in self._ids:
            self._progress.update(self._ids[table], total=rows, completed=rows)


class RowOutcome(Protocol):
    outcome: str


class RowProgress(_TerminalProgress):
    """``with RowProgress(total) as bar: bar.row_done(result)``: rows done and how many failed."""

    def __init__(self, total: int, *, enabled: bool | None = None) -> None:
        super().__init__(enabled)
        self.total = total
        self.failed = 0
        self._task: int | None = None

    def _columns(self) -> tuple[Any, ...]:
        return TextColumn("importing rows"), TextColumn("{task.fields[failed]} failed")

    def _add_tasks(self, progress: Progress) -> None:
        self._task = progress.add_task("rows", total=self.total, failed=0)

    def row_done(self, result: RowOutcome) -> None:
        self.failed += result.outcome == "failed"
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=1, failed=self.failed)


__all__ = ["RowProgress", "TableProgress"]
