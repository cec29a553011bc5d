"""The Prefect flows still run the pipelines under Prefect: with PREFECT_API_URL set, the same
`calbulk` command runs as a flow run on a real `prefect server start` (loopback, its own
PREFECT_HOME; the session's one, ``prefect_session_server`` in tests/conftest.py, shared with
tests/prefect), and the run and its artifact are on the server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import CALBULK


def on_server(url: str, what: str, body: dict) -> list[dict]:
    response = httpx.post(f"{url}/{what}/filter", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def flow_runs(url: str, flow_name: str, folder: Path) -> list[dict]:
    """The runs of ``flow_name`` whose parameters name a path in ``folder`` (this test's: the
    server is the session's, other tests' runs are on it too)."""
    body = {"flows": {"name": {"any_": [flow_name]}}, "limit": 200}
    return [r for r in on_server(url, "flow_runs", body)
            if str(folder) in json.dumps(r["parameters"])]  # fmt: skip


def artifact(url: str, run_id: str, key: str) -> str:
    body = {"artifacts": {"key": {"any_": [key]}, "flow_run_id": {"any_": [run_id]}}}
    [found] = on_server(url, "artifacts", body)
    return found["data"]


@pytest.mark.slow
def test_with_prefect_api_url_the_command_is_a_flow_run_with_its_artifact(
    prefect_session_server, env, sandbox, tmp_path
):
    url = prefect_session_server.api_url
    on_prefect = {**env, "PREFECT_API_URL": url}

    exported = subprocess.run([CALBULK, "export", "--out", str(tmp_path / "out"), "--json"],
                              env=on_prefect, cwd=tmp_path, capture_output=True, text=True,
                              timeout=300)  # fmt: skip

    assert exported.returncode == 0, exported.stdout + exported.stderr
    assert exported.stderr.splitlines() == [f"running on Prefect at {url}"]
    folder = Path(json.loads(exported.stdout)["folder"])
    assert (folder / "users.parquet").exists()
    [run] = flow_runs(url, "export_org", tmp_path)
    assert run["state_type"] == "COMPLETED"
    users = json.loads((folder / "manifest.json").read_text())["tables"]["users"]["rows"]
    assert f"| users | {users} | 1 |" in artifact(url, run["id"], f"export-org-{sandbox.org_id}")

    path = tmp_path / "hr.csv"
    path.write_text("email\npf1@example.com\npf2@example.com\n")
    command = [CALBULK, "import", str(path), "--kind", "users"]
    imported = subprocess.run(command, env=on_prefect, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "rows: 2 created" in imported.stdout
    [run] = flow_runs(url, "import_file", tmp_path)
    assert run["state_type"] == "COMPLETED"
    assert "| created | 2 |" in artifact(url, run["id"], "import-file")
