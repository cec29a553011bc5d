"""Real Prefect processes for deployment tests: `prefect server start` on a free loopback port
with SQLite in a temporary PREFECT_HOME, and `prefect worker start` processes. Every process
runs in its own session and is stopped (its whole process group) at teardown: the workers at
the end of their test, the server (one per test session, ``prefect_session_server`` in
tests/conftest.py) at the end of the session. Each module gets the server emptied."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT, free_port

BIN = Path(sys.executable).parent
PREFECT = str(BIN / "prefect")
CALBULK = str(BIN / "calbulk")
CAL_VARIABLES = ("CAL_API_KEY", "CAL_CLIENT_ID", "CAL_SECRET_KEY", "CAL_API_URL", "CAL_ORG_ID",
                 "CAL_RATE_LIMIT", "CAL_API_KEY_BLOCK")  # fmt: skip


def stop_group(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM the process's group, then SIGKILL whatever is left (even if the leader is
    gone: a server's or worker's children share its group)."""
    with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError):  # the group, even if the leader is gone
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=timeout)


@dataclass
class PrefectServer:
    api_url: str
    home: Path
    process: subprocess.Popen
    log_path: Path

    def env(self, **extra: str) -> dict[str, str]:
        """A client environment for this server: no CAL_* of the developer's."""
        env = {k: v for k, v in os.environ.items() if k not in CAL_VARIABLES}
        env.update({"PREFECT_API_URL": self.api_url, "PREFECT_HOME": str(self.home),
                    "COLUMNS": "250", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})  # fmt: skip
        env.update(extra)
        return env

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        """One API call; a 503 (the server's "SQLite is busy, try again", which Prefect's own
        client retries too) is tried again for up to 30 s."""
        deadline = time.monotonic() + 30
        while True:
            response = httpx.request(method, self.api_url + path, timeout=30, **kwargs)
            if response.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        response.raise_for_status()
        return response

    def run(self, *args: str, env: dict | None = None, cwd: Path | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess:  # fmt: skip
        """A command (``prefect ...``, ``calbulk ...``) as a person types it, against here."""
        exe = {"prefect": PREFECT, "calbulk": CALBULK}[args[0]]
        return subprocess.run([exe, *args[1:]], env=env or self.env(), capture_output=True,
                              text=True, timeout=timeout, cwd=cwd or self.home)  # fmt: skip


def start_server(
    home: Path, scheduler_seconds: float = 2, extra_env: dict[str, str] | None = None
) -> PrefectServer:
    """`prefect server start` on a free loopback port (``extra_env``: more of its settings,
    e.g. a database URL); returns once it answers /health."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in CAL_VARIABLES}
    env.pop("PREFECT_API_URL", None)
    env.update({
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": str(scheduler_seconds),
    })  # fmt: skip
    env.update(extra_env or {})
    log_path = home / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=home, start_new_session=True,
        )  # fmt: skip
    server = PrefectServer(f"http://127.0.0.1:{port}/api", home, process, log_path)
    deadline = time.monotonic() + 180
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(server.api_url + "/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop_group(process)
            raise RuntimeError(f"prefect server did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.5)


# What a module may leave on the session's server, emptied before the next module starts:
# (filter path, delete path template, key). Deleting a flow deletes its runs.
LEFTOVERS = (
    ("/deployments/filter", "/deployments/{}", "id"),  # first: the scheduler stops adding runs
    ("/flows/filter", "/flows/{}", "id"),
    ("/work_pools/filter", "/work_pools/{}", "name"),
    ("/v2/concurrency_limits/filter", "/v2/concurrency_limits/{}", "id"),
    ("/automations/filter", "/automations/{}", "id"),
    ("/block_documents/filter", "/block_documents/{}", "id"),
    ("/artifacts/filter", "/artifacts/{}", "id"),
    ("/variables/filter", "/variables/{}", "id"),
)


def clear_server(server: PrefectServer) -> None:
    """Empty the server as a fresh one is: no flows (so no runs or deployments), work pools,
    global concurrency limits, automations, blocks, artifacts or variables. A module then sees
    the server as it would see one of its own (the deployments of prefect.yaml have fixed
    names, and tests count the runs and limits there are), for a second instead of a start."""
    for find, delete, key in LEFTOVERS:
        for _ in range(100):  # pages of 200; a bound in case a delete does not take
            items = server.api("POST", find, json={"limit": 200}).json()
            if not items:
                break
            for item in items:
                try:
                    server.api("DELETE", delete.format(item[key]))
                except httpx.HTTPStatusError as exc:  # gone with something deleted before
                    if exc.response.status_code != 404:
                        raise
        else:
            raise AssertionError(f"could not empty {find} on the session's Prefect server")
    runs = server.api("POST", "/flow_runs/filter", json={"limit": 1}).json()
    assert runs == [], f"flow runs left after their flows were deleted: {runs}"


@pytest.fixture(scope="module")
def prefect_server(prefect_session_server: PrefectServer) -> PrefectServer:
    """The session's real `prefect server start` (tests/conftest.py), emptied for this
    module: one server start per session instead of one per module."""
    clear_server(prefect_session_server)
    return prefect_session_server


@pytest.fixture
def start_worker(prefect_server: PrefectServer, tmp_path: Path) -> Iterator[Callable]:
    """Factory: ``start_worker(env)`` runs ``prefect worker start --pool calbulk``."""
    started: list[subprocess.Popen] = []

    def _start(env: dict, pool: str = "calbulk") -> subprocess.Popen:
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", pool],
            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path, start_new_session=True,
        )  # fmt: skip
        log.close()
        started.append(process)
        return process

    yield _start
    for process in started:
        stop_group(process)


def flow_run_id(output: str) -> str:
    """The flow run id `prefect deployment run` prints (``UUID: ...``)."""
    match = re.search(r"UUID: ([0-9a-f-]{36})", output)
    assert match, output
    return match.group(1)


def wait_for_final_state(server: PrefectServer, run_id: str, timeout: float = 300) -> dict:
    """Poll the API until the flow run is in a final state; returns the flow run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = server.api("GET", f"/flow_runs/{run_id}").json()
        if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run
        time.sleep(0.5)
    raise AssertionError(f"flow run {run_id} not finished after {timeout}s: {run['state']}")


def artifacts_of(server: PrefectServer, run_id: str) -> list[dict]:
    body = {"artifacts": {"flow_run_id": {"any_": [run_id]}}}
    return server.api("POST", "/artifacts/filter", json=body).json()


__all__ = ["REPO_ROOT", "PrefectServer", "artifacts_of", "flow_run_id", "wait_for_final_state"]
