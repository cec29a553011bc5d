"""Progress bars on a terminal, only when a person is watching: per table, or over import rows.

On a terminal (stderr is a tty) a rich progress display is drawn on stderr, so stdout stays
clean for what the CLI prints; anywhere else (CI, Prefect workers, pipes) every call is a
no-op, so logs stay clean. `TableProgress` counts records per table as an export's pages
arrive; `RowProgress` counts the rows of an import as they finish, and how many failed.
``status`` (optional) is asked for a few words at each refresh, shown after the first bar: the
CLI says there when the run waits for the rate limit, and how long the rest will take.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Protocol, Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

Status = Callable[[], str]


class StatusColumn(ProgressColumn):
    """A few words from ``status()`` on the first bar (rate-limit wait, time left)."""

    def __init__(self, status: Status) -> None:
        super().__init__()
        self._status = status

    def render(self, task: Task) -> Text:
        return Text(self._status() if task.id == 0 else "", style="yellow")


class _TerminalProgress:
    """The shared part: decide whether to draw, start and stop a rich display on stderr."""

    def __init__(self, enabled: bool | None, status: Status | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._status = status
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
                *([StatusColumn(self._status)] if self._status else []),
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

    def __init__(
        self, tables: Iterable[str], *, enabled: bool | None = None, status: Status | None = None
    ) -> None:
        super().__init__(enabled, status)
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

    def __init__(
        self, total: int, *, enabled: bool | None = None, status: Status | None = None
    ) -> None:
        super().__init__(enabled, status)
        self.total = total
        self.done = 0
        self.failed = 0
        self._task: int | None = None

    def _columns(self) -> tuple[Any, ...]:
        return TextColumn("importing rows"), TextColumn("{task.fields[failed]} failed")

    def _add_tasks(self, progress: Progress) -> None:
        self._task = progress.add_task("rows", total=self.total, failed=0)

    def row_done(self, result: RowOutcome) -> None:
        self.done += 1
        self.failed += result.outcome == "failed"
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=1, failed=self.failed)


__all__ = ["RowProgress", "TableProgress"]
