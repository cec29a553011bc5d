"""What every command shares: exit codes, shared options, how a pipeline is run, and the one
place errors become messages.

A command makes a :class:`Run` (its name, ``--json``, ``--verbose``), reads its configuration
with ``Run.load_config`` (``Run.load_rated_config`` where it takes ``--rate-limit`` and
``--rate-window``; bad config: a message and exit 2, nothing sent) and runs its work with
:func:`run_pipeline`: in-process (no Prefect imported, no server, nothing in ``~/.prefect``)
unless ``PREFECT_API_URL`` is set, in which case it runs the Prefect flow wrapping the same
pipeline, so the run is recorded on that server, and says so in one line on stderr. Work on
local files only (diff, prune, report) runs with :func:`run_local`. Whatever is raised becomes
one paragraph on stderr and the exit code
DESIGN.md promises:

- 0 done;
- 1 the run started but did not finish (the API failed, the snapshot failed validation, or,
  reported by the import itself, rows failed: see the receipt);
- 2 bad input or configuration: a missing or refused credential, a key without the role,
  an API URL nothing answers on, a bad option or file (flows say so with a ``ValueError``,
  ``calapi.ConfigError`` being one). Nothing was written to the org;
- 130 interrupted (Ctrl-C or SIGTERM): stopped cleanly; an import says what it did and that
  the same command resumes.

No traceback reaches the terminal (``CALBULK_DEBUG=1`` shows it) and no secret either: every
message is scrubbed of the configured credentials. This module imports nothing heavy: calapi,
polars, pandera and prefect are imported when a command runs, not for ``--help``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import traceback
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from enum import IntEnum
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from calapi import Settings

DEBUG_VARIABLE = "CALBULK_DEBUG"
PREFECT_VARIABLE = "PREFECT_API_URL"
REDACTED = "***"
T = TypeVar("T")
said_why = False  # a message was printed for this exit (flows.cli.main does not add one)


class ExitCode(IntEnum):
    """The exit codes DESIGN.md promises (and 130, the shell's code for an interrupt)."""

    DONE = 0
    FAILED_ROWS = 1
    BAD_INPUT = 2
    INTERRUPTED = 130


class Interrupted(Exception):
    """Ctrl-C or SIGTERM stopped a command; its text (if any) says what became of the work."""


def org_id_option() -> Any:
    """``--org-id``, the same on every command that talks to an organization."""
    return typer.Option(
        None, "--org-id", help="Organization id (default: CAL_ORG_ID, else the key's own org)."
    )


def json_option() -> Any:
    """``--json``: one JSON object with the outcome on stdout, nothing else there."""
    return typer.Option(
        False, "--json", help="Print one JSON object (paths, counts, exit code) on stdout only."
    )


def verbose_option() -> Any:
    """``--verbose``: Prefect's own log lines too (when running on a Prefect server)."""
    return typer.Option(False, "--verbose", help="Also show Prefect's log lines.")


def rate_limit_option() -> Any:
    return typer.Option(
        None, "--rate-limit", help="Requests per window (default: CAL_RATE_LIMIT, else the API's)."
    )


def rate_window_option() -> Any:
    return typer.Option(
        None, "--rate-window", help="Rate-limit window in seconds (default 60; for a sandbox)."
    )


class Run:
    """One command's run: its name, whether it answers in JSON, and its verbosity."""

    def __init__(self, command: str, *, as_json: bool = False, verbose: bool = False) -> None:
        self.command = command
        self.as_json = as_json
        self.verbose = verbose
        self.settings: Settings | None = None

    def fail(self, message: str, code: ExitCode = ExitCode.BAD_INPUT) -> NoReturn:
        fail(self.command, message, code, as_json=self.as_json)

    def load_config(self, org_id: int | None = None, **overrides: Any) -> Settings:
        """Settings from CAL_* (and ``.env``); options given as ``None`` keep the environment's."""
        from calapi import ConfigError
        from flows.config import load_settings

        given = {name: value for name, value in overrides.items() if value is not None}
        try:
            self.settings = load_settings(org_id, **given)
        except ConfigError as error:
            self.fail(str(error))
        return self.settings

    def load_rated_config(
        self, org_id: int | None, rate_limit: int | None, rate_window: float | None
    ) -> Settings:
        """:meth:`load_config` for a command with ``--rate-limit`` and ``--rate-window``: they
        are checked first (a bad one: a message and exit 2), then override the environment's."""
        if rate_limit is not None and rate_limit < 1:
            self.fail("--rate-limit must be at least 1 request per window")
        if rate_window is not None and rate_window <= 0:
            self.fail("--rate-window must be above 0 seconds")
        return self.load_config(org_id, rate_limit=rate_limit, rate_window=rate_window)

    def finish(self, outcome: dict[str, Any], code: int = ExitCode.DONE) -> NoReturn:
        """End the command: the JSON object on stdout (with ``--json``) and the exit code."""
        global said_why
        said_why = True  # the summary (or the JSON object) says how it ended
        if self.as_json:
            emit_json({"command": self.command, **outcome, "exit_code": int(code)})
        raise typer.Exit(int(code))


def emit_json(outcome: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(outcome, default=str) + "\n")
    sys.stdout.flush()


def fail(
    command: str, message: str, code: ExitCode = ExitCode.BAD_INPUT, *, as_json: bool = False
) -> NoReturn:
    """Print ``calbulk COMMAND: message`` on stderr (and the JSON outcome) and exit."""
    global said_why
    said_why = True
    typer.echo(f"calbulk {command}: {message}", err=True)
    if as_json:
        emit_json({"command": command, "exit_code": int(code), "error": message})
    raise typer.Exit(int(code))


def on_prefect() -> str | None:
    """The Prefect API URL runs are recorded on, or None: run in-process."""
    return os.environ.get(PREFECT_VARIABLE) or None


def run_pipeline(
    run: Run,
    pipeline: Callable[[], Coroutine[Any, Any, Any]],
    flow: Callable[[], Coroutine[Any, Any, Any]],
) -> Any:
    """Run the pipeline in-process, or (PREFECT_API_URL set) the Prefect flow wrapping it.

    Anything raised becomes a message and an exit code; an interrupt exits 130.
    """
    with failures_as_messages(run):
        url = on_prefect()
        if url is None:
            return run_interruptibly(pipeline())
        typer.echo(f"running on Prefect at {url}", err=True)
        prepare_prefect(run.verbose)
        from prefect.exceptions import TerminationSignal

        try:
            return run_interruptibly(flow())
        except TerminationSignal:  # Prefect's own SIGTERM handler, set while a flow runs
            raise Interrupted("the flow run on Prefect says what was done before it") from None


def run_local(run: Run, work: Callable[[], T]) -> T:
    """Work on local files only (diff, prune, report: no API, no Prefect), with the same
    messages, exit codes and interrupt handling as :func:`run_pipeline`."""
    with failures_as_messages(run):
        return work()
    raise AssertionError("unreachable")  # failures_as_messages re-raises or exits


@contextmanager
def failures_as_messages(run: Run) -> Iterator[None]:
    """The CLI edge: whatever the work raises becomes one paragraph and an exit code."""
    try:
        yield
    except (KeyboardInterrupt, Interrupted, asyncio.CancelledError) as stop:
        said = str(stop) if isinstance(stop, Interrupted) else ""
        run.fail(f"interrupted; {said or 'nothing was published or sent'}", ExitCode.INTERRUPTED)
    except Exception as error:  # the CLI edge: every failure becomes a message
        settings = run.settings
        code, message = explain(error, settings)
        if os.environ.get(DEBUG_VARIABLE):
            traceback.print_exc()
        run.fail(scrub(message, settings.secrets() if settings else ()), code)


def run_interruptibly(work: Coroutine[Any, Any, Any]) -> Any:
    """``asyncio.run(work)`` where SIGTERM, like Ctrl-C, cancels the work: it can stop cleanly
    (an import writes its receipt); the second Ctrl-C stops at once."""

    async def main() -> Any:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        try:
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
        except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
            return await work
        try:
            return await work
        finally:
            loop.remove_signal_handler(signal.SIGTERM)

    return asyncio.run(main())


def explain(error: Exception, settings: Settings | None) -> tuple[ExitCode, str]:
    """What went wrong, for a person, and the exit code it means."""
    from calapi import AdminApiDisabled, AuthError, CalApiError, ConnectFailed, Forbidden
    from transforms.snapshot.checks import SnapshotInvalid

    api_url = settings.api_url if settings else "the API"
    if isinstance(error, SnapshotInvalid):
        report = error.report.to_markdown()
        return ExitCode.FAILED_ROWS, f"the snapshot failed validation; nothing published.\n{report}"
    if isinstance(error, AuthError):
        return ExitCode.BAD_INPUT, (
            f"{api_url} refused the credential ({error.message}). Check CAL_API_KEY "
            "(or CAL_CLIENT_ID and CAL_SECRET_KEY) and that CAL_API_URL is the server it is for."
        )
    if isinstance(error, AdminApiDisabled):
        return ExitCode.BAD_INPUT, (
            f"the organization has no Admin API access ({error.message}). Cal.com closes every "
            "organization endpoint of its API to such an organization, whatever the key's role, "
            "so calbulk can neither read nor change it; nothing was written. Only Cal.com can "
            "enable it: the organization's owner asks https://cal.com/sales for a plan with the "
            "Admin API (on a self-hosted instance, the instance administrator enables Admin API "
            "access in the organization's settings). Then run this command again."
        )
    if isinstance(error, Forbidden):
        return ExitCode.BAD_INPUT, (
            f"the credential may not do this ({error}). Use the key of an organization admin or "
            "owner, and check CAL_ORG_ID / --org-id."
        )
    if isinstance(error, ConnectFailed):
        return ExitCode.BAD_INPUT, (
            f"cannot reach the API at {api_url} ({error.message}). Check CAL_API_URL "
            "and that the server is running."
        )
    if isinstance(error, ValueError | FileNotFoundError | IsADirectoryError | PermissionError):
        return ExitCode.BAD_INPUT, str(error)
    if isinstance(error, CalApiError):
        return ExitCode.FAILED_ROWS, f"the API failed and the run stopped: {error}"
    return ExitCode.FAILED_ROWS, (
        f"stopped by an unexpected {type(error).__name__}: {error} "
        f"(this is a calbulk bug; {DEBUG_VARIABLE}=1 shows the traceback)"
    )


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret replaced."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


class _RunFailuresToTheCli(logging.Filter):
    """A failed flow is reported once, by :func:`run_pipeline`: the run loggers' error records
    (tracebacks, "Finished in state Failed", "Crash detected") stay off the terminal. They
    still reach the Prefect API, so the server keeps them."""

    def filter(self, record: logging.LogRecord) -> bool:
        run_logger = record.name.startswith(("prefect.flow_runs", "prefect.task_runs"))
        return not (run_logger and record.levelno >= logging.ERROR)


def prepare_prefect(verbose: bool) -> None:
    """Before Prefect is imported: no telemetry (it fails offline), and its log lines on the
    terminal only with ``--verbose`` (they still reach the server). A user's own PREFECT_*
    settings win."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    if os.environ.get(DEBUG_VARIABLE):
        return
    from prefect.logging.configuration import setup_logging
    from prefect.logging.handlers import PrefectConsoleHandler

    setup_logging()
    for handler in logging.getLogger().handlers:  # the terminal only, not a test's capture
        terminal = isinstance(handler, PrefectConsoleHandler)
        if terminal and not any(isinstance(f, _RunFailuresToTheCli) for f in handler.filters):
            handler.addFilter(_RunFailuresToTheCli())


def die_with_parent() -> None:
    """For ``subprocess.Popen(preexec_fn=...)``: the child gets SIGTERM when calbulk dies, even
    by SIGKILL, so no process of a run outlives it (Linux; elsewhere a no-op)."""
    if sys.platform != "linux":
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


__all__ = [
    "ExitCode",
    "Run",
    "die_with_parent",
    "emit_json",
    "explain",
    "fail",
    "failures_as_messages",
    "json_option",
    "on_prefect",
    "org_id_option",
    "run_local",
    "run_pipeline",
    "scrub",
    "verbose_option",
]
