"""Issue 12, "one key, many runs", on a real Prefect server: the same import and backup as
tests/flows/test_shared_key_e2e.py, started together with PREFECT_API_URL set, so each is a
flow run and both take every request from one Prefect global concurrency limit named after
a hash of the key (created on first use from the limit the headers gave)."""

from __future__ import annotations

import pytest

from calapi import key_fingerprint
from flows.budget import GRAIN, decay_for
from tests.flows.test_shared_key_e2e import LIMIT, WINDOW, run_together, stats

pytestmark = pytest.mark.slow


def test_flow_runs_on_one_key_share_a_prefect_rate_limit(prefect_server, start_sandbox, tmp_path):
    box = start_sandbox(seed_users=8, seed=6, rate_limit=LIMIT, rate_window=WINDOW)
    env = prefect_server.env(CAL_API_URL=box.base_url, CAL_API_KEY=box.api_key,
                             CAL_ORG_ID=str(box.org_id))  # fmt: skip

    outcomes, overlap = run_together(box, env, tmp_path, rows=30)

    for name, (code, out, err) in outcomes.items():
        assert code == 0, f"{name} exited {code}:\n{out[-2000:]}\n{err[-2000:]}"
    seen = stats(box)
    assert seen["rate_limited"] == 0, seen
    runs = prefect_server.api("POST", "/flow_runs/filter", json={}).json()
    assert sorted(r["state_type"] for r in runs) == ["COMPLETED", "COMPLETED"]
    # the budget both took from: named by the key's hash, shaped by the learned limit
    limits = prefect_server.api("POST", "/v2/concurrency_limits/filter", json={}).json()
    [shared] = [gcl for gcl in limits if gcl["name"].startswith("calbulk-key-")]
    assert shared["name"] == f"calbulk-key-{key_fingerprint(box.api_key)}-default"
    assert box.api_key not in str(limits)
    slots, decay = decay_for(LIMIT, WINDOW, pad=0.25)
    assert shared["limit"] == slots * GRAIN
    assert shared["slot_decay_per_second"] == pytest.approx(decay * GRAIN)
    used = overlap["requests"] / (overlap["busy_seconds"] / WINDOW * LIMIT)
    print(
        f"on Prefect, overlap: {overlap['requests']} requests in {overlap['busy_seconds']} s "
        f"= {used:.0%} of {LIMIT}/{WINDOW}s; whole run: {seen}"
    )
