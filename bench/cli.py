"""CLI benchmark (issue 9): what a person waits for, each figure next to a baseline of the same run.

Starts one sandbox (``python -m sandbox serve``) seeded with ``--users`` users and times, as
subprocesses run the way a person runs them (no PREFECT_API_URL, HOME in a temporary folder):

- ``calbulk --help``                 vs ``python -c "import httpx"``;
- ``calbulk export``                 vs a minimal script that lists the same endpoints with
                                        httpx (sequentially) and writes them with polars;
- ``calbulk import FILE --dry-run``  (a ``--rows``-row users file) vs the same minimal script
                                        (a dry run reads the org the same way, then plans);
- for each command that talks to the API, the time from start to its first request, seen by
  polling the sandbox's own request counter (``/_sandbox/stats``) every few milliseconds.

Each figure is the median of ``--repeat`` runs. Targets on an idle 2-core machine: help under
0.5 s; export and dry run within 2x their baseline.

Usage: ``python bench/cli.py [--users 200] [--rows 50] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
CALBULK = str(Path(sys.executable).parent / "calbulk")
POLL_SECONDS = 0.003

BASELINE_EXPORT = """
import json, sys, httpx, polars as pl
base, key, org, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
http = httpx.Client(base_url=f"{base}/v2/organizations/{org}",
                    headers={"Authorization": f"Bearer {key}"}, timeout=30)
def pages(path, take=250):
    skip, rows = 0, []
    while True:
        data = http.get(path, params={"take": take, "skip": skip}).json()["data"]
        rows += data
        if len(data) < take:
            return rows
        skip += take
tables = {"users": pages("/users", 1000), "memberships": pages("/memberships"),
          "attributes": pages("/attributes"), "ooo": pages("/ooo"), "teams": pages("/teams"),
          "roles": pages("/roles"), "webhooks": pages("/webhooks")}
tables["options"] = [o for a in tables["attributes"]
                     for o in http.get(f"/attributes/{a['id']}/options").json()["data"]]
tables["team_memberships"] = [m for t in tables["teams"]
                              for m in pages(f"/teams/{t['id']}/memberships")]
tables["team_roles"] = [r for t in tables["teams"] for r in pages(f"/teams/{t['id']}/roles")]
def flat(row):
    return {k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in row.items()}
for name, rows in tables.items():
    frame = pl.DataFrame([flat(r) for r in rows], infer_schema_length=None)
    frame.write_parquet(f"{out}/{name}.parquet")
"""


def start_sandbox(workdir: Path, users: int) -> tuple[subprocess.Popen, dict]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    info_file = workdir / "info.json"
    args = [sys.executable, "-m", "sandbox", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--db", str(workdir / "sandbox.db"), "--info-file", str(info_file),
            "--seed-users", str(users), "--seed", "1", "--rate-limit", "1000000"]  # fmt: skip
    log = (workdir / "sandbox.log").open("wb")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    while not info_file.exists():
        if proc.poll() is not None:
            raise SystemExit(f"sandbox exited: {(workdir / 'sandbox.log').read_text()}")
        time.sleep(0.1)
    return proc, json.loads(info_file.read_text())


def requests_so_far(base_url: str, http: httpx.Client) -> int:
    return http.get(f"{base_url}/_sandbox/stats").json()["requests"]


def timed(command: list[str], env: dict, cwd: Path, base_url: str | None) -> tuple[float, float]:
    """(wall seconds, seconds to the first request or nan) of one run of ``command``."""
    first: list[float] = []
    done = threading.Event()

    def watch(start: float, before: int, http: httpx.Client) -> None:
        while not done.is_set():
            if requests_so_far(base_url, http) > before:
                first.append(time.perf_counter() - start)
                return
            time.sleep(POLL_SECONDS)

    http = httpx.Client(timeout=10)
    before = requests_so_far(base_url, http) if base_url else 0
    start = time.perf_counter()
    watcher = None
    if base_url:
        watcher = threading.Thread(target=watch, args=(start, before, http), daemon=True)
        watcher.start()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    done.set()
    if watcher:
        watcher.join()
    http.close()
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return wall, (first[0] if first else float("nan"))


def seconds(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2f}s"


def median_of(repeat: int, run) -> tuple[float, float]:
    runs = [run(i) for i in range(repeat)]
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="calbulk-bench-cli-") as tmp:
        work = Path(tmp)
        box, info = start_sandbox(work, args.users)
        try:
            report(work, info, args)
        finally:
            box.terminate()
            box.wait(timeout=20)


def report(work: Path, info: dict, args: argparse.Namespace) -> None:
    home = work / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CAL_"))}
    env.update({"HOME": str(home), "CAL_API_URL": info["base_url"],
                "CAL_API_KEY": info["api_keys"]["owner"], "CAL_ORG_ID": str(info["org_id"]),
                "CAL_RATE_LIMIT": "1000000"})  # fmt: skip
    url, key, org = info["base_url"], info["api_keys"]["owner"], str(info["org_id"])
    script = work / "baseline_export.py"
    script.write_text(BASELINE_EXPORT)
    hires = work / "hires.csv"
    hires.write_text("email,time zone\n" + "".join(f"bench{n}@example.com,UTC\n"
                                                   for n in range(args.rows)))  # fmt: skip

    def out(i: int, what: str) -> str:
        folder = work / f"{what}{i}"
        folder.mkdir(exist_ok=True)
        return str(folder)

    figures = [
        ("calbulk --help", median_of(args.repeat, lambda i: timed(
            [CALBULK, "--help"], env, work, None)),
         'python -c "import httpx"', median_of(args.repeat, lambda i: timed(
            [sys.executable, "-c", "import httpx"], env, work, None))),
        (f"calbulk export ({args.users} users)", median_of(args.repeat, lambda i: timed(
            [CALBULK, "export", "--out", out(i, "export")], env, work, url)),
         "minimal httpx + polars export", median_of(args.repeat, lambda i: timed(
            [sys.executable, str(script), url, key, org, out(i, "base")], env, work, url))),
        (f"calbulk import --dry-run ({args.rows} rows)", median_of(args.repeat, lambda i: timed(
            [CALBULK, "import", str(hires), "--dry-run"], env, work, url)),
         "minimal httpx + polars export", median_of(args.repeat, lambda i: timed(
            [sys.executable, str(script), url, key, org, out(i, "base2")], env, work, url))),
    ]  # fmt: skip
    print(f"calbulk CLI, median of {args.repeat} runs, sandbox of {args.users} users "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")  # fmt: skip
    print(f"{'command':<38} {'wall':>7} {'1st req':>8}   {'baseline':<31} {'wall':>7} "
          f"{'1st req':>8} {'ratio':>6}")  # fmt: skip
    for name, (wall, first), base_name, (base_wall, base_first) in figures:
        print(f"{name:<38} {wall:6.2f}s {seconds(first):>8}   {base_name:<31} {base_wall:6.2f}s "
              f"{seconds(base_first):>8} {wall / base_wall:5.1f}x")  # fmt: skip
    print(f"~/.prefect after the runs: {'present' if (home / '.prefect').exists() else 'absent'}")


if __name__ == "__main__":
    main()
