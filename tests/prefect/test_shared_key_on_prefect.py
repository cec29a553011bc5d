"""Issue 12, "one key, many runs", on a real Prefect server: the same import and backup as
tests/flows/test_shared_key_e2e.py, started together with PREFECT_API_URL set, so each is a
flow run and both take every request from one Prefect global concurrency limit named after
a hash of the key (created on first use from the limit the headers gave)."""

from __future__ import annotations

import pytest

from calapi import key_fingerprint
from flows.budget import GRAIN, decay_for
from tests.flows.test_shared_key_e2e import run_together, stats

pytestmark = pytest.mark.slow

LIMIT, WINDOW = 20, 4  # the key's limit, compressed: 20 requests per 4 s window


def test_flow_runs_on_one_key_share_a_prefect_rate_limit(prefect_server, start_sandbox, tmp_path):
    box = start_sandbox(seed_users=8, seed=6, rate_limit=LIMIT, rate_window=WINDOW)
    env = prefect_server.env(CAL_API_URL=box.base_url, CAL_API_KEY=box.api_key,
                             CAL_ORG_ID=str(box.org_id))  # fmt: skip

    together = run_together(
        box, env, tmp_path, rows=50, after=0
    )  # a flow run takes seconds to start

    for name, (code, out, err) in together.outcomes.items():
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
    size, rate = decay_for(LIMIT, WINDOW, pad=0.1)
    assert shared["limit"] == round(size * GRAIN)
    assert shared["slot_decay_per_second"] == pytest.approx(rate * GRAIN)
    used, sent, seconds = together.share_of_budget(LIMIT, WINDOW)
    print(
        f"on Prefect, overlap: {sent} requests in {seconds:.1f} s = {used:.0%} of "
        f"{LIMIT}/{WINDOW}s; whole run: {seen}"
    )
    # the backup, once its flow run is up, spends most of the overlap's budget (the import's
    # own header following waits out windows the backup fills), so the overlap is short:
    # about one window, where the lock-file test (tests/flows) measures several and holds
    # the 85% bar. Over one window the share is noise (73-90% measured), so it is printed
    # here, not asserted: what this test holds is 0 x 429 and one shared, correctly shaped
    # Prefect limit.
    assert seconds >= WINDOW / 2
