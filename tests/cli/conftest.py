"""What the CLI tests share: run ``calbulk`` as a person does (a subprocess with its own
environment) against a real sandbox process, and read the sandbox's own request count."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

CALBULK = str(Path(sys.executable).parent / "calbulk")
REPO_ROOT = Path(__file__).resolve().parents[2]
CAL_VARIABLES = ("CAL_API_KEY", "CAL_CLIENT_ID", "CAL_SECRET_KEY", "CAL_API_URL", "CAL_ORG_ID",
                 "CAL_RATE_LIMIT")  # fmt: skip


def base_env(tmp_path: Path) -> dict[str, str]:
    """The process environment without any CAL_* of the developer's, a private Prefect home
    and a wide terminal (tables are not folded)."""
    env = {k: v for k, v in os.environ.items() if k not in CAL_VARIABLES}
    env.update({"PREFECT_HOME": str(tmp_path / "prefect"), "COLUMNS": "200"})
    return env


def calbulk(env: dict, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``calbulk ARGS`` as a subprocess; cwd defaults to a folder without a ``.env``."""
    return subprocess.run([CALBULK, *args], env=env, capture_output=True, text=True,
                          timeout=300, cwd=cwd or Path(env["PREFECT_HOME"]).parent)  # fmt: skip


def requests_seen(box) -> dict:
    """The sandbox's own count of /v2 requests: ``{requests, by_status, rate_limited, ...}``."""
    return httpx.get(f"{box.base_url}/_sandbox/stats", timeout=10).json()


@pytest.fixture
def sandbox(start_sandbox):
    """A small seeded org with a limit that never bites."""
    return start_sandbox(seed_users=6, seed=4, rate_limit=100000)


@pytest.fixture
def env(sandbox, tmp_path) -> dict[str, str]:
    """Everything calbulk needs to reach ``sandbox`` with the owner's key."""
    return {**base_env(tmp_path), "CAL_API_URL": sandbox.base_url, "CAL_API_KEY": sandbox.api_key,
            "CAL_ORG_ID": str(sandbox.org_id), "CAL_RATE_LIMIT": "100000"}  # fmt: skip
