"""Export benchmark: calbulk vs a naive sequential httpx script vs dlt's rest_api source.

Starts one sandbox (``python -m sandbox serve``) seeded with ``--users`` users, then
exports the same organization three ways, one after the other, and prints wall time,
requests (counted by the sandbox itself, not by the contenders) and rows:

- calbulk: the ``export_org`` Prefect flow (Parquet + CSV, validated, manifest);
- naive: plain httpx, one request at a time, max page sizes, records kept in memory
  and written to Parquet with polars;
- dlt: ``rest_api_source`` over the same endpoints into Parquet files (filesystem).

Usage: ``python bench/export.py [--users 10000] [--rate-limit 100000]``. With the
real limit (``--rate-limit 120``) each contender gets its own API key (owner, admin,
then the OAuth client), so they do not share a rate-limit window.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import polars as pl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def start_sandbox(workdir: Path, users: int, rate_limit: int) -> tuple[subprocess.Popen, dict]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    info_file = workdir / "info.json"
    args = [sys.executable, "-m", "sandbox", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--db", str(workdir / "sandbox.db"), "--info-file", str(info_file),
            "--seed-users", str(users), "--seed", "1", "--rate-limit", str(rate_limit)]  # fmt: skip
    log = (workdir / "sandbox.log").open("wb")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
    while not info_file.exists():
        if proc.poll() is not None:
            raise SystemExit(f"sandbox exited: {(workdir / 'sandbox.log').read_text()}")
        time.sleep(0.1)
    return proc, json.loads(info_file.read_text())


def sandbox_counts(info: dict) -> tuple[int, int]:
    """(requests, 429 answers) the sandbox has seen on /v2 so far."""
    stats = httpx.get(f"{info['base_url']}/_sandbox/stats", timeout=10).json()
    return stats["requests"], stats["rate_limited"]


def run_calbulk(info: dict, key: str, out: Path, rate_limit: int) -> int:
    from prefect.testing.utilities import prefect_test_harness

    from flows.export.flow import export_org
    from flows.export.snapshot import read_manifest

    os.environ.update(
        CAL_API_KEY=key, CAL_API_URL=info["base_url"], CAL_ORG_ID=str(info["org_id"]),
        CAL_RATE_LIMIT=str(rate_limit),
    )  # fmt: skip
    with prefect_test_harness(server_startup_timeout=120):  # server start is not timed
        started = time.perf_counter()
        folder = asyncio.run(export_org(out=str(out), format="parquet,csv"))
        run_calbulk.wall = time.perf_counter() - started
    manifest = read_manifest(Path(folder))
    run_calbulk.phases = phase_times(Path(folder), out / "again")
    return sum(t["rows"] for t in manifest["tables"].values())


def phase_times(folder: Path, out: Path) -> str:
    """How long calbulk's local work takes on these tables: validation and writing."""
    from flows.export.snapshot import SnapshotRun, write_snapshot
    from transforms.snapshot.checks import validate_snapshot
    from transforms.snapshot.schemas import TABLE_NAMES

    tables = {name: pl.read_parquet(folder / f"{name}.parquet") for name in TABLE_NAMES}
    t0 = time.perf_counter()
    validate_snapshot(tables)
    t1 = time.perf_counter()
    run = SnapshotRun(org_id=0, api_url="-", started_at=datetime.now(UTC))
    write_snapshot(tables, out, run, formats=("parquet", "csv"))
    t2 = time.perf_counter()
    return f"of which validation {t1 - t0:.2f}s, writing Parquet+CSV {t2 - t1:.2f}s"


def naive_pages(http: httpx.Client, path: str, take: int) -> list[dict]:
    rows: list[dict] = []
    while True:
        page = http.get(path, params={"take": take, "skip": len(rows)})
        page.raise_for_status()
        data = page.json()["data"]
        rows += data
        if len(data) < take:
            return rows


def run_naive(info: dict, headers: dict, out: Path) -> int:
    base = f"{info['base_url']}/v2/organizations/{info['org_id']}"
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        tables = {
            "users": naive_pages(http, "/users", 1000),
            "memberships": naive_pages(http, "/memberships", 250),
            "attributes": naive_pages(http, "/attributes", 250),
            "ooo": naive_pages(http, "/ooo", 250),
            "teams": naive_pages(http, "/teams", 250),
            "roles": naive_pages(http, "/roles", 250),
            "webhooks": naive_pages(http, "/webhooks", 250),
        }
        tables["options"] = [
            o for a in tables["attributes"]
            for o in http.get(f"/attributes/{a['id']}/options").json()["data"]
        ]  # fmt: skip
        for kind in ("memberships", "roles"):
            paths = [f"/teams/{t['id']}/{kind}" for t in tables["teams"]]
            tables[f"team_{kind}"] = [r for path in paths for r in naive_pages(http, path, 250)]
    out.mkdir(parents=True)
    for name, rows in tables.items():
        flat = [{k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in r.items()}
                for r in rows]  # fmt: skip
        pl.DataFrame(flat, infer_schema_length=None).write_parquet(out / f"{name}.parquet")
    return sum(len(rows) for rows in tables.values())


