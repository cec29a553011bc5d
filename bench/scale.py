"""Many organizations: wall time of ``calbulk backup --orgs`` for 1, 3 and 10 orgs.

Starts 10 sandboxes on loopback (each its own org and key, a compressed rate limit so every
backup waits on its limit as a real one does), then, in-process and on a real Prefect server
with two ``prefect worker start --pool calbulk --limit 2`` workers:

- the baseline: each org backed up alone (``calbulk backup --orgs`` of a one-org file);
- 1, 3 and 10 orgs in one ``calbulk backup --orgs`` run,

and prints each wall time next to the sum of those orgs' single-org times, its ratio to the
slowest of them alone (issue 12 aims at 1.5x or less on two workers), and the requests per
org (as the run's ``--json`` reports them). On Prefect it also prints where each run's wall
time went, from the child runs' state history (median / max over the orgs): ``submit``
(command start to the child run created: the CLI and parent flow starting), ``pickup``
(created to Pending: a worker polling), ``start`` (Pending to Running: the worker's
process importing calbulk), ``backup`` (Running to Completed) and ``after`` (the last child
done to the command's end: the parent noticing and tabling). Everything it starts is
stopped at the end.

Usage: ``python bench/scale.py [--users 20] [--rate-limit 8] [--rate-window 2]
[--parallel 4] [--no-prefect]``; a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.conftest import free_port, launch_sandbox  # noqa: E402
from tests.prefect.conftest import PREFECT, start_server, stop_group  # noqa: E402

CALBULK = str(Path(sys.executable).parent / "calbulk")
SIZES = (1, 3, 10)
TICK = os.sysconf("SC_CLK_TCK")
DATABASE_URL = "PREFECT_API_DATABASE_CONNECTION_URL"  # the server's database


def processes() -> Iterator[list[str]]:
    """The fields of every process's /proc/PID/stat after its name: [0] state, [1] parent,
    [2] process group, [11:15] utime stime cutime cstime (in clock ticks)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            yield stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue


def cpu_of(groups: list[int]) -> float:
    """CPU seconds used by the process groups' live processes and their reaped children."""
    return sum(sum(int(f) for f in fields[11:15]) / TICK
               for fields in processes() if int(fields[2]) in groups)  # fmt: skip


