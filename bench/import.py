"""Benchmark the import: apply under a compressed rate limit, and plan speed at 1M rows.

    .venv/bin/python bench/import.py [--users 2000] [--limit 100] [--window 5]
                                     [--unlimited-users 10000] [--big-rows 1000000]
                                     [--skip-api] [--skip-windows] [--skip-unlimited]
                                     [--skip-big]

1. The fixed-window optimum (issue 13). A sandbox (``python -m sandbox serve``) allows
   ``--limit`` requests per ``--window`` seconds; calbulk is told nothing (it reads the
   limit from the headers) and imports ``--users`` new hires, each with 3 attributes and
   1 team (5 requests). Three runs: alone; with 5% of requests given 200-800 ms latency (the
   sandbox's faults); with a second client on the same key spending 10% of its budget
   evenly. Each prints the windows the sandbox opened against the minimum ceil(N / limit),
   the 429s (calbulk's and the other client's; the target is zero), and requests per user
   against the minimum.
2. Apply without a limit: ``--unlimited-users`` hires applied on a sandbox with a huge limit,
   next to what the sandbox serves for the same mix with plain httpx (bench/sandbox.py's
   ``measure_mix``, measured in the same run). The target: calbulk at >= 80% of it.
3. Writes 100,000 and ``--big-rows`` users CSVs (and a 100,000-row .xlsx) and times reading,
   validation and planning next to polars' own read (no network; see bench/import_local.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from calapi import CalClient, Settings  # noqa: E402
from flows.importer.apply import apply_plan  # noqa: E402
from flows.importer.journal import Journal  # noqa: E402
from flows.importer.pipeline import read_current_state  # noqa: E402
from flows.importer.steps import RunContext  # noqa: E402
from transforms.plan.build import build_plan  # noqa: E402
from transforms.sheets.example import onboarding_frames  # noqa: E402
from transforms.sheets.reading import read_workbook  # noqa: E402
from transforms.validate.sheet import validate_workbook  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from sandbox import measure_mix  # noqa: E402  (bench/sandbox.py)

BENCH_ATTRIBUTES = ("Department", "Office", "Level")


def start_sandbox(
    workdir: Path, limit: int, window: float, faults: str = ""
) -> tuple[subprocess.Popen, dict]:
    info_file = workdir / "info.json"
    args = [sys.executable, "-m", "sandbox", "serve", "--host", "127.0.0.1", "--port", "0",
            "--db", str(workdir / "sandbox.db"), "--info-file", str(info_file),
            "--seed-users", "20", "--seed", "1",
            "--rate-limit", str(limit), "--rate-window", str(window)]  # fmt: skip
    args += ["--faults", faults] if faults else []
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


def sandbox_stats(info: dict) -> dict:
    return httpx.get(f"{info['base_url']}/_sandbox/stats", timeout=10).json()


async def other_client(info: dict, every: float, stop: asyncio.Event) -> list[int]:
    """Another tool on the same key: one request every ``every`` seconds; its statuses."""
    headers = {"Authorization": f"Bearer {info['api_keys']['owner']}"}
    statuses: list[int] = []
    async with httpx.AsyncClient(base_url=info["base_url"], headers=headers, timeout=30) as api:
        next_at = time.monotonic()
        while not stop.is_set():
            statuses.append((await api.get("/v2/me")).status_code)
            next_at += every
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    return statuses


async def apply_hires(info: dict, users: int, workdir: Path) -> tuple[int, int, int, float]:
    """calbulk (told nothing about the limit) reads the org and applies ``users`` hires;
    returns (requests sent, minimum steps, failed rows, apply seconds)."""
    settings = Settings(
        api_url=info["base_url"], api_key=info["api_keys"]["owner"], org_id=info["org_id"]
    )
    async with CalClient(settings) as cal:
        state = await read_current_state(cal, {"users"})
        path = hires_csv(workdir / "hires.csv", state, users)
        validated = validate_workbook(read_workbook(path), state)
        assert not validated.errors, validated.errors[:5]
        plan = build_plan(validated, state)
        ids = {email: user["user_id"] for email, user in state.users_by_email.items()}
        ctx = RunContext(cal=cal, user_ids=ids)
        journal = Journal(workdir / "bench.journal.jsonl", "bench", "add")
        started = time.perf_counter()
        results = await apply_plan(plan, ctx, journal)
        elapsed = time.perf_counter() - started
        journal.close()
        sent = cal.stats.total_requests
    failed = sum(r.outcome == "failed" for r in results)
    return sent, plan.step_count, failed, elapsed


async def bench_windows(users: int, limit: int, window: float, workdir: Path, label: str,
                        *, faults: str = "", other_share: float = 0.0) -> None:  # fmt: skip
    """One run of the fixed-window optimum: windows used against the minimum, 429s."""
    workdir.mkdir()
    proc, info = start_sandbox(workdir, limit, window, faults)
    stop = asyncio.Event()
    other = None
    try:
        if other_share:
            other = asyncio.create_task(other_client(info, window / (other_share * limit), stop))
            await asyncio.sleep(window)  # it was there before calbulk started
        sent, minimum, failed, elapsed = await apply_hires(info, users, workdir)
        stop.set()
        others = await other if other else []
        stats = sandbox_stats(info)
    finally:
        stop.set()
        proc.terminate()
        proc.wait(timeout=20)
    windows = stats["windows_opened"].get("default", 0)
    least = math.ceil(sent / limit)
    if other_share:
        least_shared = math.ceil(sent / (limit * (1 - other_share)))
        least_text = f"minimum {least} (with the other's share {least_shared})"
    else:
        least_text = f"minimum {least}"
    print(f"{label}: {users} users, {sent} requests in {elapsed:.1f} s, {failed} failed rows")
    print(f"  windows used {windows}, {least_text}; requests per user {sent / users:.2f} "
          f"(minimum {minimum / users:.2f})")  # fmt: skip
    line = f"  429s: sandbox {stats['rate_limited']}"
    if other_share:
        other_429 = sum(status == 429 for status in others)
        line += f" (the other client's: {other_429} of its {len(others)} requests)"
    print(line)


async def bench_unlimited(users: int, workdir: Path) -> None:
    """calbulk's apply with the limit out of the way, next to the sandbox's own rate."""
    huge = 100_000_000
    base_dir, apply_dir = workdir / "mix", workdir / "apply"
    base_dir.mkdir()
    apply_dir.mkdir()
    proc, info = start_sandbox(base_dir, huge, 60.0)
    try:
        base_sent, base_elapsed = await measure_mix(info, users)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    proc, info = start_sandbox(apply_dir, huge, 60.0)
    try:
        sent, minimum, failed, elapsed = await apply_hires(info, users, apply_dir)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    baseline, ours = base_sent / base_elapsed, sent / elapsed
    print(f"apply without a limit: {users} users, {sent} requests ({minimum} steps), "
          f"{failed} failed rows")  # fmt: skip
    print(f"  calbulk {ours:.0f} req/s; the sandbox serves the same mix at {baseline:.0f} req/s "
          f"(plain httpx, 16 users at a time): {ours / baseline:.0%} (target >= 80%)")  # fmt: skip


def bench_big(rows: int, workdir: Path) -> None:
    from import_local import bench_local  # bench/import_local.py: the local work, timed

    bench_local(rows, workdir)


async def api_benches(args: argparse.Namespace, tmp: Path) -> None:
    if not args.skip_windows:
        await window_benches(args, tmp)
    if not args.skip_unlimited:
        await bench_unlimited(args.unlimited_users, tmp)


async def window_benches(args: argparse.Namespace, tmp: Path) -> None:
    limit = f"{args.limit} per {args.window:g} s"
    await bench_windows(args.users, args.limit, args.window, tmp / "alone", f"alone ({limit})")
    await bench_windows(args.users, args.limit, args.window, tmp / "slow",
                        f"5% of requests 200-800 ms ({limit})",
                        faults="latency=0.05:200-800ms,seed=3")  # fmt: skip
    await bench_windows(args.users, args.limit, args.window, tmp / "shared",
                        f"another client spending 10% ({limit})", other_share=0.1)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--window", type=float, default=5.0)
    parser.add_argument("--unlimited-users", type=int, default=10_000)
    parser.add_argument("--big-rows", type=int, default=1_000_000)
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--skip-windows", action="store_true")
    parser.add_argument("--skip-unlimited", action="store_true")
    parser.add_argument("--skip-big", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="calbulk-bench-") as tmp:
        if not args.skip_api:
            asyncio.run(api_benches(args, Path(tmp)))
        if not args.skip_big:
            bench_big(args.big_rows, Path(tmp))


if __name__ == "__main__":
    main()
