"""Issue 12, "one key, many runs", end to end without a Prefect server: an import and a
backup started together on one key (two real `calbulk` processes, one sandbox with a
compressed limit) share the key's budget through the lock file in the data folder.

The sandbox's own counters judge: no 429, and over the time both ran, the two together
sent at least 85% of what the key allows. The backup's snapshot is valid although the
import created users and team memberships while it listed.
"""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from flows.export.snapshot import read_manifest
from tests.cli.conftest import CALBULK, base_env

pytestmark = pytest.mark.slow

LIMIT, WINDOW = 10, 2  # the key's limit, compressed: 10 requests per 2 s window


def stats(box) -> dict:
    return httpx.get(f"{box.base_url}/_sandbox/stats", timeout=10).json()


def hires_csv(box, path: Path, rows: int) -> Path:
    """New users, each joining one of the org's teams (read from the sandbox's database, so
    no request is spent on it)."""
    with sqlite3.connect(box.db_path) as db:
        teams = [n for (n,) in db.execute("SELECT name FROM teams WHERE is_organization = 0")]
    lines = ["email,name,time zone,teams"]
    lines += [f"hire{i}@example.com,New Hire {i},Europe/Oslo,{teams[i % len(teams)]}"
              for i in range(rows)]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def start(env: dict, cwd: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([CALBULK, *args], env=env, cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def run_together(box, env: dict, tmp_path: Path, rows: int):
    """Start the import and the backup at once; returns both outcomes and the sandbox's
    counters when the first of them ended (the end of the overlap)."""
    csv = hires_csv(box, tmp_path / "hires.csv", rows)
    backups = str(tmp_path / "backups")
    runs = {"import": start(env, tmp_path, "import", str(csv)),
            "backup": start(env, tmp_path, "backup", "--out", backups)}  # fmt: skip
    overlap = None
    deadline = time.monotonic() + 240
    while any(p.poll() is None for p in runs.values()) and time.monotonic() < deadline:
        if overlap is None and any(p.poll() is not None for p in runs.values()):
            overlap = stats(box)
        time.sleep(0.05)
    outcomes = {}
    for name, proc in runs.items():
        if proc.poll() is None:
            proc.kill()
        out, err = proc.communicate(timeout=30)
        outcomes[name] = (proc.returncode, out, err)
    return outcomes, overlap


def test_an_import_and_a_backup_on_one_key_share_its_budget(start_sandbox, tmp_path):
    box = start_sandbox(seed_users=8, seed=6, rate_limit=LIMIT, rate_window=WINDOW)
    env = {
        **base_env(tmp_path),
        "CAL_API_URL": box.base_url,
        "CAL_API_KEY": box.api_key,
        "CAL_ORG_ID": str(box.org_id),
    }  # fmt: skip  (no CAL_RATE_LIMIT: headers say it)
    env.pop("PREFECT_API_URL", None)

    outcomes, overlap = run_together(box, env, tmp_path, rows=40)

    for name, (code, out, err) in outcomes.items():
        assert code == 0, f"{name} exited {code}:\n{out[-2000:]}\n{err[-2000:]}"
    seen = stats(box)
    assert seen["rate_limited"] == 0, seen
    assert seen["by_status"].get("201", 0) >= 40  # every hire created
    # the backup's snapshot was validated and published, reconciled or not
    lines = outcomes["backup"][1].splitlines()
    folder = Path(next(x.removeprefix("snapshot: ") for x in lines if x.startswith("snapshot: ")))
    manifest = read_manifest(folder)
    assert isinstance(manifest["reconciled"], list)
    # over the overlap both runs sent; together they used the key's budget
    used = overlap["requests"] / (overlap["busy_seconds"] / WINDOW * LIMIT)
    print(
        f"overlap: {overlap['requests']} requests in {overlap['busy_seconds']} s = "
        f"{used:.0%} of {LIMIT}/{WINDOW}s; whole run: {seen}"
    )
    assert overlap["busy_seconds"] >= 2 * WINDOW  # a real overlap, several windows long
    assert overlap["requests"] > manifest["requests_total"]  # the import sent meanwhile
    assert used >= 0.85, f"{used:.0%} of the key's budget over the overlap"
