"""`calbulk sandbox serve`: run the local Cal.com API v2 emulator (same options as
``python -m sandbox serve``; both call ``sandbox.serve``).

Once it listens, it also prints the environment lines that point calbulk at it, with a
CAL_RATE_LIMIT that keeps the client under the sandbox's own limit (the client otherwise
assumes the real API's 120 per minute).
"""

from __future__ import annotations

import errno
import json
import math
import socket
import tempfile
import threading
import time
from pathlib import Path

import typer

from flows.cli.common import fail
from sandbox import FaultSpecError, SandboxOptions, parse_faults, serve

app = typer.Typer(
    help="The local Cal.com API v2 emulator (no account needed).", no_args_is_help=True
)
DEFAULTS = SandboxOptions()
CLIENT_WINDOW = 60.0  # CAL_RATE_LIMIT counts requests per minute


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
    no_admin_api: bool = typer.Option(
        False,
        "--no-admin-api",
        help="The org has no Admin API access: every org endpoint answers 403 "
        "(IsAdminAPIEnabledGuard), as on a Cal.com plan without it.",
    ),
) -> None:
    """Serve the sandbox until stopped; prints its keys and the CAL_* lines to paste."""
    try:
        parse_faults(faults)
    except FaultSpecError as exc:
        fail("sandbox serve", f"--faults: {exc}")
    if rate_limit < 1 or rate_window <= 0:
        fail("sandbox serve", "--rate-limit must be at least 1 and --rate-window above 0")
    check_port_free(host, port)
    with tempfile.TemporaryDirectory(prefix="calbulk-sandbox-") as scratch:
        info_path = Path(info_file) if info_file else Path(scratch) / "info.json"
        options = SandboxOptions(
            host=host,
            port=port,
            db=db,
            seed_users=seed_users,
            seed=seed,
            rate_limit=rate_limit,
            rate_window=rate_window,
            faults=faults,
            info_file=str(info_path),
            no_admin_api=no_admin_api,
        )
        announcer = threading.Thread(
            target=_announce_environment,
            args=(info_path, time.time(), rate_limit, rate_window),
            daemon=True,
        )
        announcer.start()
        code = serve(options)
    raise typer.Exit(code)


def check_port_free(host: str, port: int) -> None:
    """Fail with a message (exit 2) when something already listens on host:port; uvicorn
    itself would exit 3 with a traceback."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            fail("sandbox serve", f"{host}:{port} is already in use; pick another --port")
        fail("sandbox serve", f"cannot listen on {host}:{port} ({error.strerror}); check --host")


def client_rate_limit(rate_limit: int, rate_window: float) -> int:
    """The CAL_RATE_LIMIT (requests per minute, sliding) that never puts more than
    ``rate_limit`` requests in any ``rate_window`` seconds: a window up to a minute is inside
    one minute; a longer one spans ``ceil(window / 60)`` of them. 0 when no whole number of
    requests per minute is slow enough."""
    return rate_limit // math.ceil(rate_window / CLIENT_WINDOW)


def environment_lines(info: dict, rate_limit: int, rate_window: float) -> list[str]:
    """The lines a user pastes into a shell (or a ``.env``) to use this sandbox."""
    per_minute = client_rate_limit(rate_limit, rate_window)
    lines = [
        "Point calbulk at this sandbox (paste into your shell, or into .env):",
        f"export CAL_API_URL={info['base_url']}",
        f"export CAL_API_KEY={info['api_keys']['owner']}",
        f"export CAL_ORG_ID={info['org_id']}",
    ]
    if per_minute:
        lines.append(f"export CAL_RATE_LIMIT={per_minute}")
    if rate_window != CLIENT_WINDOW or not per_minute:
        lines.append(
            f"(the sandbox allows {rate_limit} requests per {rate_window:g} s; CAL_RATE_LIMIT is "
            f"per minute. For full speed: calbulk import FILE --rate-limit {rate_limit} "
            f"--rate-window {rate_window:g})"
        )
    return lines


def _announce_environment(info_path: Path, started: float, limit: int, window: float) -> None:
    """Wait for the sandbox's info file (written once it listens), then print the lines."""
    while True:
        try:
            if info_path.stat().st_mtime >= started - 1:
                info = json.loads(info_path.read_text(encoding="utf-8"))
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    print("\n".join(environment_lines(info, limit, window)), flush=True)
