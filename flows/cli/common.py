"""What every command shares: exit codes, shared options, and the one place errors become messages.

A command reads its configuration with :func:`load_config` (bad config: a message and exit 2,
nothing sent) and runs its flow with :func:`run_flow`, which turns whatever the flow raises
into one paragraph on stderr and the exit code DESIGN.md promises:

- 0 done;
- 1 the run started but did not finish (the API failed, the snapshot failed validation, or,
  reported by the import itself, rows failed: see the receipt);
- 2 bad input or configuration: a missing or refused credential, a key without the role,
  an API URL nothing answers on, a bad option or file (flows say so with a ``ValueError``,
  ``calapi.ConfigError`` being one). Nothing was written to the org.

No traceback reaches the terminal (``CALBULK_DEBUG=1`` shows it) and no secret either: every
message is scrubbed of the configured credentials.
"""

from __future__ import annotations

import asyncio
import logging
import os
import traceback
from collections.abc import Coroutine
from enum import IntEnum
from typing import Any, NoReturn

import typer

from calapi import (
    AdminApiDisabled,
    AuthError,
    CalApiError,
    ConfigError,
    ConnectFailed,
    Forbidden,
    Settings,
)
from flows.config import load_settings
from transforms.checks import SnapshotInvalid

DEBUG_VARIABLE = "CALBULK_DEBUG"
REDACTED = "***"


class ExitCode(IntEnum):
    """The exit codes DESIGN.md promises."""

    DONE = 0
    FAILED_ROWS = 1
    BAD_INPUT = 2


def org_id_option() -> Any:
    """``--org-id``, the same on every command that talks to an organization."""
    return typer.Option(
        None, "--org-id", help="Organization id (default: CAL_ORG_ID, else the key's own org)."
    )


def fail(command: str, message: str, code: ExitCode = ExitCode.BAD_INPUT) -> NoReturn:
    """Print ``calbulk COMMAND: message`` on stderr and exit with ``code``."""
    typer.echo(f"calbulk {command}: {message}", err=True)
    raise typer.Exit(code)


def load_config(command: str, org_id: int | None = None, **overrides: Any) -> Settings:
    """Settings from CAL_* (and ``.env``); options given as ``None`` keep the environment's."""
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        settings = load_settings(org_id, **given)
    except ConfigError as error:
        fail(command, str(error))
    return settings


def run_flow(command: str, settings: Settings, flow_call: Coroutine[Any, Any, Any]) -> Any:
    """Run a flow to its result; anything it raises becomes a message and an exit code."""
    keep_prefect_quiet()
    try:
        return asyncio.run(flow_call)
    except Exception as error:  # the CLI edge: every failure becomes a message
        code, message = explain(error, settings)
        if os.environ.get(DEBUG_VARIABLE):
            traceback.print_exc()
        fail(command, scrub(message, settings.secrets()), code)


def explain(error: Exception, settings: Settings) -> tuple[ExitCode, str]:
    """What went wrong, for a person, and the exit code it means."""
    if isinstance(error, SnapshotInvalid):
        report = error.report.to_markdown()
        return ExitCode.FAILED_ROWS, f"the snapshot failed validation; nothing published.\n{report}"
    if isinstance(error, AuthError):
        return ExitCode.BAD_INPUT, (
            f"{settings.api_url} refused the credential ({error.message}). Check CAL_API_KEY "
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
            f"cannot reach the API at {settings.api_url} ({error.message}). Check CAL_API_URL "
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
    """A failed flow is reported once, by :func:`run_flow`: the run loggers' error records
    (tracebacks, "Finished in state Failed", "Crash detected") stay off the terminal. They
    still reach the Prefect API, so a Prefect server keeps them."""

    def filter(self, record: logging.LogRecord) -> bool:
        run_logger = record.name.startswith(("prefect.flow_runs", "prefect.task_runs"))
        return not (run_logger and record.levelno >= logging.ERROR)


def keep_prefect_quiet() -> None:
    """No telemetry (it fails offline, with an error on the terminal) and no run tracebacks on
    the terminal (``CALBULK_DEBUG=1`` keeps them). A user's own PREFECT_* settings win."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if os.environ.get(DEBUG_VARIABLE):
        return
    from prefect.logging.handlers import PrefectConsoleHandler

    for handler in logging.getLogger().handlers:  # the terminal only, not a test's capture
        terminal = isinstance(handler, PrefectConsoleHandler)
        if terminal and not any(isinstance(f, _RunFailuresToTheCli) for f in handler.filters):
            handler.addFilter(_RunFailuresToTheCli())
