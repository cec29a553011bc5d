"""`calbulk sandbox serve`: run the local Cal.com API v2 emulator (same options as
``python -m sandbox serve``; both call ``sandbox.serve``).

Once it listens, it also prints the environment lines that point calbulk at it (no
CAL_RATE_LIMIT: calbulk learns the sandbox's limits, window and named limits, from its
rate-limit headers, as it does the real API's); with ``--json``, one JSON object instead (everything
the sandbox itself prints goes to stderr). Files holding its keys (the info file, the
database) are made owner-only; the temporary folder goes on Ctrl-C and on SIGTERM alike
(`flows.cli.main` turns SIGTERM into the same clean stop). The sandbox package is imported
when the command runs, not for ``--help``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import TextIO

import typer

from flows.cli.common import fail, json_option

app = typer.Typer(
    help="The local Cal.com API v2 emulator (no account needed).", no_args_is_help=True
)
# sandbox.SandboxOptions()'s defaults, here so `--help` loads no server (a test compares them)
DEFAULTS = SimpleNamespace(host="127.0.0.1", port=8787, db=":memory:", seed_users=25, seed=1,
                           rate_limit=120, rate_window=60.0, faults="", key_limits="",
                           no_admin_api=False)  # fmt: skip
KEY_FILE_MODE = 0o600


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
    key_limits: str = typer.Option(
        DEFAULTS.key_limits,
        help="Named limits of every API key instead of the default, NAME=LIMIT/TTL[:BLOCK],"
        " comma-separated (e.g. short=10/1s,long=300/60s:120s; BLOCK defaults to TTL).",
    ),
    info_file: str | None = typer.Option(
        None, help="Write {base_url, org_id, api_keys, oauth_client} JSON here once serving."
    ),
    no_admin_api: bool = typer.Option(
        DEFAULTS.no_admin_api,
        "--no-admin-api",
        help="The org has no Admin API access: every org endpoint answers 403 "
        "(IsAdminAPIEnabledGuard), as on a Cal.com plan without it.",
    ),
    as_json: bool = json_option(),
) -> None:
    """Serve the sandbox until stopped; prints its keys and the CAL_* lines to paste."""
    from sandbox import (
        FaultSpecError,
        KeyLimitSpecError,
        SandboxOptions,
        parse_faults,
        parse_key_limits,
        serve,
    )

    try:
        parse_faults(faults)
    except FaultSpecError as exc:
        fail("sandbox serve", f"--faults: {exc}")
    try:
        parse_key_limits(key_limits)
    except KeyLimitSpecError as exc:
        fail("sandbox serve", f"--key-limits: {exc}")
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
            key_limits=key_limits,
            info_file=str(info_path),
            no_admin_api=no_admin_api,
        )
        keys = [info_path] + ([Path(db)] if db != ":memory:" else [])
        announcer = threading.Thread(
            target=_announce_environment,
            args=(info_path, time.time(), keys, as_json, sys.stdout),
            daemon=True,
        )
        announcer.start()
        quiet = contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext()
        with quiet:
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


def environment_lines(info: dict) -> list[str]:
    """The lines a user pastes into a shell (or a ``.env``) to use this sandbox."""
    return [
        "Point calbulk at this sandbox (paste into your shell, or into .env):",
        f"export CAL_API_URL={info['base_url']}",
        f"export CAL_API_KEY={info['api_keys']['owner']}",
        f"export CAL_ORG_ID={info['org_id']}",
    ]


def _announce_environment(
    info_path: Path,
    started: float,
    key_files: list[Path],
    as_json: bool,
    stdout: TextIO,
) -> None:
    """Wait for the sandbox's info file (written once it listens), make the files holding
    its keys owner-only, then print the lines (or the JSON object)."""
    while True:
        try:
            if info_path.stat().st_mtime >= started - 1:
                info = json.loads(info_path.read_text(encoding="utf-8"))
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    for path in key_files:
        with contextlib.suppress(OSError):
            os.chmod(path, KEY_FILE_MODE)
    lines = environment_lines(info)
    if as_json:
        exports = [line.removeprefix("export ") for line in lines if line.startswith("export ")]
        outcome = {
            "command": "sandbox serve",
            "base_url": info["base_url"],
            "org_id": info["org_id"],
            "environment": dict(e.split("=", 1) for e in exports),
        }
        stdout.write(json.dumps(outcome) + "\n")
        stdout.flush()
        return
    print("\n".join(lines), flush=True)
