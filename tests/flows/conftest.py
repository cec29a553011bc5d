"""The pipelines are tested in-process (tests/flows/pipelines.py), with no Prefect server; the
one test of the flows under Prefect uses a real `prefect server start` (tests/cli/
test_on_prefect.py). ``prefect_harness`` stays for a test that needs Prefect's ephemeral
server: it costs a server start per session, so use it only where a flow run is the point."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect API server and database for the whole test session."""
    with prefect_test_harness(server_startup_timeout=120):
        yield
