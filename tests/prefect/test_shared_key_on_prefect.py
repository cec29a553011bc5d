"""Issue 12, "one key, many runs", on a real Prefect server: the same import and backup as
tests/flows/test_shared_key_e2e.py, started together with PREFECT_API_URL set, so each is a
flow run and both take every request from one Prefect global concurrency limit named after
a hash of the key (created on first use from the limit the headers gave).

The sandbox's own counters judge, as without a server: no 429, both complete, and over the
overlap (the backup's export, while the import runs) the two together sent at least 85% of
what the key allows."""

from __future__ import annotations

import pytest

from calapi import key_fingerprint
from flows.budget import GRAIN, decay_for
from tests.flows.test_shared_key_e2e import run_together, stats

pytestmark = pytest.mark.slow

LIMIT, WINDOW = 20, 4  # the key's limit, compressed: 20 requests per 4 s window
SEED = 61  # a key of its own: its Prefect limit is this test's alone on a shared server


def test_flow_runs_on_one_key_share_a_prefect_rate_limit(prefect_server, start_sandbox, tmp_path):
    # 400 users: 10 teams, so the backup's export takes ~34 requests (8 users: 16), and the
    # overlap it is measured over spans several windows rather than about one, where a
    # request more or less is 5% of the share
    box = start_sandbox(seed_users=400, seed=SEED, rate_limit=LIMIT, rate_window=WINDOW)
    env = prefect_server.env(CAL_API_URL=box.base_url, CAL_API_KEY=box.api_key,
                             CAL_ORG_ID=str(box.org_id))  # fmt: skip

    # the backup starts once the import is creating users (so the import is sending, not
    # still reading its file, when the backup's export starts); 50 hires (100 requests)
    # outlast the backup
    together = run_together(box, env, tmp_path, rows=50, after=3)

    for name, (code, out, err) in together.outcomes.items():
        assert code == 0, f"{name} exited {code}:\n{out[-2000:]}\n{err[-2000:]}"
    seen = stats(box)
    assert seen["rate_limited"] == 0, seen
    assert seen["by_status"].get("201", 0) >= 100  # every hire and team membership
    name = f"calbulk-key-{key_fingerprint(box.api_key)}-default"
    runs = [r for r in prefect_server.api("POST", "/flow_runs/filter", json={}).json()
            if str(tmp_path) in str(r["parameters"])]  # this test's (file, --out)  # fmt: skip
    assert sorted(r["state_type"] for r in runs) == ["COMPLETED", "COMPLETED"]
    # the budget both took from: named by the key's hash, shaped by the learned limit
    shared = prefect_server.api("GET", f"/v2/concurrency_limits/{name}").json()
    assert box.api_key not in str(shared)
    size, rate = decay_for(LIMIT, WINDOW, pad=0.1)
    assert shared["limit"] == round(size * GRAIN)
    assert shared["slot_decay_per_second"] == pytest.approx(rate * GRAIN)
    used, sent, seconds = together.share_of_budget(LIMIT, WINDOW)
    print(
        f"on Prefect, overlap: {sent} requests in {seconds:.1f} s = {used:.0%} of "
        f"{LIMIT}/{WINDOW}s; whole run: {seen}"
    )
    assert seconds >= 2 * WINDOW  # a real overlap, several windows long
    assert sent > together.backup_manifest()["requests_total"]  # the import sent meanwhile
    assert used >= 0.85, f"{used:.0%} of the key's budget over the overlap"
