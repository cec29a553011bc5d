"""`calbulk sandbox serve` prints the CAL_* lines that point calbulk at it, and they work as
pasted: in a shell and in a .env file; the sandbox never answers 429 (calbulk learns its
limit from the headers, so no CAL_RATE_LIMIT is printed)."""

from __future__ import annotations

import subprocess
import time

import httpx
import openpyxl
import pytest

from flows.cli.sandbox import environment_lines
from tests.cli.conftest import CALBULK, base_env, calbulk
from tests.conftest import free_port

INFO = {"base_url": "http://127.0.0.1:8787", "org_id": 101, "api_keys": {"owner": "cal_x"}}


def serve(tmp_path, *args: str) -> tuple[subprocess.Popen, list[str]]:
    """Start ``calbulk sandbox serve ARGS``; return it and its lines up to CAL_ORG_ID."""
    command = [CALBULK, "sandbox", "serve", "--port", str(free_port()), "--seed-users", "3", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=base_env(tmp_path))  # fmt: skip
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("export CAL_ORG_ID="):
            return process, lines
    process.kill()
    raise AssertionError("no CAL_ORG_ID line:\n" + "\n".join(lines))


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture
def served(tmp_path):
    process, lines = serve(tmp_path, "--rate-limit", "40", "--rate-window", "90")
    yield lines
    stop(process)


def test_it_prints_every_variable_calbulk_needs(served):
    exported = dict(line.removeprefix("export ").split("=", 1) for line in served
                    if line.startswith("export CAL_"))  # fmt: skip
    assert set(exported) == {"CAL_API_URL", "CAL_API_KEY", "CAL_ORG_ID"}
    info = httpx.get(f"{exported['CAL_API_URL']}/_sandbox/info", timeout=10).json()
    assert exported["CAL_API_KEY"] == info["api_keys"]["owner"]
    assert exported["CAL_ORG_ID"] == str(info["org_id"])


@pytest.mark.slow
def test_the_lines_work_pasted_into_a_shell_and_into_dotenv(served, tmp_path):
    lines = [line for line in served if line.startswith("export CAL_")]
    url = lines[0].split("=", 1)[1]
    shell = tmp_path / "shell"
    shell.mkdir()
    script = "\n".join([*lines, f'"{CALBULK}" template --out users.xlsx'])
    pasted = subprocess.run(["bash", "-c", script], cwd=shell, env=base_env(tmp_path),
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    dotenv = tmp_path / "dotenv"
    dotenv.mkdir()
    (dotenv / ".env").write_text("\n".join(lines) + "\n")
    from_file = calbulk(base_env(tmp_path), "template", "--out", "users.xlsx", cwd=dotenv)

    for done, folder in ((pasted, shell), (from_file, dotenv)):
        assert done.returncode == 0, done.stdout + done.stderr
        headers = [c.value for c in openpyxl.load_workbook(folder / "users.xlsx")["users"][1]]
        assert "email" in headers
    stats = httpx.get(f"{url}/_sandbox/stats", timeout=10).json()
    assert stats["requests"] > 0 and stats["rate_limited"] == 0


def test_the_printed_lines_need_no_rate_limit():
    lines = environment_lines(INFO)
    assert lines[1:] == ["export CAL_API_URL=http://127.0.0.1:8787", "export CAL_API_KEY=cal_x",
                         "export CAL_ORG_ID=101"]  # fmt: skip


def test_a_busy_port_exits_2_with_a_message(tmp_path):
    process, lines = serve(tmp_path)
    try:
        port = lines[0].rsplit(":", 1)[1]
        done = calbulk(base_env(tmp_path), "sandbox", "serve", "--port", port)
    finally:
        stop(process)
    assert done.returncode == 2
    assert done.stderr.strip() == f"calbulk sandbox serve: 127.0.0.1:{port} is already in use; " \
                                  "pick another --port"  # fmt: skip
