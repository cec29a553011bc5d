"""The Prefect flows still run the pipelines under Prefect: with PREFECT_API_URL set, the same
`calbulk` command runs as a flow run on a real `prefect server start` (loopback, its own
PREFECT_HOME), and the run and its artifact are on the server. The one place the suite pays
for a Prefect server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import CALBULK
from tests.conftest import free_port

PREFECT = str(Path(sys.executable).parent / "prefect")


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory) -> Iterator[str]:
    """``prefect server start`` on a free loopback port; yields its API URL; stopped (with its
    whole process group) at teardown."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_UI_ENABLED": "false"}  # fmt: skip
    env.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("wb")
    server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port",
                               str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, (home / "server.log").read_text()
            assert time.monotonic() < deadline, "prefect server did not start in 180 s"
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
        log.close()


def on_server(url: str, what: str, body: dict) -> list[dict]:
    response = httpx.post(f"{url}/{what}/filter", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def flow_runs(url: str, flow_name: str) -> list[dict]:
    [flow] = [f for f in on_server(url, "flows", {}) if f["name"] == flow_name]
    return [r for r in on_server(url, "flow_runs", {}) if r["flow_id"] == flow["id"]]


def artifact(url: str, key: str) -> str:
    body = {"artifacts": {"key": {"any_": [key]}}, "sort": "CREATED_DESC", "limit": 1}
    [found] = on_server(url, "artifacts", body)
    return found["data"]


@pytest.mark.slow
def test_with_prefect_api_url_the_command_is_a_flow_run_with_its_artifact(
    prefect_server, env, sandbox, tmp_path
):
    on_prefect = {**env, "PREFECT_API_URL": prefect_server}

    exported = subprocess.run([CALBULK, "export", "--out", str(tmp_path / "out"), "--json"],
                              env=on_prefect, cwd=tmp_path, capture_output=True, text=True,
                              timeout=300)  # fmt: skip

    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert exported.stderr.splitlines() == [f"running on Prefect at {prefect_server}"]
    folder = Path(json.loads(exported.stdout)["folder"])
    assert (folder / "users.parquet").exists()
    [run] = flow_runs(prefect_server, "export_org")
    assert run["state_type"] == "COMPLETED"
    users = json.loads((folder / "manifest.json").read_text())["tables"]["users"]["rows"]
    assert f"| users | {users} | 1 |" in artifact(prefect_server, f"export-org-{sandbox.org_id}")

    path = tmp_path / "hr.csv"
    path.write_text("email\npf1@example.com\npf2@example.com\n")
    command = [CALBULK, "import", str(path), "--kind", "users"]
    imported = subprocess.run(command, env=on_prefect, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "rows: 2 created" in imported.stdout
    [run] = flow_runs(prefect_server, "import_file")
    assert run["state_type"] == "COMPLETED"
    assert "| created | 2 |" in artifact(prefect_server, "import-file")
