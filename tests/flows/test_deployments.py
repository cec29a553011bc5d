"""prefect.yaml names real flows with parameters they accept and schedules Prefect parses."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
import yaml
from prefect import Flow
from prefect.client.schemas.schedules import CronSchedule

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text())["deployments"]


def load_entrypoint(entrypoint: str) -> Flow:
    path, name = entrypoint.split(":")
    assert (REPO_ROOT / path).is_file(), f"{path} does not exist"
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, name)


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=[d["name"] for d in DEPLOYMENTS])
def test_deployment_points_at_a_flow_with_those_parameters(deployment: dict) -> None:
    flow = load_entrypoint(deployment["entrypoint"])
    assert isinstance(flow, Flow)
    accepted = set(inspect.signature(flow.fn).parameters)
    unknown = set(deployment.get("parameters", {})) - accepted
    assert not unknown, f"{deployment['name']}: parameters the flow does not take: {unknown}"
    for schedule in deployment.get("schedules", []):
        CronSchedule(cron=schedule["cron"], timezone=schedule.get("timezone"))


def test_no_deployment_carries_a_credential() -> None:
    text = (REPO_ROOT / "prefect.yaml").read_text().lower()
    for word in ("cal_live", "cal_test", "secret_key:", "api_key:"):
        assert word not in text


def by_name(name: str) -> dict:
    return next(d for d in DEPLOYMENTS if d["name"] == name)


def test_the_nightly_backup_and_weekly_report_run_the_backup_flows() -> None:
    nightly = by_name("nightly-backup")
    assert nightly["entrypoint"] == "flows/backup/flow.py:backup_org"
    assert set(nightly["parameters"]) == {
        "org_id", "out", "format", "keep_daily", "keep_weekly", "keep_monthly"
    }  # fmt: skip
    assert "parquet" in nightly["parameters"]["format"].split(",")
    assert [s["cron"] for s in nightly["schedules"]] == ["0 2 * * *"]
    weekly = by_name("weekly-report")
    assert weekly["entrypoint"] == "flows/backup/flow.py:report_org"
    assert weekly["parameters"]["out"] == nightly["parameters"]["out"]  # reports what it backs up
    assert by_name("import-file")["entrypoint"] == "flows/importer/flow.py:import_file"
    assert all(d["work_pool"]["name"] == "calbulk" for d in DEPLOYMENTS)


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=[d["name"] for d in DEPLOYMENTS])
def test_no_flow_takes_a_credential_as_a_parameter(deployment: dict) -> None:
    accepted = set(inspect.signature(load_entrypoint(deployment["entrypoint"]).fn).parameters)
    # where a key is (the NAME of a worker's variable or of a Secret block) may be a parameter,
    # as `backup --orgs` passes it; the key itself never
    references = {p for p in accepted if p.endswith(("_env", "_block"))}
    for word in ("key", "secret", "token", "password", "client_id"):
        found = [p for p in accepted - references if word in p.lower()]
        assert not found, (deployment["name"], accepted)
    assert "cal_" not in str(deployment.get("parameters", {})).lower()  # no key as a default
