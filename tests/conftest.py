"""Fixtures shared by every test package.

The sandbox runs as a real process on loopback (``python -m sandbox serve``),
exactly as a user would run ``calbulk sandbox serve``; tests talk to it over
HTTP. ``start_sandbox(...)`` starts one with the options a test needs and stops
it at teardown.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = REPO_ROOT.parent / "shared" / "calcom" / "openapi.json"


def spec_path() -> Path:
    """Where the official Cal.com OpenAPI document is (override: CALBULK_OPENAPI)."""
    return Path(os.environ.get("CALBULK_OPENAPI", str(DEFAULT_SPEC)))


@pytest.fixture(scope="session")
def openapi_spec() -> dict:
    """The official Cal.com API v2 OpenAPI document, or a skip saying where it was looked for."""
    path = spec_path()
    if not path.is_file():
        pytest.skip(f"Cal.com OpenAPI document not found at {path} (set CALBULK_OPENAPI)")
    return json.loads(path.read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Sandbox:
    """A running sandbox process and how to reach it (from its --info-file)."""

    base_url: str
    org_id: int
    api_keys: dict[str, str]
    oauth_client: dict[str, str]
    db_path: Path
    process: subprocess.Popen
    log_path: Path
    info: dict = field(default_factory=dict)

    @property
    def api_key(self) -> str:
        """The org owner's API key."""
        return self.api_keys["owner"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def launch_sandbox(workdir: Path, *, startup_timeout: float = 120.0, **options: object) -> Sandbox:
    """Start ``python -m sandbox serve`` (``seed_users=5`` -> ``--seed-users 5``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    info_file = workdir / "sandbox-info.json"
    log_path = workdir / "sandbox.log"
    db_path = Path(str(options.pop("db", workdir / "sandbox.db")))
    port = free_port()
    args = [sys.executable, "-m", "sandbox", "serve", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--db", str(db_path), "--info-file", str(info_file)]
    for name, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + name.replace("_", "-")
        args += [flag] if value is True else [flag, str(value)]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    deadline = time.monotonic() + startup_timeout
    while not info_file.exists():
        if proc.poll() is not None:
            raise RuntimeError(f"sandbox exited with {proc.returncode}:\n{log_path.read_text()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(
                f"sandbox did not start in {startup_timeout}s:\n{log_path.read_text()}"
            )
        time.sleep(0.05)
    info = json.loads(info_file.read_text())
    return Sandbox(
        base_url=info["base_url"],
        org_id=int(info["org_id"]),
        api_keys=dict(info["api_keys"]),
        oauth_client=dict(info.get("oauth_client") or {}),
        db_path=db_path,
        process=proc,
        log_path=log_path,
        info=info,
    )


@pytest.fixture
def start_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Sandbox]]:
    """Factory: ``start_sandbox(seed_users=20, rate_limit=20, rate_window=2)`` -> Sandbox."""
    started: list[Sandbox] = []

    def _start(**options: object) -> Sandbox:
        box = launch_sandbox(tmp_path_factory.mktemp("sandbox"), **options)
        started.append(box)
        return box

    yield _start
    for box in started:
        box.stop()


@pytest.fixture(scope="session")
def shared_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One seeded sandbox for read-only tests, with a limit high enough never to bite."""
    box = launch_sandbox(
        tmp_path_factory.mktemp("shared-sandbox"), seed_users=30, seed=7, rate_limit=100000
    )
    yield box
    box.stop()


@pytest.fixture(scope="session")
def prefect_session_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One real ``prefect server start`` (loopback, SQLite in a temporary PREFECT_HOME) for the
    whole session, started by the first test that needs one (tests/prefect, tests/cli/
    test_on_prefect.py) and stopped with its whole process group at the session's end, also
    after a failure. Starting one costs tens of seconds on 2 cores; tests/prefect empties it
    for each module (``tests.prefect.conftest.prefect_server``)."""
    from tests.prefect.conftest import start_server, stop_group

    server = start_server(tmp_path_factory.mktemp("prefect-home"))
    try:
        yield server
    finally:
        stop_group(server.process)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests on the session's Prefect server run last, one after another (in their order):
    the server is started by the first of them and idles through no other test."""
    on_server = [item for item in items if "prefect_session_server" in item.fixturenames]
    if on_server:
        rest = [item for item in items if "prefect_session_server" not in item.fixturenames]
        items[:] = rest + on_server


@pytest.fixture(autouse=True)
def private_rate_budgets(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:
    """Runs on one key share a lock file (flows.budget); tests keep theirs out of data/."""
    folder = tmp_path_factory.mktemp("ratelimit")
    monkeypatch.setenv("CALBULK_RATELIMIT_DIR", str(folder))
