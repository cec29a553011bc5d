"""Migration benchmark (issue 11): an org of ``--users`` people migrated into an empty org.

Two sandboxes on loopback: the source seeded with ``--users`` users (attributes of every type,
teams with team roles, OOO with coverers, custom roles, a webhook), the target emptied through
the API to its key holders. Times, as subprocesses run the way a person runs them:

- ``calbulk export`` of the source: the baseline of the same run (reading is part of both);
- ``calbulk migrate --from SNAPSHOT --dry-run``, then ``calbulk migrate --from SNAPSHOT``;
- a second ``--dry-run`` (must plan 0 steps);

and prints the steps planned, the writes and reads the target saw (the sandbox's own count,
``/_sandbox/stats``) against the minimum (one write per step), and whether a fresh export of
the target equals the source on natural keys (the e2e test's comparison).

Usage: ``python bench/migrate.py [--users 500]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.cli.conftest import CALBULK, base_env  # noqa: E402
from tests.conftest import launch_sandbox  # noqa: E402
from tests.flows.test_migrate_e2e import differences, emptied  # noqa: E402


def timed(env: dict, cwd: Path, *args: str) -> tuple[float, dict]:
    started = time.perf_counter()
    done = subprocess.run([CALBULK, *args, "--json"], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=3600)  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: some rows failed; the receipt says which
        receipt = json.loads(done.stdout or "{}").get("receipt")
        failed = ""
        if receipt:
            lines = Path(receipt).read_text().splitlines()
            failed = "\n".join(line for line in lines if ",failed," in line)
        sys.exit(
            f"calbulk {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}"
            f"\n{failed[:3000]}"
        )
    return seconds, json.loads(done.stdout)


def requests(box) -> int:
    return int(httpx.get(f"{box.base_url}/_sandbox/stats", timeout=10).json()["requests"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = launch_sandbox(work / "src", seed_users=args.users, seed=7, rate_limit=1000000)
        target = launch_sandbox(work / "dst", seed_users=0, seed=8, rate_limit=1000000)
        try:
            emptied(target)
            env = {**base_env(work), "CAL_API_URL": target.base_url, "CAL_API_KEY": target.api_key,
                   "CAL_RATE_LIMIT": "1000000"}  # fmt: skip
            source_env = {**env, "CAL_API_URL": source.base_url, "CAL_API_KEY": source.api_key}
            export_s, exported = timed(source_env, work, "export", "--out", str(work / "src-out"),
                                       "--format", "parquet")  # fmt: skip
            snapshot = exported["folder"]
            migrate = ["migrate", "--from", snapshot, "--out", str(work / "runs")]
            dry_s, dry = timed(env, work, *migrate, "--dry-run")
            before = requests(target)
            run_s, run = timed(env, work, *migrate)
            sent = requests(target) - before
            again_s, again = timed(env, work, *migrate, "--dry-run")
            _, fresh = timed(env, work, "export", "--out", str(work / "dst-out"), "--format",
                             "parquet")  # fmt: skip
            found = differences(Path(snapshot), Path(fresh["folder"]))
            failed = _failed(run.get("receipt"))
        finally:
            source.stop()
            target.stop()
    print(f"migrate benchmark: {args.users} users into an empty org (no rate limit)")
    print(f"  baseline: export of the source   {export_s:7.2f} s")
    print(f"  migrate --dry-run                {dry_s:7.2f} s   {dry['steps']} steps planned")
    print(f"  migrate                          {run_s:7.2f} s   {sent} requests to the target "
          f"for {run['steps']} steps (minimum {run['steps']} writes)")  # fmt: skip
    print(f"  second --dry-run                 {again_s:7.2f} s   {again['steps']} steps")
    print(f"  second run's writes: {again['steps']}; rows the target refused: {len(failed)}")
    for line in failed[:5]:
        print(f"    {line}")
    gaps = {name: (a.height, b.height) for name, (a, b) in found.items()}
    print(f"  tables differing from the source on natural keys (only-source, only-target rows): "
          f"{gaps or 'none'}")  # fmt: skip


def _failed(receipt: str | None) -> list[str]:
    if not receipt:
        return []
    return [line for line in Path(receipt).read_text().splitlines() if ",failed," in line]


if __name__ == "__main__":
    main()
