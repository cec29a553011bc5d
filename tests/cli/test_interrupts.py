"""Interrupted runs (issue 9): Ctrl-C or SIGTERM during an import's apply stops it cleanly with
a receipt of what was done and the same command resumes; an interrupt while reading exits
cleanly; SIGKILL of any run leaves no process of its session; the sandbox's temporary folder
goes on SIGTERM and its key files are owner-only."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import httpx
import polars as pl
import pytest

from tests.cli.conftest import CALBULK, base_env, requests_seen
from tests.conftest import free_port

ROWS = 60


def hires(tmp_path: Path) -> Path:
    path = tmp_path / "hires.csv"
    lines = [f"stop{n}@example.com,UTC" for n in range(ROWS)]
    path.write_text("email,time zone\n" + "\n".join(lines) + "\n")
    return path


def done_steps(journal: Path) -> int:
    if not journal.exists():
        return 0
    events = []
    for line in journal.read_text().splitlines():
        try:
            events.append(json.loads(line).get("event"))
        except json.JSONDecodeError:
            continue
    return events.count("done")


def start(env: dict, *args: str, cwd: Path) -> subprocess.Popen:
    """``calbulk ARGS`` in its own session (so its processes can be found by session id)."""
    return subprocess.Popen([CALBULK, *args], env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip


def wait_for(condition, what: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"exited before {what}: {process.communicate()}"
        assert time.monotonic() < deadline, f"no {what} in {timeout} s"
        time.sleep(0.1)


def session_processes(sid: int) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "pid=,sid=,args="], capture_output=True, text=True)
    rows = [line.split(None, 2) for line in listing.stdout.splitlines()]
    return [" ".join(row) for row in rows if len(row) >= 2 and row[1] == str(sid)]


def wait_session_gone(sid: int, timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := session_processes(sid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupted_apply_writes_the_receipt_and_the_same_command_resumes(
    env, sandbox, tmp_path, signum
):
    path = hires(tmp_path)
    command = ["import", str(path), "--rate-limit", "15", "--rate-window", "1"]
    journal = tmp_path / "hires.receipt.journal.jsonl"
    process = start(env, *command, cwd=tmp_path)
    wait_for(lambda: done_steps(journal) >= 5, "steps done", process)

    process.send_signal(signum)
    out, err = process.communicate(timeout=60)

    assert process.returncode == 130, out + err
    assert "Traceback" not in err and "calbulk bug" not in err + out
    assert f"to resume: calbulk {' '.join(command)}" in out
    assert "nothing was sent" not in err  # it was: the receipt says what
    receipt = pl.read_csv(tmp_path / "hires.receipt.csv", infer_schema=False)
    assert receipt.height == ROWS
    created = receipt.filter(pl.col("outcome") == "created")
    stopped = receipt.filter(pl.col("outcome") == "skipped")
    assert created.height >= 1 and stopped.height >= 1
    assert created.height + stopped.height == ROWS
    assert all("run the same command" in e for e in stopped["error"])
    in_flight = stopped.filter(pl.col("error").str.contains("may have landed", literal=True))

    again = subprocess.run([CALBULK, *command], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=300)  # fmt: skip

    assert again.returncode == 0, again.stdout + again.stderr
    final = pl.read_csv(tmp_path / "hires.receipt.csv", infer_schema=False)
    assert final["outcome"].to_list() == ["created"] * ROWS
    resumed = final.filter(pl.col("notes").str.contains("resumed", literal=True))
    # the first run's rows are marked as resumed, and so are those whose step was in flight
    assert set(created["email"]) <= set(resumed["email"])
    assert set(resumed["email"]) - set(created["email"]) <= set(in_flight["email"])
    listed = httpx.get(
        f"{sandbox.base_url}/v2/organizations/{sandbox.org_id}/users",
        params={"take": 1000},
        headers={"Authorization": f"Bearer {sandbox.api_key}"},
    ).json()["data"]
    emails = [u["email"] for u in listed if u["email"].startswith("stop")]
    assert sorted(emails) == sorted(f"stop{n}@example.com" for n in range(ROWS))  # each once


def test_interrupt_while_reading_exits_cleanly(env, sandbox, tmp_path):
    process = start(env, "export", "--out", str(tmp_path / "out"), "--rate-limit", "1",
                    "--rate-window", "30", cwd=tmp_path)  # fmt: skip
    wait_for(lambda: requests_seen(sandbox)["requests"] >= 1, "first request", process)

    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)

    assert process.returncode == 130, out + err
    assert "interrupted" in err
    assert "Traceback" not in err and "calbulk bug" not in err
    assert not list((tmp_path / "out").glob("*/*"))  # no snapshot, not even a partial one


def test_sigkill_of_an_import_leaves_no_process_of_its_session(env, tmp_path):
    path = hires(tmp_path)
    journal = tmp_path / "hires.receipt.journal.jsonl"
    process = start(env, "import", str(path), "--rate-limit", "10", "--rate-window", "1",
                    cwd=tmp_path)  # fmt: skip
    wait_for(lambda: done_steps(journal) >= 2, "steps done", process)

    process.kill()
    process.wait(timeout=30)

    assert wait_session_gone(process.pid) == []


@pytest.mark.slow
def test_sigkill_of_the_demo_takes_its_sandbox_down_too(tmp_path):
    env = base_env(tmp_path)
    process = start(env, "demo", "--out", str(tmp_path / "demo"), "--seed-users", "5",
                    cwd=Path(__file__).resolve().parents[2])  # fmt: skip
    wait_for(lambda: list((tmp_path / "demo").glob("*/sandbox-info.json")), "sandbox", process)
    assert len(session_processes(process.pid)) >= 2  # calbulk and its sandbox

    process.kill()
    process.wait(timeout=30)

    assert wait_session_gone(process.pid) == []


def test_sandbox_serve_removes_its_temporary_folder_on_sigterm(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**base_env(tmp_path), "TMPDIR": str(scratch)}
    info = tmp_path / "info.json"
    db = tmp_path / "box.db"
    process = start(env, "sandbox", "serve", "--port", str(free_port()), "--seed-users", "2",
                    "--info-file", str(info), "--db", str(db), cwd=tmp_path)  # fmt: skip
    line = ""
    while not line.startswith("export CAL_API_KEY="):
        line = process.stdout.readline()
        assert line, process.communicate()
    assert [p.name[:16] for p in scratch.iterdir()] == ["calbulk-sandbox-"]
    assert info.stat().st_mode & 0o777 == 0o600 and db.stat().st_mode & 0o777 == 0o600

    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)

    assert list(scratch.iterdir()) == []
    assert wait_session_gone(process.pid) == []
