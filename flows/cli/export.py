"""`calbulk export` (placeholder until its flow lands)."""

from __future__ import annotations

import typer


def export_command() -> None:
    """Not implemented yet."""
    typer.echo("calbulk export: not implemented yet", err=True)
    raise typer.Exit(2)