def dlt_source(info: dict, headers: dict):
    from dlt.sources.rest_api import rest_api_source

    def paged(take: int) -> dict:
        return {"type": "offset", "limit": take, "offset_param": "skip", "limit_param": "take",
                "total_path": None}  # fmt: skip

    def per(parent: str, path: str, name: str) -> dict:
        return {"name": name, "endpoint": {
            "path": path, "paginator": paged(250),
            "params": {"pid": {"type": "resolve", "resource": parent, "field": "id"}}}}  # fmt: skip

    options = per("attributes", "attributes/{pid}/options", "attribute_options")
    options["endpoint"]["paginator"] = "single_page"
    return rest_api_source({
        "client": {"base_url": f"{info['base_url']}/v2/organizations/{info['org_id']}/",
                   "headers": headers},
        "resource_defaults": {"endpoint": {"data_selector": "data", "paginator": paged(250)}},
        "resources": [
            {"name": "users", "endpoint": {"path": "users", "paginator": paged(1000)}},
            "memberships", "attributes", options, "ooo", "teams",
            per("teams", "teams/{pid}/memberships", "team_memberships"),
            "roles", per("teams", "teams/{pid}/roles", "team_roles"), "webhooks",
        ],
    })  # fmt: skip


def run_dlt(info: dict, headers: dict, out: Path) -> int:
    import dlt

    pipeline = dlt.pipeline(
        pipeline_name="bench_export", pipelines_dir=str(out / ".dlt"),
        destination=dlt.destinations.filesystem(bucket_url=str(out / "data")),
        dataset_name="org",
    )  # fmt: skip
    info_run = pipeline.run(dlt_source(info, headers), loader_file_format="parquet")
    counts = pipeline.last_trace.last_normalize_info.row_counts
    del info_run
    return sum(n for table, n in counts.items() if not table.startswith("_dlt"))


def measure(name: str, info: dict, run) -> dict:
    before = sandbox_counts(info)
    started = time.perf_counter()
    try:
        rows = run()
    except Exception as error:  # a contender that trips the rate limit fails: report it
        rows = f"FAILED: {type(error).__name__} {str(error).splitlines()[0][:60]}"
    wall = getattr(run_calbulk, "wall", None) if name == "calbulk" else None
    wall = wall or time.perf_counter() - started
    after = sandbox_counts(info)
    return {"name": name, "wall": wall, "requests": after[0] - before[0],
            "429s": after[1] - before[1], "rows": rows}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--rate-limit", type=int, default=100000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="calbulk-bench-export-"))
    t0 = time.perf_counter()
    proc, info = start_sandbox(work, args.users, args.rate_limit)
    print(f"sandbox: {args.users} seeded users, rate limit {args.rate_limit}/min, "
          f"ready in {time.perf_counter() - t0:.1f}s")  # fmt: skip
    keys = info["api_keys"]
    oauth = {"x-cal-client-id": info["oauth_client"]["client_id"],
             "x-cal-secret-key": info["oauth_client"]["secret_key"]}  # fmt: skip
    try:
        results = [
            measure("calbulk", info,
                    lambda: run_calbulk(info, keys["owner"], work / "calbulk", args.rate_limit)),
            measure("naive httpx", info, lambda: run_naive(
                info, {"Authorization": f"Bearer {keys['admin']}"}, work / "naive")),
            measure("dlt rest_api", info, lambda: run_dlt(info, oauth, work / "dlt")),
        ]  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"\n{'contender':<14}{'wall s':>9}{'requests':>10}{'429s':>6}  rows")
    for r in results:
        print(f"{r['name']:<14}{r['wall']:>9.2f}{r['requests']:>10}{r['429s']:>6}  {r['rows']}")
    print(f"\ncalbulk: {getattr(run_calbulk, 'phases', '')}")
    print(
        "calbulk wall time excludes the Prefect server start-up; rows count every table "
        "each contender wrote (calbulk also splits assignments and permissions out).\n"
        "Credentials: calbulk the owner API key, naive the admin API key, dlt the OAuth "
        "client (the sandbox gives OAuth clients 500/120 of the API-key limit)."
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
