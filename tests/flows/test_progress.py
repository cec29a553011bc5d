"""Progress bars: one per table, or over import rows, on a terminal; silent elsewhere."""

from __future__ import annotations

from types import SimpleNamespace

from rich.console import Console

from flows.progress import RowProgress, TableProgress


def test_bars_count_records_per_table():
    with TableProgress(["users", "teams"], enabled=True) as bars:
        bars.advance("users", 600)
        bars.advance("users", 400)
        bars.finish("teams", 7)
        tasks = {t.description: t for t in bars._progress.tasks}
    assert tasks["users"].completed == 1000
    assert (tasks["teams"].completed, tasks["teams"].total) == (7, 7)


def test_off_a_terminal_nothing_is_drawn(capsys):
    with TableProgress(["users"]) as bars:  # pytest's stderr is not a terminal
        bars.advance("users", 10)
        bars.finish("users", 10)
    assert not bars.enabled
    assert capsys.readouterr().err == ""


def test_console_is_stderr():
    with TableProgress(["users"], enabled=True) as bars:
        console: Console = bars._progress.console
    assert console.stderr  # stdout stays clean for the snapshot folder the CLI prints


def test_row_bar_counts_rows_and_failures():
    with RowProgress(3, enabled=True) as bar:
        for outcome in ("created", "failed", "unchanged"):
            bar.row_done(SimpleNamespace(outcome=outcome))
        [task] = bar._progress.tasks
    assert (task.completed, task.total, task.fields["failed"]) == (3, 3, 1)
    assert bar.failed == 1


def test_row_bar_off_a_terminal_still_counts_failures(capsys):
    with RowProgress(1) as bar:
        bar.row_done(SimpleNamespace(outcome="failed"))
    assert (bar.enabled, bar.failed) == (False, 1)
    assert capsys.readouterr().err == ""
