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
