"""`calbulk demo`: the whole story on a local sandbox, no account needed.

Starts a sandbox process with a seeded organization, exports it (the snapshot), imports the
example onboarding workbook from templates/ (40 hires with attributes, teams and out-of-office
entries), and prints where the snapshot, the plan and the receipt are. Everything is written
under ``data/demo/<UTC time>/``; the sandbox stops at the end, and dies with calbulk even if
calbulk is killed. The steps run in-process (or as Prefect flows with PREFECT_API_URL set).
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

from flows.cli.common import (
    ExitCode,
    Run,
    die_with_parent,
    json_option,
    on_prefect,
    run_pipeline,
    verbose_option,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "templates" / "example_onboarding.xlsx"
DEMO_RATE_LIMIT = 3000  # per 60 s, the sandbox's and the client's: fast, and still a limit


def demo_command(
    out: Path = typer.Option(Path("data/demo"), "--out", help="Where the demo writes its files."),
    seed_users: int = typer.Option(50, "--seed-users", help="Members of the seeded org."),
    as_json: bool = json_option(),
    verbose: bool = verbose_option(),
) -> None:
    """Run the whole story on a local sandbox: seed, export, import an onboarding workbook."""
    run = Run("demo", as_json=as_json, verbose=verbose)
    say = (lambda _text: None) if as_json else typer.echo
    folder = out / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    say(f"calbulk demo: working in {folder}")
    sandbox, info = start_sandbox(run, folder, seed_users)
    try:
        say(f"sandbox: {info['base_url']} (org {info['org_id']}, seeded {seed_users} users)")
        os.environ.update({
            "CAL_API_URL": info["base_url"],
            "CAL_API_KEY": info["api_keys"]["owner"],
            "CAL_ORG_ID": str(info["org_id"]),
            "CAL_RATE_LIMIT": str(DEMO_RATE_LIMIT),
        })  # fmt: skip
        run.load_config()
        snapshot, outcome = run_pipeline(run, lambda: _story(folder), lambda: _story(folder))
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=20)
    counts = ", ".join(f"{n} {k}" for k, n in (outcome.get("counts") or {}).items() if n)
    say(f"snapshot (before the import): {snapshot}")
    say(f"imported:  {EXAMPLE.relative_to(REPO_ROOT)}")
    say(f"plan:      {outcome['plan']}")
    say(f"receipt:   {outcome['receipt']}")
    say(f"rows:      {counts or outcome.get('message')}")
    result = {"folder": str(folder), "snapshot": snapshot, "plan": outcome["plan"],
              "receipt": outcome["receipt"], "counts": outcome.get("counts")}  # fmt: skip
    run.finish(result, ExitCode(outcome["exit_code"] or ExitCode.DONE))


async def _story(folder: Path) -> tuple[str, dict]:
    """Export, then import the example workbook: the pipelines, or their flows on Prefect."""
    workbook = folder / EXAMPLE.name  # a copy: the import writes its reports next to it
    shutil.copyfile(EXAMPLE, workbook)
    if on_prefect():
        from flows.export.flow import export_org
        from flows.importer.flow import import_file

        snapshot = await export_org(out=str(folder / "exports"), format="parquet,csv,xlsx")
        return snapshot, await import_file(file=str(workbook))
    from flows.config import load_settings
    from flows.export.pipeline import export_snapshot
    from flows.importer.pipeline import import_spreadsheet

    settings = load_settings()
    result = await export_snapshot(settings, out=folder / "exports", formats="parquet,csv,xlsx")
    outcome = await import_spreadsheet(settings, workbook)
    return str(result.folder), outcome.to_dict()


def start_sandbox(run: Run, folder: Path, seed_users: int) -> tuple[subprocess.Popen, dict]:
    """``python -m sandbox serve`` on a free port, dying with calbulk; returns the process and
    its info (the info file and the database hold keys: owner-only)."""
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
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
                               preexec_fn=die_with_parent)  # fmt: skip
    deadline = time.monotonic() + 120
    try:
        while not info_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                run.fail(f"the sandbox did not start; see {folder / 'sandbox.log'}")
            time.sleep(0.1)
    except KeyboardInterrupt:
        process.terminate()
        process.wait(timeout=20)
        raise
    for path in (info_file, folder / "sandbox.db"):
        path.chmod(0o600)
    return process, json.loads(info_file.read_text())
