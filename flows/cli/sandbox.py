"""`calbulk sandbox ...`: run the local Cal.com API v2 emulator."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="The local Cal.com API v2 emulator (no account needed).", no_args_is_help=True
)


@app.command("serve")
def serve() -> None:
    """Serve the sandbox until stopped (placeholder until sandbox/ lands)."""
    raise typer.Exit(2)
