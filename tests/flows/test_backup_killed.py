"""A backup killed mid-export leaves every earlier snapshot intact: no file of them changes,
no half snapshot is published, and the next backup compares with the last complete one."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.flows.test_backup_cli import CALBULK, _env, backup, snapshot_folder

pytestmark = pytest.mark.slow


def fingerprint(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def requests_seen(box) -> int:
    return httpx.get(f"{box.base_url}/_sandbox/stats", timeout=10).json()["requests"]


def test_a_backup_killed_mid_export_leaves_earlier_snapshots_intact(
    start_sandbox, tmp_path: Path
) -> None:
    box = start_sandbox(seed_users=40, seed=3, rate_limit=100000)
    env, out = _env(box, tmp_path), tmp_path / "backups"
    org_dir = out / str(box.org_id)
    older = snapshot_folder(backup(env, out))
    older = older.rename(org_dir / "20200101T020000Z")  # an earlier day: retention keeps it
    newer = snapshot_folder(backup(env, out))
    assert sorted(p.name for p in org_dir.iterdir()) == sorted([older.name, newer.name])
    before = {folder.name: fingerprint(folder) for folder in (older, newer)}

    # a slow run (10 requests a minute), killed once it has started sending
    slow = {**env, "CAL_RATE_LIMIT": "10"}
    sent = requests_seen(box)
    process = subprocess.Popen([CALBULK, "backup", "--out", str(out)], env=slow, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while requests_seen(box) < sent + 2 and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            time.sleep(0.1)
        assert requests_seen(box) >= sent + 2, "the slow backup never started sending"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    published = sorted(p.name for p in org_dir.iterdir() if not p.name.startswith("."))
    assert published == sorted([older.name, newer.name])
    assert {name: fingerprint(org_dir / name) for name in published} == before

    # the next backup compares with the last complete snapshot and keeps the history
    after = backup(env, out)
    latest = snapshot_folder(after)
    changes = json.loads((latest / "changes.json").read_text())
    assert changes["old"] == str(newer)
    assert older.exists() and fingerprint(older) == before[older.name]