def settle(groups: list[int], timeout: float = 10.0) -> None:
    """Wait until the groups' leaders have no children left (a worker reaps its flow-run
    process a moment after the run ends; only then is its CPU in the worker's count)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not {int(fields[1]) for fields in processes()} & set(groups):
            return
        time.sleep(0.2)


def cli_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def orgs_file(folder: Path, boxes: list) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = ""
    for box in boxes:
        text += f'[[org]]\nname = "org{box.org_id}"\norg_id = {box.org_id}\n'
        text += f'api_url = "{box.base_url}"\napi_key_env = "ORG{box.org_id}_CAL_KEY"\n\n'
    path = folder / "orgs.toml"
    path.write_text(text)
    return path


def run(
    env: dict, folder: Path, boxes: list, parallel: int, watched: dict[str, list[int]] | None = None
) -> tuple[float, dict, dict[str, float]]:
    """One ``calbulk backup --orgs`` of ``boxes``: wall seconds, its --json outcome, and the
    CPU seconds it cost: the command itself (``cli``) and each ``watched`` group of
    processes (the workers with the flow-run processes they started, the server)."""
    path = orgs_file(folder, boxes)
    watched = watched or {}
    before = {name: cpu_of(pids) for name, pids in watched.items()}
    cli_before = cli_cpu()
    started = time.monotonic()
    folder.joinpath("started").write_text(str(time.time()))
    done = subprocess.run([CALBULK, "backup", "--orgs", str(path), "--out", str(folder / "out"),
                           "--parallel", str(parallel), "--json"], env=env, cwd=folder,
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    seconds = time.monotonic() - started
    folder.joinpath("ended").write_text(str(time.time()))
    if done.returncode != 0:
        raise SystemExit(f"calbulk backup --orgs failed:\n{done.stdout}\n{done.stderr}")
    settle(watched.get("workers", []))
    cpu = {"cli": cli_cpu() - cli_before}
    cpu.update({name: cpu_of(pids) - before[name] for name, pids in watched.items()})
    return seconds, json.loads(done.stdout), cpu


def show_cpu(label: str, cpu: dict[str, float]) -> None:
    print(f"      {label} CPU s: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()))


def phases(api_url: str, folder: Path) -> dict[str, list[float]]:
    """Seconds of each phase of the child runs ``calbulk backup --orgs`` made in ``folder``,
    from their state history on the server (see the module's docstring)."""
    started, ended = (float(folder.joinpath(n).read_text()) for n in ("started", "ended"))
    body = {"flows": {"name": {"any_": ["backup_org"]}}, "limit": 200}
    runs = [r for r in httpx.post(f"{api_url}/flow_runs/filter", json=body, timeout=30).json()
            if r["parameters"].get("out") == str(folder / "out")]  # fmt: skip
    out: dict[str, list[float]] = {k: [] for k in ("submit", "pickup", "start", "backup")}
    done = []
    for run in runs:
        states = httpx.get(f"{api_url}/flow_run_states/", params={"flow_run_id": run["id"]},
                           timeout=30).json()  # fmt: skip
        at = {}
        for state in states:  # the first time the run entered each state
            at.setdefault(state["type"], datetime.fromisoformat(state["timestamp"]).timestamp())
        created = datetime.fromisoformat(run["created"]).timestamp()
        out["submit"].append(created - started)
        out["pickup"].append(at["PENDING"] - created)
        out["start"].append(at["RUNNING"] - at["PENDING"])
        out["backup"].append(at["COMPLETED"] - at["RUNNING"])
        done.append(at["COMPLETED"])
    out["after"] = [ended - max(done)]
    return out


def show_phases(label: str, found: dict[str, list[float]]) -> None:
    shown = (f"{name} {statistics.median(v):.1f}/{max(v):.1f}" for name, v in found.items())
    print(f"      {label}: " + ", ".join(shown))


def measure(label: str, env: dict, work: Path, boxes: list, args,
            api_url: str | None = None, watched: dict | None = None) -> None:  # fmt: skip
    run(env, work / f"{label}-warm-up", boxes[:1], args.parallel)  # not counted: a fresh
    # server's first run is seconds slower (seen: submit 4.9 s, then 1.8 s)
    alone, alone_cpu = [], []
    for i, box in enumerate(boxes[: max(args.sizes)]):
        seconds, _, cpu = run(env, work / f"{label}-alone-{i}", [box], args.parallel, watched)
        alone.append(seconds)
        alone_cpu.append(cpu)
    print(f"\n{label}: each org alone: " + ", ".join(f"{s:.1f}" for s in alone) + " s")
    print("  where the time went, median/max seconds over the orgs, and CPU seconds:")
    show_cpu("each alone (median)",
             {k: statistics.median(c[k] for c in alone_cpu) for k in alone_cpu[0]})  # fmt: skip
    if api_url:
        alone_phases: dict[str, list[float]] = {}
        for i in range(len(alone)):
            for name, values in phases(api_url, work / f"{label}-alone-{i}").items():
                alone_phases.setdefault(name, []).extend(values)
        show_phases("each alone", alone_phases)
    print(f"{'orgs':>5} {'wall s':>8} {'sum alone s':>12} {'speed-up':>9} "
          f"{'wall/slowest alone':>19}  requests per org")  # fmt: skip
    for size in args.sizes:
        chosen, ratios = boxes[:size], []
        for attempt in range(args.repeat):
            folder = work / f"{label}-{size}" / str(attempt)
            wall, outcome, cpu = run(env, folder, chosen, args.parallel, watched)
            summed = sum(alone[:size])
            requests = [row["requests"] for row in outcome["orgs"]]
            slowest = max(alone[:size])
            ratios.append(wall / slowest)
            print(f"{size:>5} {wall:>8.1f} {summed:>12.1f} {summed / wall:>8.2f}x "
                  f"{wall / slowest:>18.2f}x  min {min(requests)} max {max(requests)}")  # fmt: skip
            show_cpu(f"{size} orgs", cpu)
            if api_url:
                show_phases(f"{size} orgs", phases(api_url, folder))
        if args.repeat > 1:
            print(f"      {size} orgs, wall/slowest alone over {args.repeat} runs: median "
                  f"{statistics.median(ratios):.2f}x, max {max(ratios):.2f}x")  # fmt: skip


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL on loopback for the Prefect server (``initdb`` and
    ``postgres`` from PATH, as the ``postgres`` user when this runs as root, which
    PostgreSQL refuses): yields its SQLAlchemy URL; stopped and removed at the end."""
    initdb, binary = shutil.which("initdb"), shutil.which("postgres")
    if not initdb or not binary:
        raise SystemExit("--postgres needs PostgreSQL's initdb and postgres on PATH")
    folder = Path(tempfile.mkdtemp(prefix="calbulk-scale-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
    subprocess.run([*as_user, initdb, "-D", str(folder / "data"), "-A", "trust",
                    "-U", "postgres"], check=True, capture_output=True)  # fmt: skip
    port = free_port()
    with (folder / "postgres.log").open("wb") as log:
        process = subprocess.Popen([*as_user, binary, "-D", str(folder / "data"), "-p",
                                    str(port), "-h", "127.0.0.1", "-k", str(folder)],
                                   stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                              "-c", "CREATE DATABASE prefect"],
                             capture_output=True).returncode:  # fmt: skip
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"PostgreSQL did not start: {folder / 'postgres.log'}")
            time.sleep(0.3)
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/prefect"
    finally:
        stop_group(process)
        shutil.rmtree(folder, ignore_errors=True)


def on_prefect(label: str, args, work: Path, boxes: list, keys: dict, database: str | None):
    """``measure`` on a real Prefect server (on SQLite, or the ``database`` URL) with two
    ``prefect worker start --pool calbulk --limit 2`` workers; all stopped at the end."""
    workers: list[subprocess.Popen] = []
    extra = {DATABASE_URL: database} if database else {}
    server = start_server(work / f"prefect-home-{label.split()[-1]}", extra_env=extra)
    try:
        env = server.env(**keys, CALBULK_RATELIMIT_DIR=str(work / "ratelimit"),
                         CALBULK_HOME=str(REPO), PREFECT_WORKER_QUERY_SECONDS="1")  # fmt: skip
        deployed = subprocess.run([CALBULK, "deploy"], env=env, cwd=REPO,
                                  capture_output=True, text=True, timeout=300)  # fmt: skip
        if deployed.returncode != 0:
            raise SystemExit(deployed.stdout + deployed.stderr)
        for name in ("worker-a", "worker-b"):
            with (work / f"{label}-{name}.log").open("wb") as log:
                workers.append(subprocess.Popen(
                    [PREFECT, "worker", "start", "--pool", "calbulk", "--limit", "2",
                     "--name", name], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work,
                    start_new_session=True))  # fmt: skip
        watched = {"workers": [w.pid for w in workers], "server": [server.process.pid]}
        measure(label, env, work, boxes, args, server.api_url, watched)
    finally:
        for process in workers:
            stop_group(process)
        stop_group(server.process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rate-limit", type=int, default=8)
    parser.add_argument("--rate-window", type=float, default=2.0)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--no-prefect", action="store_true")
    parser.add_argument("--no-in-process", action="store_true")
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(n) for n in text.split(",")],
        default=list(SIZES),
        help="org counts, e.g. 1,3 (default 1,3,10)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each org count")
    parser.add_argument("--postgres", action="store_true",
                        help="also on a Prefect server on PostgreSQL (initdb on PATH)")  # fmt: skip
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="calbulk-scale-"))
    boxes = []
    try:
        for i in range(max(args.sizes)):
            boxes.append(launch_sandbox(work / f"sandbox-{i}", seed_users=args.users,
                                        seed=50 + i, rate_limit=args.rate_limit,
                                        rate_window=args.rate_window))  # fmt: skip
        keys = {f"ORG{box.org_id}_CAL_KEY": box.api_key for box in boxes}
        base = {k: v for k, v in os.environ.items() if not k.startswith(("CAL_", "PREFECT_API"))}
        base.update(keys, PREFECT_SERVER_ANALYTICS_ENABLED="false",
                    CALBULK_RATELIMIT_DIR=str(work / "ratelimit"))  # fmt: skip
        print(f"{len(boxes)} sandboxes, {args.users} users each, limit {args.rate_limit} "
              f"per {args.rate_window} s per key; --parallel {args.parallel}")  # fmt: skip
        if not args.no_in_process:
            measure("in-process", {**base, "PREFECT_HOME": str(work / "ph")}, work, boxes, args)
        if not args.no_prefect:
            on_prefect("two workers, SQLite", args, work, boxes, keys, None)
        if args.postgres:
            with postgres() as url:
                on_prefect("two workers, PostgreSQL", args, work, boxes, keys, url)
    finally:
        for box in boxes:
            box.stop()
    print(f"\nwork folder (snapshots, logs): {work}")


if __name__ == "__main__":
    main()
