"""The `calbulk` command line: a thin shell over the pipelines.

Each command lives in its own module, registered in `flows.cli.commands`; `common` is the one
place where library errors become clean messages and exit codes (0 done, 1 finished with
failed rows, 2 bad input or config, 130 interrupted). Command modules import only typer and light
constants at the top, so ``calbulk --help`` answers at once; a command imports what it needs
(calapi, polars, the pipelines; Prefect only with PREFECT_API_URL) when it runs.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

INTERRUPTED = 130


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Console-script entry point: Ctrl-C or SIGTERM at any moment, even while the commands
    load, ends in a clean exit 130 (SIGTERM behaves like Ctrl-C, so clean-ups run)."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        from flows.cli.commands import app

        app()
    except KeyboardInterrupt:
        _say_interrupted()
        sys.exit(INTERRUPTED)
    except SystemExit as done:  # typer turns an interrupt while a command starts into exit 130
        if done.code == INTERRUPTED:
            _say_interrupted()
        raise


def _say_interrupted() -> None:
    common = sys.modules.get("flows.cli.common")
    if not getattr(common, "said_why", False):
        sys.stderr.write("calbulk: interrupted; nothing was sent\n")


def __getattr__(name: str) -> Any:
    if name == "app":  # `from flows.cli import app` (tests, other tools) loads the commands
        from flows.cli.commands import app

        return app
    raise AttributeError(name)


__all__ = ["app", "main"]
