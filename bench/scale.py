"""Many organizations: wall time of ``calbulk backup --orgs`` for 1, 3 and 10 orgs.

Starts 10 sandboxes on loopback (each its own org and key, a compressed rate limit so every
backup waits on its limit as a real one does), then, in-process and on a real Prefect server
with two ``prefect worker start --pool calbulk --limit 2`` workers:

- the baseline: each org backed up alone (``calbulk backup --orgs`` of a one-org file);
- 1, 3 and 10 orgs in one ``calbulk backup --orgs`` run,

and prints each wall time next to the sum of those orgs' single-org times, its ratio to the
slowest of them alone (issue 12 aims at 1.5x or less on two workers), and the requests per
org (as the run's ``--json`` reports them). Everything it starts is stopped at the end.

Usage: ``python bench/scale.py [--users 20] [--rate-limit 8] [--rate-window 2]
[--parallel 4] [--no-prefect]``; a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.conftest import launch_sandbox  # noqa: E402
from tests.prefect.conftest import PREFECT, start_server, stop_group  # noqa: E402

CALBULK = str(Path(sys.executable).parent / "calbulk")
SIZES = (1, 3, 10)


def orgs_file(folder: Path, boxes: list) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = ""
    for box in boxes:
        text += f'[[org]]\nname = "org{box.org_id}"\norg_id = {box.org_id}\n'
        text += f'api_url = "{box.base_url}"\napi_key_env = "ORG{box.org_id}_CAL_KEY"\n\n'
    path = folder / "orgs.toml"
    path.write_text(text)
    return path


def run(env: dict, folder: Path, boxes: list, parallel: int) -> tuple[float, dict]:
    path = orgs_file(folder, boxes)
    started = time.monotonic()
    done = subprocess.run([CALBULK, "backup", "--orgs", str(path), "--out", str(folder / "out"),
                           "--parallel", str(parallel), "--json"], env=env, cwd=folder,
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"calbulk backup --orgs failed:\n{done.stdout}\n{done.stderr}")
    return seconds, json.loads(done.stdout)


def measure(label: str, env: dict, work: Path, boxes: list, parallel: int, indexed) -> None:
    alone = []
    for i, box in enumerate(boxes):
        seconds, _ = run(env, work / f"{label}-alone-{i}", [box], parallel)
        alone.append(seconds)
    print(f"\n{label}: each org alone: " + ", ".join(f"{s:.1f}" for s in alone) + " s")
    print(f"{'orgs':>5} {'wall s':>8} {'sum alone s':>12} {'speed-up':>9} "
          f"{'wall/slowest alone':>19}  requests per org")  # fmt: skip
    for size in SIZES:
        chosen = boxes[:size]
        wall, outcome = run(env, work / f"{label}-{size}", chosen, parallel)
        summed = sum(alone[:size])
        requests = [row["requests"] for row in outcome["orgs"]]
        slowest = max(alone[:size])
        print(f"{size:>5} {wall:>8.1f} {summed:>12.1f} {summed / wall:>8.2f}x "
              f"{wall / slowest:>18.2f}x  min {min(requests)} max {max(requests)}")  # fmt: skip
        indexed.append((label, size, wall, summed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rate-limit", type=int, default=8)
    parser.add_argument("--rate-window", type=float, default=2.0)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--no-prefect", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="calbulk-scale-"))
    boxes, workers, server = [], [], None
    results: list = []
    try:
        for i in range(max(SIZES)):
            boxes.append(launch_sandbox(work / f"sandbox-{i}", seed_users=args.users,
                                        seed=50 + i, rate_limit=args.rate_limit,
                                        rate_window=args.rate_window))  # fmt: skip
        keys = {f"ORG{box.org_id}_CAL_KEY": box.api_key for box in boxes}
        base = {k: v for k, v in os.environ.items() if not k.startswith(("CAL_", "PREFECT_API"))}
        base.update(keys, PREFECT_SERVER_ANALYTICS_ENABLED="false",
                    CALBULK_RATELIMIT_DIR=str(work / "ratelimit"))  # fmt: skip
        print(f"{len(boxes)} sandboxes, {args.users} users each, limit {args.rate_limit} "
              f"per {args.rate_window} s per key; --parallel {args.parallel}")  # fmt: skip
        measure("in-process", {**base, "PREFECT_HOME": str(work / "ph")}, work, boxes,
                args.parallel, results)  # fmt: skip
        if not args.no_prefect:
            server = start_server(work / "prefect-home")
            env = server.env(**keys, CALBULK_RATELIMIT_DIR=str(work / "ratelimit"),
                             CALBULK_HOME=str(REPO), PREFECT_WORKER_QUERY_SECONDS="1")  # fmt: skip
            deployed = subprocess.run([CALBULK, "deploy"], env=env, cwd=REPO,
                                      capture_output=True, text=True, timeout=300)  # fmt: skip
            if deployed.returncode != 0:
                raise SystemExit(deployed.stdout + deployed.stderr)
            for name in ("worker-a", "worker-b"):
                log = (work / f"{name}.log").open("wb")
                workers.append(subprocess.Popen(
                    [PREFECT, "worker", "start", "--pool", "calbulk", "--limit", "2",
                     "--name", name], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work,
                    start_new_session=True))  # fmt: skip
            measure("two workers", env, work, boxes, args.parallel, results)
    finally:
        for process in workers:
            stop_group(process)
        if server is not None:
            stop_group(server.process)
        for box in boxes:
            box.stop()
    print(f"\nwork folder (snapshots, logs): {work}")


if __name__ == "__main__":
    main()
