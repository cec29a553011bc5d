"""Export an organization with webhooks (UUID ids, the newest trigger) while the sandbox injects
faults and the key has named limits (as raised-limit keys do), then import the exported
workbook back as a dry run: it plans nothing, and calbulk never crossed a limit.

Both steps are ``calbulk`` subprocesses, as a person runs them; the result is read from the
files written (the snapshot's ``webhooks`` table, the plan CSV), not from stdout alone.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import polars as pl
import pytest

from tests.cli.conftest import base_env, calbulk, requests_seen

FAULTS = "500=0.1,502=0.05,503=0.05,reset=0.05,latency=0.2:5-40ms,seed=13"
KEY_LIMITS = "short=5/1s,long=100/60s:60s"  # no Default triple: calbulk learns these two


def _add_webhooks(box) -> list[dict]:
    org = f"{box.base_url}/v2/organizations/{box.org_id}"
    headers = {"Authorization": f"Bearer {box.api_key}"}
    created = []
    for n, triggers in enumerate(
        (["BOOKING_CREATED"], ["WRONG_ASSIGNMENT_REPORT", "OOO_CREATED"], ["MEETING_ENDED"])
    ):
        body = {"subscriberUrl": f"https://hooks.example.com/{n}", "triggers": triggers,
                "active": n != 2, "secret": f"whsec-roundtrip-{n}"}  # fmt: skip
        for _ in range(20):  # the faults apply to this set-up too
            try:
                response = httpx.post(f"{org}/webhooks", json=body, headers=headers, timeout=10)
            except httpx.TransportError:
                continue
            if response.status_code == 429:  # the set-up shares the key's limits
                time.sleep(1.1)
                continue
            if response.status_code == 201:
                created.append(response.json()["data"])
                break
            if response.status_code == 409:  # an earlier try was applied
                break
    return created


@pytest.mark.slow
def test_export_with_faults_then_dry_run_import_plans_nothing(start_sandbox, tmp_path) -> None:
    box = start_sandbox(seed_users=20, seed=6, faults=FAULTS, key_limits=KEY_LIMITS)
    hooks = _add_webhooks(box)
    assert len(hooks) >= 2 and all(isinstance(h["id"], str) for h in hooks)
    env = {
        **base_env(tmp_path),
        "CAL_API_URL": box.base_url,
        "CAL_API_KEY": box.api_key,
        "CAL_ORG_ID": str(box.org_id),
    }  # fmt: skip  (no CAL_RATE_LIMIT: the headers say)
    refused_before = requests_seen(box)["rate_limited"]
    out = tmp_path / "exports"

    exported = calbulk(env, "export", "--out", str(out), "--format", "parquet,csv,xlsx")

    assert exported.returncode == 0, exported.stdout[-3000:] + exported.stderr[-3000:]
    shown = [line for line in exported.stdout.splitlines() if line.startswith("snapshot: ")]
    folder = Path(shown[-1].removeprefix("snapshot: "))
    webhooks = pl.read_parquet(folder / "webhooks.parquet")
    assert webhooks.schema["webhook_id"] == pl.Utf8
    assert {h["id"] for h in hooks} <= set(webhooks["webhook_id"])
    wrong = webhooks.filter(pl.col("triggers").list.contains("WRONG_ASSIGNMENT_REPORT"))
    assert wrong.height == 1
    faults = requests_seen(box)["faults"]
    assert sum(faults.values()) > 0, f"no fault was injected: the test would prove nothing {faults}"

    planned = calbulk(env, "import", str(folder / "snapshot.xlsx"), "--dry-run")

    assert planned.returncode == 0, planned.stdout[-3000:] + planned.stderr[-3000:]
    plans = list(folder.glob("*plan*.csv"))
    assert len(plans) == 1, sorted(p.name for p in folder.iterdir())
    plan = pl.read_csv(plans[0], infer_schema=False)
    assert plan.height > 0  # every row of the workbook was planned ...
    assert plan.filter(pl.col("action") != "none").height == 0, plan.filter(
        pl.col("action") != "none"
    )  # ... and nothing needs doing
    assert requests_seen(box)["rate_limited"] == refused_before  # calbulk crossed no limit
    secrets = "".join(p.read_text(errors="replace") for p in folder.glob("*.csv"))
    assert "whsec-roundtrip" not in secrets and box.api_key not in secrets
