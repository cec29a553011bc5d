"""`calbulk template` (placeholder until its flow lands)."""

from __future__ import annotations

import typer


def template_command() -> None:
    """Not implemented yet."""
    typer.echo("calbulk template: not implemented yet", err=True)
    raise typer.Exit(2)
