"""`calbulk demo` (placeholder until its flow lands)."""

from __future__ import annotations

import typer


def demo_command() -> None:
    """Not implemented yet."""
    typer.echo("calbulk demo: not implemented yet", err=True)
    raise typer.Exit(2)
