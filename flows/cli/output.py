"""What a person sees: progress on a terminal (stderr), then a short summary on stdout.

`CliReporter` is the reporter the CLI hands to a pipeline: progress bars only when stderr is a
terminal, with a status that says when the run waits for the rate limit (and for how long so
far) and, over an import's rows, the time left at the key's limit. Pipelines' log lines and
artifacts are not shown: the summary says what matters, once, at the end.

Text that comes from files or the API is printed without Rich markup (``file.xlsx[users]``
stays as written); off a terminal, tables and lines are never folded at 80 columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from flows.progress import RowProgress, TableProgress
from flows.reporter import Reporter

if TYPE_CHECKING:
    from calapi import Settings

WAIT_SHOWN_AFTER = 1.0  # seconds a send waits before the bar says so
UNFOLDED_WIDTH = 10_000


def console(stderr: bool = False) -> Console:
    """A console that folds lines only on a terminal, and prints no markup or highlighting
    from the data (paths, sheet names, API messages)."""
    stream_is_tty = Console(stderr=stderr).is_terminal
    width = None if stream_is_tty else UNFOLDED_WIDTH
    return Console(stderr=stderr, width=width, markup=False, highlight=False, soft_wrap=False)


def duration(seconds: float) -> str:
    """``83000`` -> ``23 h 3 min``; ``95`` -> ``1 min 35 s``; ``4.2`` -> ``4 s``."""
    seconds = max(0, round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


class CliReporter(Reporter):
    """Progress on a terminal with the rate-limit wait and the time left; nothing else."""

    progress_enabled = None

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: Any = None
        self._rows: RowProgress | None = None
        self._steps = 0

    def watch(self, client: object) -> None:
        self._client = client

    def tables(self, names: Iterable[str]) -> TableProgress:
        return TableProgress(names, enabled=self.progress_enabled, status=self.status)

    def rows(self, total: int, steps: int = 0) -> RowProgress:
        self._steps = steps
        self._rows = RowProgress(total, enabled=self.progress_enabled, status=self.status)
        return self._rows

    def status(self) -> str:
        """``waiting for the rate limit (12 s)  about 1 h 5 min left``, or parts of it."""
        parts = []
        hook = getattr(self._client, "limiter_wait", None)
        waited = hook() if hook else 0.0
        if waited >= WAIT_SHOWN_AFTER:
            parts.append(f"waiting for the rate limit ({duration(waited)})")
        rows = self._rows
        if rows is not None and rows.total and self._steps:
            left = self._steps * (1 - rows.done / rows.total)
            from flows.importer.pipeline import apply_estimate

            seconds = apply_estimate(left, self.settings)
            parts.append(f"about {duration(seconds)} left at the key's limit")
        return "  ".join(parts)


def print_table(out: Console, title: str, columns: list[str], rows: Iterable[Iterable]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for line in rows:
        table.add_row(*("" if v is None else str(v) for v in line))
    out.print(table)


__all__ = ["CliReporter", "console", "duration", "print_table"]
