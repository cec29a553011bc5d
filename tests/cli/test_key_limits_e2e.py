"""Issue 8 §3 / issue 13, end to end: `calbulk export` and `calbulk import` as a person runs
them (subprocesses, CAL_* in the environment, no CAL_RATE_LIMIT) against a sandbox whose
keys have named limits or a raised one. calbulk learns the limits from the headers alone.

Windows are compressed with ``--rate-window`` (every ttl and block scales by S / 60) so the
runs take a minute or two, not many; the sandbox's own counters say how many 429s it gave
and at what rate it was used.
"""

from __future__ import annotations

import math

import pytest

from tests.cli.conftest import base_env, calbulk, requests_seen

pytestmark = pytest.mark.slow


def users_csv(path, rows: int):
    lines = ["email,name,time zone"]
    lines += [f"hire{i}@example.com,New Hire {i},Europe/Oslo" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def environment(box, tmp_path) -> dict[str, str]:
    env = base_env(tmp_path)  # no CAL_RATE_LIMIT: the headers say the limits
    env.update({"CAL_API_URL": box.base_url, "CAL_API_KEY": box.api_key,
                "CAL_ORG_ID": str(box.org_id),
                # the machine is shared: give the temporary Prefect server time to start
                "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"})  # fmt: skip
    return env


def test_named_short_and_long_limits_cost_no_429(start_sandbox, tmp_path):
    # short=5/1s and long=100/60s, both at half scale: 5 per 0.5 s and 100 per 30 s
    box = start_sandbox(seed_users=20, seed=3, rate_window=30,
                        key_limits="short=5/1s,long=100/60s:60s")  # fmt: skip
    env = environment(box, tmp_path)

    exported = calbulk(env, "export", "--out", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stdout[-2000:] + exported.stderr[-2000:]
    imported = calbulk(env, "import", str(users_csv(tmp_path / "hires.csv", 300)))
    assert imported.returncode == 0, imported.stdout[-2000:] + imported.stderr[-2000:]

    seen = requests_seen(box)
    assert seen["by_status"].get("201") == 300  # every row created
    assert seen["rate_limited"] == 0
    # long binds (100 per 30 s): each run used as few of its windows as it could (the
    # export's 17 or so requests have a window of their own: Prefect starts in between)
    assert seen["windows_opened"]["long"] <= math.ceil(seen["requests"] / 100) + 1


def test_a_raised_limit_is_used_without_configuration(start_sandbox, tmp_path):
    # a raised key, 600 per minute, at half scale (600 per 30 s); calbulk is not told
    box = start_sandbox(seed_users=20, seed=4, rate_window=30, key_limits="default=600/60s")
    env = environment(box, tmp_path)

    # 700 rows: a full window of 600, then the next window (the limit is met, not guessed)
    imported = calbulk(env, "import", str(users_csv(tmp_path / "hires.csv", 700)))
    assert imported.returncode == 0, imported.stdout[-2000:] + imported.stderr[-2000:]

    seen = requests_seen(box)
    assert seen["by_status"].get("201") == 700
    assert seen["rate_limited"] == 0
    per_window = seen["requests"] / seen["busy_seconds"] * 30
    assert per_window >= 0.9 * 600, f"{per_window:.0f} requests per window of 600"
