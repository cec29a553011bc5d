"""Schemathesis against the sandbox process: generated (valid and invalid) requests to every
organization operation of the official spec that the sandbox emulates.

The run is bounded by ``--max-time`` (about a minute and a half; the whole test stays near
two minutes on 2 cores). It passes when: no response is a 5xx, the process is still alive,
and afterwards every list endpoint still answers 200 for every page (so nothing the fuzzer
stored breaks a later read). The spec is ``../shared/calcom/openapi.json`` unless
``CALBULK_OPENAPI`` says otherwise (``tests.conftest.spec_path``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sandbox._server import all_routes
from tests.conftest import spec_path

MAX_TIME_SECONDS = 90
ORG_PREFIX = "/v2/organizations/{orgId}"


def _emulated_paths_regex() -> str:
    """The spec paths the sandbox routes (the others are the router's 404: no point)."""
    paths = sorted({template for _, template, _ in all_routes() if template.startswith(ORG_PREFIX)})
    return "^(" + "|".join(re.escape(p) for p in paths) + ")$"


def _failures(report: Path) -> list[str]:
    """Server errors recorded in the ndjson event stream (for the assertion message)."""
    found = []
    for line in report.read_text(encoding="utf-8").splitlines():
        if '"not_a_server_error"' in line and '"failure"' in line.lower():
            found.append(line[:600])
    return found


def _list_pages(client: httpx.Client, path: str, take: int = 250) -> list[dict]:
    items: list[dict] = []
    for skip in range(0, 100_000, take):
        response = client.get(path, params={"take": take, "skip": skip})
        assert response.status_code == 200, f"GET {path} skip={skip}: {response.text[:300]}"
        page = response.json()["data"]
        assert isinstance(page, list), f"GET {path}: data is not a list"
        items += page
        if len(page) < take:
            return items
    raise AssertionError(f"GET {path} never ended")


@pytest.mark.slow
def test_fuzzing_never_gets_a_server_error_and_leaves_every_list_readable(
    start_sandbox, tmp_path: Path
) -> None:
    spec = spec_path()
    if not spec.is_file():
        pytest.skip(f"Cal.com OpenAPI document not found at {spec} (set CALBULK_OPENAPI)")
    box = start_sandbox(seed_users=8, seed=5, rate_limit=10_000_000)
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        f'[parameters]\n"path.orgId" = {box.org_id}\n[generation]\nmax-examples = 60\n',
        encoding="utf-8",
    )
    report = tmp_path / "events.ndjson"
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(config),
        "run",
        str(spec),
        "--url",
        box.base_url,
        "--header",
        f"Authorization: Bearer {box.api_key}",
        "--include-path-regex",
        _emulated_paths_regex(),
        "--checks",
        "not_a_server_error",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-time",
        str(MAX_TIME_SECONDS),
        "--workers",
        "2",
        "--seed",
        "1",
        "--no-shrink",
        "--request-timeout",
        "10",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--suppress-health-check",
        "all",
    ]
    run = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=MAX_TIME_SECONDS + 90,
        cwd=tmp_path,
    )
    stats = httpx.get(f"{box.base_url}/_sandbox/stats", timeout=10).json()
    assert box.process.poll() is None, "the sandbox process died:\n" + box.log_path.read_text()
    server_errors = {s: n for s, n in stats["by_status"].items() if s.startswith("5")}
    assert stats["requests"] > 500, f"schemathesis barely ran:\n{run.stdout[-3000:]}"
    assert not server_errors, (
        f"5xx answers {server_errors}:\n{_failures(report)[:5]}\n{run.stdout[-4000:]}"
        f"\n{box.log_path.read_text()[-4000:]}"
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]

    org = f"/v2/organizations/{box.org_id}"
    with httpx.Client(
        base_url=box.base_url,
        headers={"Authorization": f"Bearer {box.api_key}"},
        timeout=30,
    ) as client:
        for path in ("/users", "/memberships", "/attributes", "/ooo", "/teams", "/roles"):
            _list_pages(client, org + path, take=1000 if path == "/users" else 250)
        _list_pages(client, org + "/webhooks")
        assert client.get(org + "/teams/me").status_code == 200
        for team in _list_pages(client, org + "/teams"):
            _list_pages(client, f"{org}/teams/{team['id']}/memberships")
            _list_pages(client, f"{org}/teams/{team['id']}/roles")
        for attribute in _list_pages(client, org + "/attributes"):
            response = client.get(f"{org}/attributes/{attribute['id']}/options")
            assert response.status_code == 200, response.text[:300]
        for role in _list_pages(client, org + "/roles"):
            response = client.get(f"{org}/roles/{role['id']}/permissions")
            assert response.status_code == 200, response.text[:300]
        for user in _list_pages(client, org + "/users", take=1000)[:50]:
            response = client.get(f"{org}/users/{user['id']}/ooo")
            assert response.status_code == 200, response.text[:300]
    json.dumps(stats)  # the stats document itself stayed serialisable
