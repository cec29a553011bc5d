"""How fast the sandbox serves: requests/second for a 250-item page, a create, and the
import's mix.

Starts ``python -m sandbox serve`` as a process (10,000 seeded users by default), then, with
a few concurrent plain-httpx clients, measures GET of 250-item pages of memberships (each with
its attributes) and of users, POST user creation, and the import's mix per new user (create
the user, add it to a team, assign three attribute options: 5 requests in order, 16 users at
a time as calbulk's apply runs them). Prints one line per figure. ``measure_mix`` is the
baseline bench/import.py compares calbulk's apply with.

    .venv/bin/python bench/sandbox.py [--users 10000] [--clients 4] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sandbox(workdir: Path, users: int) -> tuple[subprocess.Popen, dict, float]:
    info_file = workdir / "info.json"
    args = [
        sys.executable,
        "-m",
        "sandbox",
        "serve",
        "--port",
        str(_free_port()),
        "--db",
        str(workdir / "bench.db"),
        "--seed-users",
        str(users),
        "--rate-limit",
        "100000000",
        "--info-file",
        str(info_file),
    ]
    began = time.perf_counter()
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while not info_file.exists():
        if proc.poll() is not None:
            raise SystemExit(f"sandbox exited: {proc.stderr.read().decode()}")
        time.sleep(0.05)
    return proc, json.loads(info_file.read_text()), time.perf_counter() - began


async def _hammer(make_request, clients: int, seconds: float) -> tuple[int, float]:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            response = await make_request()
            if response.status_code >= 400:
                raise SystemExit(f"unexpected {response.status_code}: {response.text[:200]}")
            done += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return done, time.perf_counter() - began


async def measure(info: dict, users: int, clients: int, seconds: float) -> None:
    base = f"{info['base_url']}/v2/organizations/{info['org_id']}"
    headers = {"Authorization": f"Bearer {info['api_keys']['owner']}"}
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as api:
        pages = max(1, users // 250)
        skips = itertools.cycle(range(0, pages * 250, 250))
        counter = itertools.count()

        def memberships():
            return api.get("/memberships", params={"take": 250, "skip": next(skips)})

        def users_page():
            return api.get("/users", params={"take": 250, "skip": next(skips)})

        def create():
            return api.post("/users", json={"email": f"bench-{next(counter)}@example.com"})

        for label, make in [
            ("GET /memberships take=250", memberships),
            ("GET /users take=250", users_page),
            ("POST /users", create),
        ]:
            count, elapsed = await _hammer(make, clients, seconds)
            print(
                f"{label:<28} {count / elapsed:8.1f} req/s  ({count} requests, "
                f"{clients} clients, {elapsed:.1f} s)",
                flush=True,
            )


async def measure_mix(info: dict, users: int, concurrency: int = 16) -> tuple[int, float]:
    """``users`` new users through the import's mix with plain httpx; (requests, seconds)."""
    base = f"{info['base_url']}/v2/organizations/{info['org_id']}"
    headers = {"Authorization": f"Bearer {info['api_keys']['owner']}"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as api:
        teams = (await api.get("/teams", params={"take": 1})).json()["data"]
        if not teams:
            teams = [(await api.post("/teams", json={"name": "Mix"})).json()["data"]]
        team = teams[0]["id"]
        assignable = []
        for attribute in (await api.get("/attributes")).json()["data"]:
            options = (await api.get(f"/attributes/{attribute['id']}/options")).json()["data"]
            if options and attribute["type"] in ("SINGLE_SELECT", "MULTI_SELECT"):
                assignable.append((attribute["id"], options[0]["id"]))
        picks = (assignable * 3)[:3]
        queue = iter(range(users))
        sent = 0

        async def worker() -> None:
            nonlocal sent
            for i in queue:
                made = await api.post("/users", json={"email": f"mix-{i}@bench.example"})
                user_id = made.json()["data"]["id"]
                await api.post(f"/teams/{team}/memberships", json={"userId": user_id})
                for attribute_id, option_id in picks:
                    body = {"attributeId": attribute_id, "attributeOptionId": option_id}
                    await api.post(f"/attributes/options/{user_id}", json=body)
                sent += 2 + len(picks)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return sent, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--mix-users", type=int, default=1000, help="users for the import mix")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, info, startup = start_sandbox(Path(tmp), args.users)
        try:
            print(f"sandbox with {args.users} seeded users up in {startup:.1f} s")
            asyncio.run(measure(info, args.users, args.clients, args.seconds))
            sent, elapsed = asyncio.run(measure_mix(info, args.mix_users))
            print(f"{'import mix (5 per user)':<28} {sent / elapsed:8.1f} req/s  ({sent} requests,"
                  f" {args.mix_users} users, 16 at a time, {elapsed:.1f} s)")  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
