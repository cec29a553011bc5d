"""The pinned Prefect works as a real server, not only as an ephemeral API: `calbulk deploy`
creates the pool and registers prefect.yaml, the scheduler creates Scheduled runs of the
nightly backup, `prefect deploy --all` exits 0 and the listing commands answer."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime

import pytest

from tests.prefect.conftest import REPO_ROOT, PrefectServer

pytestmark = pytest.mark.slow

DEPLOYMENTS = {"backup_org/nightly-backup", "report_org/weekly-report", "import_file/import-file"}


def deployment(server: PrefectServer, name: str) -> dict:
    flow, deployment_name = name.split("/")
    return server.api("GET", f"/deployments/name/{flow}/{deployment_name}").json()


def test_deploy_registers_everything_and_the_scheduler_creates_runs(
    prefect_server: PrefectServer,
) -> None:
    server = prefect_server
    done = server.run("calbulk", "deploy")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "work pool 'calbulk': created (process)" in done.stdout
    for name in DEPLOYMENTS:
        assert f"deployed {name} on pool 'calbulk'" in done.stdout
    pool = server.api("GET", "/work_pools/calbulk").json()
    assert pool["type"] == "process"

    nightly = deployment(server, "backup_org/nightly-backup")
    assert nightly["work_pool_name"] == "calbulk"
    assert [s["schedule"]["cron"] for s in nightly["schedules"]] == ["0 2 * * *"]
    assert set(nightly["parameters"]) == {
        "org_id", "out", "format", "keep_daily", "keep_weekly", "keep_monthly"
    }  # fmt: skip
    weekly = deployment(server, "report_org/weekly-report")
    assert [s["schedule"]["cron"] for s in weekly["schedules"]] == ["0 6 * * 1"]
    # the pull step points the worker at this checkout
    assert str(REPO_ROOT) in str(nightly["pull_steps"])

    # the scheduler (every 2 s here) creates Scheduled runs at 02:00 UTC
    deadline, runs = time.monotonic() + 90, []
    while time.monotonic() < deadline and not runs:
        body = {"deployments": {"id": {"any_": [nightly["id"]]}},
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}}  # fmt: skip
        runs = server.api("POST", "/flow_runs/filter", json=body).json()
        time.sleep(1)
    assert runs, "the scheduler created no Scheduled run:\n" + server.log_path.read_text()[-3000:]
    for run in runs:
        start = datetime.fromisoformat(run["expected_start_time"].replace("Z", "+00:00"))
        assert (start.hour, start.minute, start.utcoffset().total_seconds()) == (2, 0, 0)
    assert "Can't evaluate bulk DML" not in server.log_path.read_text()

    # a second deploy finds the pool and updates in place
    again = server.run("calbulk", "deploy")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "work pool 'calbulk': exists" in again.stdout
    as_json = server.run("calbulk", "deploy", "--json")
    outcome = json.loads(as_json.stdout)  # the whole of stdout is one JSON object
    assert (as_json.returncode, outcome["exit_code"], outcome["pool_created"]) == (0, 0, False)
    assert set(outcome["deployments"]) == DEPLOYMENTS and outcome["pool"] == "calbulk"


def test_prefect_deploy_all_and_the_listings_answer(prefect_server: PrefectServer) -> None:
    server = prefect_server
    env = server.env(CALBULK_HOME=str(REPO_ROOT))
    created = server.run("prefect", "work-pool", "create", "calbulk", "--type", "process",
                         "--overwrite", env=env)  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr
    deployed = server.run("prefect", "--no-prompt", "deploy", "--all", env=env, cwd=REPO_ROOT)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    listings = {
        ("deployment", "ls"): ["nightly-backup", "weekly-report", "import-file"],
        ("work-pool", "ls"): ["calbulk"],
        ("flow-run", "ls"): [],
        ("artifact", "ls"): [],
    }
    for command, expected in listings.items():
        done = server.run("prefect", *command, env=env)
        assert done.returncode == 0, (command, done.stdout + done.stderr)
        # the 422 these listings used to fail with (prefect 3.8.8), never a random pool id
        said = done.stdout + done.stderr
        assert not re.search(r"Unprocessable|Input should be", said), (
            command,
            said,
        )
        for word in expected:
            assert word in done.stdout, (command, done.stdout)


def test_deploy_without_a_server_says_what_to_set(prefect_server: PrefectServer) -> None:
    env = prefect_server.env()
    env.pop("PREFECT_API_URL")
    done = prefect_server.run("calbulk", "deploy", env=env)
    assert done.returncode == 2
    assert "PREFECT_API_URL is not set" in done.stderr
    down = prefect_server.env(PREFECT_API_URL="http://127.0.0.1:9/api")
    done = prefect_server.run("calbulk", "deploy", env=down)
    assert done.returncode == 2
    assert "did not answer" in done.stderr and "http://127.0.0.1:9/api" in done.stderr
    done = prefect_server.run("calbulk", "deploy", "--json", env=down)
    assert done.returncode == 2 and json.loads(done.stdout)["exit_code"] == 2


def test_deploy_on_another_pool(prefect_server: PrefectServer) -> None:
    done = prefect_server.run("calbulk", "deploy", "--pool", "night-shift")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "work pool 'night-shift': created (process)" in done.stdout
    for name in DEPLOYMENTS:
        assert deployment(prefect_server, name)["work_pool_name"] == "night-shift", name
    assert "prefect worker start --pool night-shift" in done.stdout
