"""calapi fixtures: clients bound to a real sandbox process, and its admin routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from calapi import CalClient, Settings
from tests.conftest import launch_sandbox


def settings_for(box, **overrides: object) -> Settings:
    """Settings that reach ``box`` with the owner's key and the sandbox's own limit and
    window (as a user sets CAL_RATE_LIMIT for their key); every field overridable."""
    limits = box.info.get("rate_limit") or {}
    values: dict[str, object] = {
        "api_url": box.base_url,
        "api_key": box.api_key,
        "org_id": box.org_id,
        "rate_limit": limits.get("api_key"),
        "rate_window": float(limits.get("window_seconds", 60.0)),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def writable_sandbox(tmp_path_factory: pytest.TempPathFactory):
    """A seeded sandbox of this test module's own, for tests that write (the session-wide
    ``shared_sandbox`` stays read-only for everyone else)."""
    box = launch_sandbox(
        tmp_path_factory.mktemp("calapi-sandbox"), seed_users=30, seed=7, rate_limit=100000
    )
    yield box
    box.stop()


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., CalClient]]:
    """Factory: ``make_client(box, rate_limit=20, rate_window=2)``; closed at teardown."""
    clients: list[CalClient] = []

    def _make(box, **overrides: object) -> CalClient:
        client = CalClient(settings_for(box, **overrides))
        clients.append(client)
        return client

    yield _make
    for client in clients:
        await client.aclose()


def set_faults(box, spec: str) -> None:
    """Change the sandbox's fault injection at runtime (``""`` turns faults off)."""
    response = httpx.put(f"{box.base_url}/_sandbox/faults", json={"faults": spec}, timeout=10)
    response.raise_for_status()


def sandbox_stats(box) -> dict:
    """The sandbox's own count of /v2 traffic (requests, by_status, rate_limited)."""
    response = httpx.get(f"{box.base_url}/_sandbox/stats", timeout=10)
    response.raise_for_status()
    return response.json()
