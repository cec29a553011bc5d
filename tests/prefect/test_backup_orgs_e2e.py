"""`calbulk backup --orgs` on a real Prefect server with one process work pool and two real
workers (`prefect worker start --pool calbulk --limit 2`, the README's command): three
sandbox orgs, each with its own key (in the workers' environment, named by the orgs file) and
a compressed limit so each backup needs several windows. The parent run submits one
backup_org run per org; they run on both workers and every org's snapshot is exact.

The wall time against the slowest org alone is measured by bench/scale.py ("wall / slowest
alone"), not asserted here: the team's rule is no timed assertions in tests, and on a shared
2-core machine the ratio swung from 1.26x to 1.74x between identical runs."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.flows.test_backup_orgs import assert_snapshot_exact, orgs_toml
from tests.prefect.conftest import PREFECT, REPO_ROOT, PrefectServer, artifacts_of, stop_group

pytestmark = pytest.mark.slow
WORKERS = ("worker-a", "worker-b")


@pytest.fixture
def two_workers(prefect_server: PrefectServer, tmp_path: Path) -> Iterator:
    started: list[subprocess.Popen] = []

    def _start(env: dict) -> None:
        for name in WORKERS:
            log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115
            started.append(subprocess.Popen(
                [PREFECT, "worker", "start", "--pool", "calbulk", "--limit", "2", "--name", name],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
                start_new_session=True,
            ))  # fmt: skip
            log.close()

    yield _start
    for process in started:
        stop_group(process)


def backup_orgs(server: PrefectServer, boxes: dict, folder: Path) -> tuple[float, dict]:
    """`calbulk backup --orgs` of ``boxes`` on the server: its wall time, --json outcome."""
    folder.mkdir(parents=True)
    (folder / "orgs.toml").write_text(orgs_toml(boxes))
    started = time.monotonic()
    done = server.run("calbulk", "backup", "--orgs", "orgs.toml", "--out", str(folder / "out"),
                      "--json", cwd=folder)  # fmt: skip
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    return seconds, json.loads(done.stdout)


def worker_of(server: PrefectServer, run_id: str) -> str:
    """The worker that ran a flow run, from the line the worker logs to the run."""
    body = {"logs": {"flow_run_id": {"any_": [run_id]}}, "limit": 200}
    for log in server.api("POST", "/logs/filter", json=body).json():
        if "submitting flow run" in log["message"]:
            return log["message"].split("'")[1]
    raise AssertionError(f"no worker logged to flow run {run_id}")


def test_three_orgs_spread_over_two_workers(
    prefect_server: PrefectServer, two_workers, start_sandbox, tmp_path: Path
) -> None:
    server = prefect_server
    boxes = {name: start_sandbox(seed_users=20, seed=seed, rate_limit=4, rate_window=3)
             for name, seed in (("acme", 31), ("globex", 32), ("initech", 33))}  # fmt: skip
    deployed = server.run("calbulk", "deploy")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    # the keys live in the workers' environment only; the orgs file names the variables
    keys = {f"{name.upper()}_CAL_KEY": box.api_key for name, box in boxes.items()}
    two_workers(server.env(**keys, CALBULK_HOME=str(REPO_ROOT),
                           PREFECT_WORKER_QUERY_SECONDS="1"))  # fmt: skip

    out = tmp_path / "all"
    _, outcome = backup_orgs(server, boxes, out)
    rows = {row["name"]: row for row in outcome["orgs"]}
    assert sorted(rows) == sorted(boxes) and outcome["failed"] == []
    for row in rows.values():  # several windows of the limit (4 per 3 s) each
        assert row["outcome"] == "ok" and row["requests"] > 3 * 4, row

    # the three runs, as the Prefect API has them: completed, on both workers
    body = {"flows": {"name": {"any_": ["backup_org"]}}, "limit": 50}
    runs = [r for r in server.api("POST", "/flow_runs/filter", json=body).json()
            if r["parameters"].get("out") == str(out / "out")]  # fmt: skip
    assert sorted(r["parameters"]["org_id"] for r in runs) == sorted(
        box.org_id for box in boxes.values())  # fmt: skip
    assert all(r["state"]["type"] == "COMPLETED" for r in runs)
    workers = {r["parameters"]["org_id"]: worker_of(server, r["id"]) for r in runs}
    assert set(workers.values()) == set(WORKERS), workers
    for run in runs:  # the key's variable name is a parameter, the key never
        assert run["parameters"]["api_key_env"] in keys
        assert not set(keys.values()) & set(json.dumps(run["parameters"]).split('"'))
    for name, box in boxes.items():
        assert rows[name]["worker"] == workers[box.org_id]
        folder = Path(rows[name]["folder"])
        assert folder.parent == out / "out" / str(box.org_id)
        assert_snapshot_exact(folder, box)

    # the parent run's table artifact lists each org's outcome
    body = {"flows": {"name": {"any_": ["backup_orgs"]}}, "limit": 50}
    parents = [r for r in server.api("POST", "/flow_runs/filter", json=body).json()
               if r["parameters"].get("out") == str(out / "out")]  # fmt: skip
    (parent,) = parents
    (table,) = [a for a in artifacts_of(server, parent["id"]) if a["key"] == "backup-orgs"]
    listed = {row["name"]: row for row in json.loads(table["data"])}
    assert {n: (r["outcome"], r["rows"], r["requests"]) for n, r in listed.items()} == {
        n: ("ok", r["rows"], r["requests"]) for n, r in rows.items()}  # fmt: skip


def test_the_readme_shows_the_worker_command_with_a_limit() -> None:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Many organizations") :]
    assert "prefect worker start --pool calbulk --limit 2" in section
