"""`calbulk backup` in-process (no Prefect server): the first backup says there is nothing to
compare with and writes no changes.*; the next one compares with it, writes the change report
into its own folder and applies retention; bad options exit 2 and send nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.prefect.org_changes import assert_exactly, assert_no_changes, change_org

CALBULK = str(Path(sys.executable).parent / "calbulk")
CHANGE_FILES = ("changes.json", "changes.md", "changes.xlsx")


def _env(box, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAL_", "PREFECT_API"))}
    env.update({"CAL_API_URL": box.base_url, "CAL_API_KEY": box.api_key, "PREFECT_HOME":
                str(tmp_path / "prefect"), "CAL_ORG_ID": str(box.org_id),
                "CAL_RATE_LIMIT": "100000"})  # fmt: skip
    return env


def backup(env: dict, out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CALBULK, "backup", "--out", str(out), *args], env=env, text=True,
                          capture_output=True, timeout=300, cwd=out.parent)  # fmt: skip


def snapshot_folder(done: subprocess.CompletedProcess) -> Path:
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("snapshot: "))
    return Path(line.removeprefix("snapshot: "))


@pytest.mark.slow
def test_first_backup_then_changes_then_retention(start_sandbox, tmp_path: Path) -> None:
    box = start_sandbox(seed_users=6, seed=4, rate_limit=100000)
    env, out = _env(box, tmp_path), tmp_path / "backups"

    first = backup(env, out)
    first_folder = snapshot_folder(first)
    assert first_folder.parent == out / str(box.org_id)
    assert "first backup of this organization: nothing to compare with" in first.stdout
    assert (first_folder / "manifest.json").is_file()
    assert not [name for name in CHANGE_FILES if (first_folder / name).exists()]

    second = backup(env, out)
    second_folder = snapshot_folder(second)
    assert f"compared with {first_folder.name}: no changes" in second.stdout
    assert_no_changes(json.loads((second_folder / "changes.json").read_text()))
    # retention ran after the comparison: two snapshots of one day, the newest is kept
    assert f"delete  {first_folder.name}" in second.stdout
    assert not first_folder.exists()

    expected = change_org(box)
    third = backup(env, out, "--format", "parquet,csv,xlsx")
    third_folder = snapshot_folder(third)
    for name in CHANGE_FILES:
        path = third_folder / name
        assert path.is_file() and path.stat().st_mode & 0o777 == 0o600, name
    changes = json.loads((third_folder / "changes.json").read_text())
    assert changes["old"] == str(second_folder) and changes["new"] == str(third_folder)
    assert_exactly(changes, expected)
    assert "new.joiner@example.com" in (third_folder / "changes.md").read_text()
    assert box.api_key not in third.stdout + third.stderr
    assert sorted(p.name for p in (out / str(box.org_id)).iterdir()) == [third_folder.name]
    table = next(x for x in third.stdout.splitlines() if x.strip().startswith("│ users"))
    assert table.split("│")[2].strip() == str(json.loads(
        (third_folder / "manifest.json").read_text())["tables"]["users"]["rows"])  # fmt: skip

    fourth = backup(env, out, "--json")
    assert fourth.returncode == 0, fourth.stderr
    outcome = json.loads(fourth.stdout)  # the whole of stdout is one JSON object
    fourth_folder = Path(outcome["folder"])
    manifest = json.loads((fourth_folder / "manifest.json").read_text())
    assert outcome["rows"] == {t: e["rows"] for t, e in manifest["tables"].items()}
    assert outcome["changes"]["previous"] == str(third_folder)
    assert outcome["changes"]["counts"] == json.loads(
        (fourth_folder / "changes.json").read_text())["counts"]  # fmt: skip
    assert sorted(outcome["changes"]["files"]) == sorted(
        str(fourth_folder / name) for name in CHANGE_FILES)  # fmt: skip
    assert outcome["retention"]["kept"] == [fourth_folder.name]
    assert outcome["retention"]["deleted"] == [third_folder.name] and not third_folder.exists()
    assert outcome["exit_code"] == 0


def test_bad_options_exit_2_and_send_nothing(start_sandbox, tmp_path: Path) -> None:
    box = start_sandbox(seed_users=2, seed=1, rate_limit=100000)
    env, out = _env(box, tmp_path), tmp_path / "backups"
    cases = [
        (["--format", "csv"], "has no parquet; a backup needs parquet"),
        (["--format", "parquet,pdf"], "unknown format pdf"),
        (["--keep-daily", "-1"], "--keep-daily is -1"),
    ]
    for args, message in cases:
        done = backup(env, out, *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert message in done.stderr, (args, done.stderr)
    assert httpx.get(f"{box.base_url}/_sandbox/stats", timeout=10).json()["requests"] == 0
    assert not out.exists()
