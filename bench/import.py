"""Benchmark the import: apply speed under a compressed rate limit, and plan speed at 1M rows.

    .venv/bin/python bench/import.py [--users 2000] [--limit 1200] [--window 10]
                                     [--big-rows 1000000] [--skip-api] [--skip-big]

1. Starts a sandbox (``python -m sandbox serve``) with ``--limit`` requests per ``--window``
   seconds, and imports ``--users`` new hires, each with 3 attributes (two single-select, one
   number) and 1 team. Prints the apply phase's utilisation (achieved requests/s over the
   limit), requests per user against the minimum needed (create + team + 3 assignments, plus
   the options created once), and the 429 count (the target is zero).
2. Writes 100,000 and ``--big-rows`` users CSVs (and a 100,000-row .xlsx) and times reading,
   validation and planning next to polars' own read (no network; see bench/import_local.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from calapi import CalClient, Settings  # noqa: E402
from flows.importer.apply import apply_plan  # noqa: E402
from flows.importer.flow import read_current_state  # noqa: E402
from flows.importer.journal import Journal  # noqa: E402
from flows.importer.steps import RunContext  # noqa: E402
from transforms.plan.build import build_plan  # noqa: E402
from transforms.sheets.example import onboarding_frames  # noqa: E402
from transforms.sheets.reading import read_workbook  # noqa: E402
from transforms.validate.sheet import validate_workbook  # noqa: E402

BENCH_ATTRIBUTES = ("Department", "Office", "Level")


def start_sandbox(workdir: Path, limit: int, window: float) -> tuple[subprocess.Popen, dict]:
    info_file = workdir / "info.json"
    args = [sys.executable, "-m", "sandbox", "serve", "--host", "127.0.0.1", "--port", "0",
            "--db", str(workdir / "sandbox.db"), "--info-file", str(info_file),
            "--seed-users", "20", "--seed", "1",
            "--rate-limit", str(limit), "--rate-window", str(window)]  # fmt: skip
    log = (workdir / "sandbox.log").open("wb")
    proc = subprocess.Popen(args, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not info_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((workdir / "sandbox.log").read_text())
        time.sleep(0.05)
    return proc, json.loads(info_file.read_text())


def hires_csv(path: Path, state, users: int) -> Path:
    frames = onboarding_frames(state, users, seed=7, domain="bench.example", max_teams=1)
    keep = ["email", "username", "time_zone", "org_role", "teams", *BENCH_ATTRIBUTES]
    frames["users"].select(keep).write_csv(path)
    return path


async def bench_apply(users: int, limit: int, window: float, workdir: Path) -> None:
    proc, info = start_sandbox(workdir, limit, window)
    try:
        settings = Settings(
            api_url=info["base_url"],
            api_key=info["api_keys"]["owner"],
            org_id=info["org_id"],
            rate_limit=limit,
            rate_window=window,
        )
        async with CalClient(settings) as cal:
            state = await read_current_state(cal, {"users"})
            path = hires_csv(workdir / "hires.csv", state, users)
            validated = validate_workbook(read_workbook(path), state)
            assert not validated.errors, validated.errors[:5]
            plan = build_plan(validated, state)
            ctx = RunContext(
                cal=cal, user_ids={e: u["user_id"] for e, u in state.users_by_email.items()}
            )
            before = cal.stats
            journal = Journal(workdir / "bench.journal.jsonl", "bench", "add")
            started = time.perf_counter()
            results = await apply_plan(plan, ctx, journal)
            elapsed = time.perf_counter() - started
            journal.close()
            after = cal.stats
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    sent = after.total_requests - before.total_requests
    minimum = plan.step_count
    failed = sum(r.outcome == "failed" for r in results)
    print(f"apply: {users} users, {len(plan.prelude)} options created once, {failed} failed rows")
    print(f"  elapsed {elapsed:.1f} s, {sent} requests, {sent / elapsed:.1f} req/s")
    print(f"  utilisation {sent / elapsed / (limit / window):.0%} of {limit}/{window:g}s")
    print(f"  requests per user {sent / users:.2f} (minimum needed {minimum / users:.2f})")
    print(f"  429s {after.rate_limited - before.rate_limited}, "
          f"ambiguous writes {after.ambiguous_writes - before.ambiguous_writes}")  # fmt: skip


def bench_big(rows: int, workdir: Path) -> None:
    from import_local import bench_local  # bench/import_local.py: the local work, timed

    bench_local(rows, workdir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=1200)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--big-rows", type=int, default=1_000_000)
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--skip-big", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="calbulk-bench-") as tmp:
        if not args.skip_api:
            asyncio.run(bench_apply(args.users, args.limit, args.window, Path(tmp)))
        if not args.skip_big:
            bench_big(args.big_rows, Path(tmp))


if __name__ == "__main__":
    main()
