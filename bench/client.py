"""Benchmark calapi against the sandbox: raw throughput, and utilisation under a limit.

    .venv/bin/python bench/client.py [--requests 2000] [--limit 60] [--window 3]
                                     [--named-window 30]

Starts two sandbox processes on loopback (``python -m sandbox serve``), then prints
1. requests/second calapi achieves with no effective limit (the client's own overhead
   plus the sandbox's; the sandbox is not the client's bottleneck, see bench/sandbox.py);
2. with a compressed limit (``--limit`` requests per ``--window`` seconds, the real
   fixed-window-then-block semantics), the achieved rate as a fraction of the limit,
   and how many 429s the client and the sandbox saw (the target is zero);
3. the same with every request taking 200-400 ms on the server (bounded concurrency
   must still reach the limit);
4. ``--teams`` DELETE team calls queued at once at the real 60 s window, where that route
   has its own 1 request/s throttle: deletes per second, 429s, and what the key's budget
   lost (the target: ~1/s, zero 429s, nothing lost);
5. named limits (``--key-limits short=5/1s,long=100/60s:60s``) and a raised key
   (``default=600/60s``), both with windows compressed by ``--named-window`` (every ttl
   x S / 60): the client is told nothing (no CAL_RATE_LIMIT) and learns them from the
   headers. Prints the limits it learned, windows used against the minimum, the rate
   against the limit and the 429s (the target is zero).

Every limited run is told nothing about the limit: the client reads it from the headers.
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
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from calapi import CalClient, Settings  # noqa: E402


@contextmanager
def sandbox(
    workdir: Path,
    *,
    limit: int,
    window: float,
    seed_users: int = 20,
    faults: str = "",
    key_limits: str = "",
):
    """A sandbox process; yields its info document (base_url, org_id, api_keys)."""
    info_file = workdir / "info.json"
    args = [sys.executable, "-m", "sandbox", "serve", "--host", "127.0.0.1", "--port", "0"]
    args += ["--db", str(workdir / "sandbox.db"), "--info-file", str(info_file)]
    args += ["--seed-users", str(seed_users), "--seed", "1"]
    args += ["--rate-limit", str(limit), "--rate-window", str(window)]
    args += ["--faults", faults] if faults else []
    args += ["--key-limits", key_limits] if key_limits else []
    with open(workdir / "sandbox.log", "wb") as log:
        proc = subprocess.Popen(args, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not info_file.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workdir / "sandbox.log").read_text())
            time.sleep(0.05)
        yield json.loads(info_file.read_text())
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def settings_for(info: dict) -> Settings:
    """The owner's key and nothing about the limit (no CAL_RATE_LIMIT)."""
    return Settings(
        api_url=info["base_url"], api_key=info["api_keys"]["owner"], org_id=int(info["org_id"])
    )


def learned(cal: CalClient) -> str:
    limits = cal.limiter.limits.values()
    return ", ".join(f"{lim.name} {lim.limit}/{lim.ttl:g}s" for lim in limits) or "none"


async def run_requests(settings: Settings, n: int) -> tuple[list[float], CalClient]:
    """``n`` one-page list calls queued at once; returns (seconds to each answer, client)."""
    cal = CalClient(settings)
    started = time.monotonic()

    async def one() -> float:
        await cal.list_attributes()
        return time.monotonic() - started

    try:
        return sorted(await asyncio.gather(*(one() for _ in range(n)))), cal
    finally:
        await cal.aclose()


def server_429s(info: dict) -> int:
    return httpx.get(f"{info['base_url']}/_sandbox/stats", timeout=10).json()["rate_limited"]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests, unlimited run")
    parser.add_argument("--limit", type=int, default=60, help="sandbox limit per window")
    parser.add_argument("--window", type=float, default=3.0, help="sandbox window seconds")
    parser.add_argument("--factor", type=int, default=4, help="queued = factor * limit")
    parser.add_argument("--teams", type=int, default=6, help="teams deleted at once")
    parser.add_argument("--named-window", type=float, default=30.0, help="sandbox window, named")
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        unlimited_dir = Path(tmp, "unlimited")
        unlimited_dir.mkdir()
        huge = 100_000_000
        with sandbox(unlimited_dir, limit=huge, window=60) as info:
            done, cal = await run_requests(settings_for(info), opts.requests)
            elapsed = done[-1]
            print(
                f"no limit: {opts.requests} requests in {elapsed:.2f}s = "
                f"{opts.requests / elapsed:.0f} req/s "
                f"(max_in_flight {cal.settings.max_in_flight})"
            )

        for label, faults in (("", ""), ("slow server", SLOW)):
            await limited_run(opts, Path(tmp, f"limited{len(label)}"), label, faults)
        await team_deletes(opts.teams, Path(tmp, "teams"))
        await named_runs(opts.named_window, Path(tmp))


