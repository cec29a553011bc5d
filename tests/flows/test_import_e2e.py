"""End-to-end: a 500-row onboarding workbook, a SIGKILLed import resumed, injected faults.

Each test reads the org back over the API and compares it with the file (import_oracle), so a
bug in the planner cannot hide a bug in the apply step.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from tests.flows.import_oracle import mismatches, raw_user_emails, read_org
from tests.flows.pipelines import import_file
from transforms.sheets.example import onboarding_frames, write_onboarding_workbook

CALBULK = str(Path(sys.executable).parent / "calbulk")
pytestmark = pytest.mark.slow


def use_sandbox(box, monkeypatch) -> None:
    monkeypatch.setenv("CAL_API_URL", box.base_url)
    monkeypatch.setenv("CAL_API_KEY", box.api_key)
    monkeypatch.setenv("CAL_ORG_ID", str(box.org_id))
    monkeypatch.setenv("CAL_RATE_LIMIT", "100000")  # the sandbox's limit, as a user would set


def assert_receipt_covers_every_row_once(receipt: pl.DataFrame, frames: dict) -> None:
    assert receipt.height == sum(f.height for f in frames.values())
    assert receipt.select("sheet", "row").is_unique().all()
    assert Counter(receipt["outcome"]) == {"created": receipt.height}


def assert_no_duplicates(box, options_before: dict[str, Counter]) -> None:
    emails = raw_user_emails(box)
    assert len(emails) == len(set(emails))
    state = read_org(box)
    for user_id, by_attribute in state.assignments.items():
        for attribute_id, held in by_attribute.items():
            kind = state.attributes[attribute_id].type
            if kind != "MULTI_SELECT":
                assert len(held) == 1, (user_id, attribute_id, held)
    for attribute_id, before in options_before.items():
        after = _values(state.options.get(attribute_id, {}))
        for value, count in after.items():
            assert count <= max(1, before.get(value, 0)), f"option {value!r} multiplied"


def option_counts(box) -> dict[str, Counter]:
    state = read_org(box)
    return {a: _values(by) for a, by in state.options.items()}


def _values(by_key: dict[str, tuple[str, str]]) -> Counter:
    """Option values counted once per option id (the index also keys them by slug)."""
    return Counter(value.casefold() for value in dict(by_key.values()).values())


def test_500_row_onboarding_workbook_lands_exactly(start_sandbox, monkeypatch, tmp_path):
    box = start_sandbox(seed_users=20, seed=5, rate_limit=100000)
    use_sandbox(box, monkeypatch)
    frames = onboarding_frames(read_org(box), 500, seed=2)
    path = write_onboarding_workbook(tmp_path / "onboarding.xlsx", frames)
    before = option_counts(box)

    outcome = asyncio.run(import_file(file=str(path)))

    assert outcome["exit_code"] == 0, outcome
    assert mismatches(read_org(box), frames["users"], frames["ooo"]) == []
    assert_receipt_covers_every_row_once(pl.read_csv(outcome["receipt"]), frames)
    assert_no_duplicates(box, before)


def test_killed_import_resumes_with_no_duplicates(start_sandbox, tmp_path):
    box = start_sandbox(seed_users=10, seed=6, rate_limit=400, rate_window=5)
    env = {**os.environ, "CAL_API_URL": box.base_url, "CAL_API_KEY": box.api_key,
           "CAL_ORG_ID": str(box.org_id), "PREFECT_HOME": str(tmp_path / "prefect")}  # fmt: skip
    env.pop("CAL_RATE_LIMIT", None)
    frames = onboarding_frames(read_org(box), 120, seed=3)
    path = write_onboarding_workbook(tmp_path / "hires.xlsx", frames)
    before = option_counts(box)
    command = [CALBULK, "import", str(path), "--rate-limit", "400", "--rate-window", "5"]
    journal = tmp_path / "hires.receipt.journal.jsonl"

    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 240
    while _done_steps(journal) < 300:
        assert first.poll() is None, "import finished before it could be killed"
        assert time.monotonic() < deadline, "import made no progress"
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert _done_steps(journal) < 1200  # really mid-run

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)

    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert mismatches(read_org(box), frames["users"], frames["ooo"]) == []
    assert_no_duplicates(box, before)
    receipt = pl.read_csv(tmp_path / "hires.receipt.csv")
    assert_receipt_covers_every_row_once(receipt, frames)
    assert box.api_key not in journal.read_text() + (tmp_path / "hires.receipt.csv").read_text()


def test_faults_lose_no_row(start_sandbox, monkeypatch, tmp_path):
    faults = "500=0.05,502=0.03,503=0.02,reset=0.05,ambiguous=0.02,seed=9"
    box = start_sandbox(seed_users=10, seed=8, rate_limit=100000, faults=faults)
    use_sandbox(box, monkeypatch)
    frames = onboarding_frames(read_org(box), 100, seed=4)
    path = write_onboarding_workbook(tmp_path / "faulty.xlsx", frames)
    before = option_counts(box)

    outcome = asyncio.run(import_file(file=str(path)))

    receipt = pl.read_csv(outcome["receipt"])
    assert outcome["exit_code"] == 0, receipt.filter(pl.col("outcome") == "failed").to_dicts()
    assert mismatches(read_org(box), frames["users"], frames["ooo"]) == []
    assert_receipt_covers_every_row_once(receipt, frames)
    assert_no_duplicates(box, before)


def _done_steps(journal: Path) -> int:
    if not journal.exists():
        return 0
    count = 0
    for line in journal.read_text().splitlines():
        try:
            count += json.loads(line).get("event") == "done"
        except json.JSONDecodeError:
            continue
    return count
