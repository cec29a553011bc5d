"""Sandbox test fixtures: a writable sandbox per test module and httpx clients for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.conftest import Sandbox, launch_sandbox


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A sandbox this module may write to (seeded, limit high enough never to bite)."""
    sandbox = launch_sandbox(
        tmp_path_factory.mktemp("sandbox-rw"), seed_users=12, seed=3, rate_limit=1_000_000
    )
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def client_for(box: Sandbox) -> Iterator[Callable[[str], httpx.Client]]:
    """``client_for("owner" | "admin" | "member")`` -> an httpx client with that key."""
    clients: dict[str, httpx.Client] = {}

    def _client(role: str) -> httpx.Client:
        if role not in clients:
            clients[role] = httpx.Client(
                base_url=f"{box.base_url}/v2/organizations/{box.org_id}",
                headers={"Authorization": f"Bearer {box.api_keys[role]}"},
                timeout=10,
            )
        return clients[role]

    yield _client
    for client in clients.values():
        client.close()


@pytest.fixture(scope="module")
def owner(client_for: Callable[[str], httpx.Client]) -> httpx.Client:
    return client_for("owner")
