"""`calbulk sandbox serve`: run the local Cal.com API v2 emulator (same options as
``python -m sandbox serve``; both call ``sandbox.serve``)."""

from __future__ import annotations

import typer

from sandbox import FaultSpecError, SandboxOptions, parse_faults, serve

app = typer.Typer(
    help="The local Cal.com API v2 emulator (no account needed).", no_args_is_help=True
)
DEFAULTS = SandboxOptions()


@app.command("serve")
def serve_command(
    host: str = typer.Option(DEFAULTS.host, help="Interface to listen on."),
    port: int = typer.Option(DEFAULTS.port, help="TCP port."),
    db: str = typer.Option(
        DEFAULTS.db, help="SQLite file (an existing one is reused, not re-seeded) or :memory:."
    ),
    seed_users: int = typer.Option(
        DEFAULTS.seed_users, help="Users to seed besides the three key holders (new db only)."
    ),
    seed: int = typer.Option(DEFAULTS.seed, help="Seed of the fake org (deterministic)."),
    rate_limit: int = typer.Option(
        DEFAULTS.rate_limit, help="Requests per window per API key (OAuth clients x 500/120)."
    ),
    rate_window: float = typer.Option(
        DEFAULTS.rate_window, help="Rate-limit window and block duration, seconds."
    ),
    faults: str = typer.Option(DEFAULTS.faults, help="Fault spec, see sandbox/README.md."),
    info_file: str | None = typer.Option(
        None, help="Write {base_url, org_id, api_keys, oauth_client} JSON here once serving."
    ),
) -> None:
    """Serve the sandbox until stopped; prints the base URL, org id and the keys it accepts."""
    try:
        parse_faults(faults)
    except FaultSpecError as exc:
        typer.echo(f"--faults: {exc}", err=True)
        raise typer.Exit(2) from None
    options = SandboxOptions(
        host=host,
        port=port,
        db=db,
        seed_users=seed_users,
        seed=seed,
        rate_limit=rate_limit,
        rate_window=rate_window,
        faults=faults,
        info_file=info_file,
    )
    raise typer.Exit(serve(options))
