"""Flow tests run against a real Prefect ephemeral server, started once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect API server and database for the whole test session."""
    with prefect_test_harness(server_startup_timeout=120):
        yield
