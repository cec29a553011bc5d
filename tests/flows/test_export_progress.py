"""Progress bars: one per table on a terminal, silent elsewhere."""

from __future__ import annotations

from rich.console import Console

from flows.progress import TableProgress


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
