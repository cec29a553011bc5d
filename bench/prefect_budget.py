"""The Prefect budget alone: how much of a key's limit runs on one Prefect limit get.

Starts a real ``prefect server start`` (SQLite, loopback) and, with no Cal.com API at all,
lets N takers (one :class:`flows.budget.PrefectBudget` each, as N flow runs on one key
would have) take requests as fast as the budget allows for a while, then prints the share
of the key's limit they got together and the most any window's span held, next to what
the limit's shape allows (``decay_for``). It also times how long a full limit takes to
grant again when a taker polls it every 5-300 ms (does a denied attempt lose the decay
since the last take? it does not, on Prefect 3.9). Everything it starts is stopped.

Usage: ``python bench/prefect_budget.py [--limit 20] [--window 4] [--seconds 12]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.prefect.conftest import start_server, stop_group  # noqa: E402


async def share(takers: int, limit: int, window: float, seconds: float) -> None:
    from calapi import KeyLimit
    from flows.budget import PrefectBudget, decay_for

    limits = (KeyLimit("default", limit, window),)
    fingerprint = f"bench{takers}{time.time_ns()}"
    await PrefectBudget(fingerprint).take(limits, 0.1)  # the limit exists, one request in
    await asyncio.sleep(window)  # and is full again
    grants: list[float] = []
    budgets = [PrefectBudget(fingerprint) for _ in range(takers)]
    start = time.monotonic()
    stop = start + seconds

    async def taker(budget: PrefectBudget) -> None:
        while time.monotonic() < stop:
            await budget.take(limits, 0.1)
            grants.append(time.monotonic())

    await asyncio.gather(*(taker(budget) for budget in budgets))
    grants.sort()
    inside = [g for g in grants if start <= g < stop]
    most = max(sum(1 for h in grants if g <= h < g + window) for g in grants)
    size, rate = decay_for(limit, window, 0.1)
    allowed = seconds / window * limit
    print(f"{takers} taker(s): {len(inside)} requests in {seconds:.0f} s = "
          f"{len(inside) / allowed:.0%} of {limit}/{window:g}s (the shape allows "
          f"{(size + rate * seconds) / allowed:.0%}); most in any {window:g} s: {most}; "
          f"denied takes {sum(b.denials for b in budgets)}")  # fmt: skip


async def regrant(poll: float) -> None:
    """A limit of 1.5 requests decaying 4.512/s, left full: when does a poller get in?"""
    import httpx
    from prefect.client.orchestration import get_client

    name = f"bench-regrant-{time.time_ns()}"
    async with get_client() as client:
        await client.upsert_global_concurrency_limit_by_name(name, 1500, 4512.0)
        await client.increment_concurrency_slots([name], 1500, "rate_limit")
        started, tries = time.monotonic(), 0
        while True:
            tries += 1
            try:
                await client.increment_concurrency_slots([name], 1000, "rate_limit")
                break
            except httpx.HTTPStatusError as error:
                if error.response.status_code != 423:
                    raise
                await asyncio.sleep(poll)
        waited = time.monotonic() - started
    print(f"  polling every {poll * 1000:>3.0f} ms: granted after {waited * 1000:.0f} ms, "
          f"{tries} tries (the decay frees the request after 222 ms)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--window", type=float, default=4.0)
    parser.add_argument("--seconds", type=float, default=12.0)
    args = parser.parse_args()
    server = start_server(Path(tempfile.mkdtemp(prefix="calbulk-budget-")))
    os.environ["PREFECT_API_URL"] = server.api_url
    os.environ["PREFECT_HOME"] = str(server.home)
    try:
        for takers in (1, 2, 3):
            asyncio.run(share(takers, args.limit, args.window, args.seconds))
        print("a full limit, polled:")
        for poll in (0.3, 0.1, 0.05, 0.02, 0.005):
            asyncio.run(regrant(poll))
    finally:
        stop_group(server.process)


if __name__ == "__main__":
    main()
