"""A server nobody answers on is a distinct error: nothing was sent, check CAL_API_URL."""

from __future__ import annotations

import pytest

from calapi import AmbiguousWrite, CalClient, ConnectFailed, RetryPolicy, Settings, TransportError
from tests.conftest import free_port


def dead_settings() -> Settings:
    url = f"http://127.0.0.1:{free_port()}"  # bound and released: nothing listens there
    return Settings(
        api_url=url, api_key="cal_" + "0" * 32, org_id=1, retry=RetryPolicy(base_delay=0.01)
    )


async def test_refused_connection_raises_connect_failed_for_reads_and_writes() -> None:
    async with CalClient(dead_settings()) as cal:
        with pytest.raises(ConnectFailed) as read_error:
            await cal.list_users()
        with pytest.raises(ConnectFailed) as write_error:
            await cal.create_user(email="nobody@example.com")
    assert isinstance(read_error.value, TransportError)
    assert not isinstance(write_error.value, AmbiguousWrite)  # never reached the server
    assert "cal_" not in str(read_error.value) + str(write_error.value)
