"""The `calbulk` command line: a thin shell over the flows.

Each command group lives in its own module and registers itself on `app`;
`common` is the one place where library errors become clean messages and
exit codes (0 done, 1 finished with failed rows, 2 bad input or config).
"""

from __future__ import annotations

import typer

from flows.cli import sandbox as _sandbox

app = typer.Typer(
    name="calbulk",
    help="Bulk import/export for Cal.com organizations (API v2).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(_sandbox.app, name="sandbox")


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