SLOW = "latency=1:200-400ms,seed=1"  # every request takes 200-400 ms on the server


async def limited_run(opts: argparse.Namespace, workdir: Path, label: str, faults: str) -> None:
    """``factor * limit`` requests queued at once against a compressed limit."""
    workdir.mkdir()
    n = opts.factor * opts.limit
    with sandbox(workdir, limit=opts.limit, window=opts.window, faults=faults) as info:
        done, cal = await run_requests(settings_for(info), n)
        server_429 = server_429s(info)
    elapsed = done[-1]
    rate = n / elapsed
    allowed = opts.limit / opts.window
    stats = cal.stats
    print(
        f"limit {opts.limit}/{opts.window:g}s{', ' + label if label else ''}: "
        f"{n} requests queued at once, done in {elapsed:.2f}s = {rate:.2f} req/s "
        f"({rate / allowed:.0%} of the limit); windows used {math.ceil(elapsed / opts.window)}"
        f", minimum {math.ceil(n / opts.limit)}; learned: {learned(cal)}"
    )
    print(
        f"  429s seen by the client: {stats.rate_limited}, by the sandbox: {server_429}; "
        f"waited on the limiter {stats.limiter_wait_seconds:.1f}s"
    )


async def named_runs(scaled: float, tmp: Path) -> None:
    """Named short/long limits and a raised key, compressed ``scaled / 60``."""
    scale = scaled / 60
    for label, spec, n, binding, per in (
        ("named short=5/1s,long=100/60s:60s", "short=5/1s,long=100/60s:60s", 300, 100, 60.0),
        ("raised default=600/60s", "default=600/60s", 1800, 600, 60.0),
    ):
        workdir = tmp / label.split()[0]
        workdir.mkdir()
        with sandbox(workdir, limit=120, window=scaled, key_limits=spec) as info:
            done, cal = await run_requests(settings_for(info), n)
            server_429 = server_429s(info)
        elapsed, window = done[-1], per * scale
        print(
            f"{label} (x{scale:g}: {binding} per {window:g}s): {n} requests in {elapsed:.2f}s,"
            f" {n / elapsed * window:.0f} per window ({n / elapsed * window / binding:.0%}); "
            f"windows used {math.ceil(elapsed / window)}, minimum {math.ceil(n / binding)}; "
            f"429s client {cal.stats.rate_limited}, sandbox {server_429}; "
            f"learned: {learned(cal)}"
        )


async def team_deletes(n: int, workdir: Path) -> None:
    """``n`` teams deleted at once under DELETE team's own throttle (1/s at the real window)."""
    workdir.mkdir()
    limit, window = 120, 60.0
    with sandbox(workdir, limit=limit, window=window) as info:
        async with CalClient(settings_for(info)) as cal:
            teams = await asyncio.gather(*(cal.create_team(name=f"B{i}") for i in range(n)))
            started = time.monotonic()
            await asyncio.gather(*(cal.delete_team(team["id"]) for team in teams))
            elapsed = time.monotonic() - started
            stats = cal.stats
        headers = {"Authorization": f"Bearer {info['api_keys']['owner']}"}
        url = f"{info['base_url']}/v2/organizations/{info['org_id']}/teams"
        remaining = int(httpx.get(url, headers=headers).headers["X-RateLimit-Remaining-Default"])
        server_429 = server_429s(info)
    spent_on_key = limit - remaining - (n + 1)  # creates + this check are the key's own
    print(
        f"DELETE team x{n} queued at once: {elapsed:.2f}s, one every "
        f"{elapsed / max(1, n - 1):.2f}s (own throttle 1/s); "
        f"429s client {stats.rate_limited}, sandbox {server_429}; "
        f"key budget spent by the deletes: {spent_on_key}"
    )


if __name__ == "__main__":
    asyncio.run(main())
