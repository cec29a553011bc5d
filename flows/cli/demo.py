"""`calbulk demo`: the whole story on a local sandbox, no account needed.

Starts a sandbox process with a seeded organization, exports it (the snapshot), imports the
example onboarding workbook from templates/ (40 hires with attributes, teams and out-of-office
entries), and prints where the snapshot, the plan and the receipt are. Everything is written
under ``data/demo/<UTC time>/``; the sandbox stops at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import typer

from flows.cli.common import ExitCode, fail, load_config, run_flow

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "templates" / "example_onboarding.xlsx"
DEMO_RATE_LIMIT = 3000  # per 60 s, the sandbox's and the client's: fast, and still a limit


def demo_command(
    out: Path = typer.Option(Path("data/demo"), "--out", help="Where the demo writes its files."),
    seed_users: int = typer.Option(50, "--seed-users", help="Members of the seeded org."),
) -> None:
    """Run the whole story on a local sandbox: seed, export, import an onboarding workbook."""
    folder = out / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=True)
    typer.echo(f"calbulk demo: working in {folder}")
    sandbox, info = start_sandbox(folder, seed_users)
    try:
        typer.echo(f"sandbox: {info['base_url']} (org {info['org_id']}, seeded {seed_users} users)")
        os.environ.update({
            "CAL_API_URL": info["base_url"],
            "CAL_API_KEY": info["api_keys"]["owner"],
            "CAL_ORG_ID": str(info["org_id"]),
            "CAL_RATE_LIMIT": str(DEMO_RATE_LIMIT),
        })  # fmt: skip
        snapshot, outcome = run_flow("demo", load_config("demo"), _story(folder))
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=20)
    typer.echo(f"snapshot (before the import): {snapshot}")
    typer.echo(f"imported:  {EXAMPLE.relative_to(REPO_ROOT)}")
    typer.echo(f"plan:      {outcome['plan']}")
    typer.echo(f"receipt:   {outcome['receipt']}")
    counts = ", ".join(f"{n} {k}" for k, n in (outcome.get("counts") or {}).items() if n)
    typer.echo(f"rows:      {counts or outcome.get('message')}")
    raise typer.Exit(outcome["exit_code"] or ExitCode.DONE)


async def _story(folder: Path) -> tuple[str, dict]:
    from flows.export.flow import export_org
    from flows.importer.flow import import_file

    snapshot = await export_org(out=str(folder / "exports"), format="parquet,csv,xlsx")
    workbook = folder / EXAMPLE.name  # a copy: the errors file goes next to the input
    shutil.copyfile(EXAMPLE, workbook)
    outcome = await import_file(file=str(workbook))
    return snapshot, outcome


def start_sandbox(folder: Path, seed_users: int) -> tuple[subprocess.Popen, dict]:
    """``python -m sandbox serve`` on a free port; returns the process and its info file."""
    info_file = folder / "sandbox-info.json"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable, "-m", "sandbox", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--db", str(folder / "sandbox.db"), "--info-file", str(info_file),
        "--seed-users", str(seed_users), "--rate-limit", str(DEMO_RATE_LIMIT),
    ]  # fmt: skip
    log = (folder / "sandbox.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    deadline = time.monotonic() + 120
    while not info_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            fail("demo", f"the sandbox did not start; see {folder / 'sandbox.log'}")
        time.sleep(0.1)
    return process, json.loads(info_file.read_text())
