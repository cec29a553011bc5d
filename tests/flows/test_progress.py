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


def test_cli_status_says_how_long_the_rest_takes_at_the_keys_limit():
    from calapi import Settings
    from flows.cli.output import CliReporter

    settings = Settings(api_key="cal_x", rate_limit=120, rate_window=60.0)
    reporter = CliReporter(settings)
    with reporter.rows(total=10, steps=165_000) as bar:
        assert reporter.status() == "about 22 h 55 min left at the key's limit"
        for _ in range(5):
            bar.row_done(SimpleNamespace(outcome="created"))
        assert reporter.status() == "about 11 h 27 min left at the key's limit"


async def test_cli_status_shows_the_wait_for_the_rate_limit(start_sandbox, tmp_path):
    import asyncio

    from flows.cli.output import CliReporter
    from flows.config import load_settings
    from flows.export.pipeline import export_snapshot

    box = start_sandbox(seed_users=5, seed=1, rate_limit=100000)
    environ = {"CAL_API_URL": box.base_url, "CAL_API_KEY": box.api_key,
               "CAL_ORG_ID": str(box.org_id)}  # fmt: skip
    settings = load_settings(environ=environ, rate_limit=3, rate_window=4.0)
    reporter = CliReporter(settings)
    seen: list[str] = []

    async def watch() -> None:
        while True:
            seen.append(reporter.status())
            await asyncio.sleep(0.2)

    watcher = asyncio.ensure_future(watch())
    try:
        await export_snapshot(settings, out=tmp_path, only="users,teams,webhooks,ooo_entries",
                              reporter=reporter)  # fmt: skip
    finally:
        watcher.cancel()
    assert any(s.startswith("waiting for the rate limit (") for s in seen), seen
