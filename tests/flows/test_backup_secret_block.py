"""Where a worker's API key comes from: CAL_API_KEY, else the Prefect Secret block named by
CAL_API_KEY_BLOCK (on the run's Prefect server); a missing block is a clear ConfigError."""

from __future__ import annotations

import pytest
from prefect.blocks.system import Secret

from calapi import ConfigError
from flows.backup.flow import load_run_settings

KEY = "cal_" + "a1" * 16


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no developer .env
    for name in ("CAL_API_KEY", "CAL_CLIENT_ID", "CAL_SECRET_KEY", "CAL_API_KEY_BLOCK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CAL_API_URL", "http://127.0.0.1:9")
    return monkeypatch


async def test_the_key_comes_from_the_named_secret_block(prefect_harness, clean_env) -> None:
    await Secret(value=KEY).asave("calbulk-test-key", overwrite=True)
    clean_env.setenv("CAL_API_KEY_BLOCK", "calbulk-test-key")
    settings = await load_run_settings(7)
    assert (settings.api_key, settings.org_id) == (KEY, 7)
    assert KEY not in repr(settings)


async def test_the_environment_key_wins_over_the_block(prefect_harness, clean_env) -> None:
    clean_env.setenv("CAL_API_KEY", "cal_" + "b2" * 16)
    clean_env.setenv("CAL_API_KEY_BLOCK", "no-such-block")
    assert (await load_run_settings()).api_key == "cal_" + "b2" * 16


async def test_a_missing_block_says_which(prefect_harness, clean_env) -> None:
    clean_env.setenv("CAL_API_KEY_BLOCK", "no-such-block")
    with pytest.raises(ConfigError, match="Secret block 'no-such-block'"):
        await load_run_settings()
