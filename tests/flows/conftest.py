"""The pipelines are tested in-process (tests/flows/pipelines.py), with no Prefect server; the
one test of the flows under Prefect uses a real `prefect server start` (tests/cli/
test_on_prefect.py). ``prefect_harness`` stays for a test that needs Prefect's ephemeral
server: it costs a server start per session, so use it only where a flow run is the point."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect API server and database for the whole test session."""
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def sandbox_org(start_sandbox, monkeypatch) -> Callable[..., object]:
    """``sandbox_org(seed_users=8, seed=11)``: a sandbox process with a limit that never bites,
    and CAL_* pointed at it as a user would set them (the pipelines read them)."""

    def _start(**options: object) -> object:
        box = start_sandbox(**{"rate_limit": 100000, **options})
        monkeypatch.setenv("CAL_API_URL", box.base_url)
        monkeypatch.setenv("CAL_API_KEY", box.api_key)
        monkeypatch.setenv("CAL_ORG_ID", str(box.org_id))
        monkeypatch.setenv("CAL_RATE_LIMIT", "100000")  # the sandbox's limit
        return box

    return _start
