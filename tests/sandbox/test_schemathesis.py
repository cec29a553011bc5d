"""Schemathesis against the sandbox process: generated (valid and invalid) requests to every
organization operation of the official spec that the sandbox emulates.

The run is bounded by ``--max-time`` (about a minute and a half; the whole test stays near
two minutes on 2 cores). It passes when: no response is a 5xx (the sandbox's own count and
schemathesis' ``not_a_server_error`` check), the process is still alive, and afterwards every
list endpoint still answers 200 for every page (so nothing the fuzzer stored breaks a later
read). The spec is ``../shared/calcom/openapi.json`` unless ``CALBULK_OPENAPI`` says otherwise
(``tests.conftest.spec_path``).

Assigning an option with neither ``attributeOptionId`` nor ``value`` (the real API's own 500,
a plain ``Error`` in its repository) is a 400 in the sandbox; the fuzzer reached it in its
coverage phase, so it is no longer left out of anything but the body filter below.

One repair is made to a copy of the spec before the run: 49 organization operations use
``{orgId}`` (and some ``{userId}``/``{teamId}``) in their path without declaring it as a path
parameter, which schemathesis rightly reports as an invalid schema and skips. The missing
declarations are added (integers, as the API's ``ParseIntPipe`` wants them) so those
operations are fuzzed too.
"""

from __future__ import annotations

import json
import os
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


def _declare_path_parameters(spec: dict) -> int:
    """Add the path parameters the spec uses but does not declare; returns how many."""
    added = 0
    for template, operations in spec["paths"].items():
        names = re.findall(r"\{(\w+)\}", template)
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            params = operation.setdefault("parameters", [])
            declared = {p.get("name") for p in params if p.get("in") == "path"}
            for name in names:
                if name not in declared:
                    kind = "integer" if name in ("orgId", "userId", "teamId", "oooId") else "string"
                    params.append(
                        {"name": name, "in": "path", "required": True, "schema": {"type": kind}}
                    )
                    added += 1
    return added


def _events(report: Path, kind: str) -> list[dict]:
    out = []
    for line in report.read_text(encoding="utf-8").splitlines():
        if line.startswith('{"' + kind + '"'):
            out.append(json.loads(line)[kind])
    return out


def _failed_checks(report: Path) -> list[str]:
    """Check failures (not errors) recorded in the ndjson event stream."""
    failed = []
    for event in _events(report, "ScenarioFinished"):
        if event.get("status") != "failure":
            continue
        recorder = event.get("recorder") or {}
        failed.append(f"{recorder.get('label')}: {json.dumps(recorder.get('checks'))[:800]}")
    return failed


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


HOOKS = """
import os

import schemathesis

USERS = {int(x) for x in os.environ["FUZZ_PROTECTED_USERS"].split(",")}
MEMBERSHIPS = {int(x) for x in os.environ["FUZZ_PROTECTED_MEMBERSHIPS"].split(",")}


def _number(value):
    try:
        return int(float(str(value)))
    except (TypeError, ValueError, OverflowError):
        return None


@schemathesis.hook
def filter_path_parameters(ctx, path_parameters):
    params = path_parameters or {}
    return (
        _number(params.get("userId")) not in USERS
        and _number(params.get("membershipId")) not in MEMBERSHIPS
    )


@schemathesis.hook
def filter_body(ctx, body):
    if not isinstance(body, dict):
        return True
    operation = getattr(ctx, "operation", None)
    assign = operation is not None and operation.method.upper() == "POST" and str(
        operation.path
    ).endswith("/attributes/options/{userId}")
    if assign and not body.get("attributeOptionId") and not body.get("value"):
        return False  # the real API's own 500 (test_conformance: assign with neither)
    return _number(body.get("userId")) not in USERS
"""


def _key_holders(box) -> tuple[set[int], set[int]]:
    """The key holders' user ids and org membership ids: the fuzzer must not delete, demote
    (``POST /memberships`` is an upsert) or remove them, or nobody is left to read back."""
    users, memberships = set(), set()
    for key in box.api_keys.values():
        me = httpx.get(f"{box.base_url}/v2/me", headers={"Authorization": f"Bearer {key}"})
        users.add(me.json()["data"]["id"])
    org = f"{box.base_url}/v2/organizations/{box.org_id}"
    headers = {"Authorization": f"Bearer {box.api_key}"}
    for skip in range(0, 10_000, 250):
        page = httpx.get(f"{org}/memberships", params={"skip": skip}, headers=headers).json()
        memberships |= {m["id"] for m in page["data"] if m["userId"] in users}
        if len(page["data"]) < 250:
            return users, memberships
    raise AssertionError("memberships never ended")


def _sacrificial_user(box) -> tuple[int, int]:
    """A user (and org membership) the fuzzer may change or delete at will: every ``userId``
    and org ``membershipId`` it sends is this one, so it cannot delete or demote the key
    holders (which the real API would let it do, leaving nobody to read the lists back)."""
    org = f"{box.base_url}/v2/organizations/{box.org_id}"
    headers = {"Authorization": f"Bearer {box.api_key}"}
    user = httpx.post(f"{org}/users", json={"email": "fuzz-target@example.com"}, headers=headers)
    user_id = user.json()["data"]["id"]
    for skip in range(0, 10_000, 250):
        page = httpx.get(f"{org}/memberships", params={"skip": skip}, headers=headers).json()
        for item in page["data"]:
            if item["userId"] == user_id:
                return user_id, item["id"]
    raise AssertionError("the sacrificial user has no membership")


@pytest.mark.slow
def test_fuzzing_never_gets_a_server_error_and_leaves_every_list_readable(
    start_sandbox, tmp_path: Path
) -> None:
    spec = spec_path()
    if not spec.is_file():
        pytest.skip(f"Cal.com OpenAPI document not found at {spec} (set CALBULK_OPENAPI)")
    document = json.loads(spec.read_text(encoding="utf-8"))
    assert _declare_path_parameters(document) > 0, "the spec's undeclared path params were fixed"
    repaired = tmp_path / "openapi.json"
    repaired.write_text(json.dumps(document), encoding="utf-8")
    box = start_sandbox(seed_users=8, seed=5, rate_limit=10_000_000)
    victim, membership = _sacrificial_user(box)
    users, memberships = _key_holders(box)
    (tmp_path / "fuzz_hooks.py").write_text(HOOKS, encoding="utf-8")
    environment = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "fuzz_hooks",
        "PYTHONPATH": str(tmp_path),
        "FUZZ_PROTECTED_USERS": ",".join(map(str, users)),
        "FUZZ_PROTECTED_MEMBERSHIPS": ",".join(map(str, memberships)),
    }
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        f'[parameters]\n"path.orgId" = {box.org_id}\n"path.userId" = {victim}\n'
        f'"path.membershipId" = {membership}\n[generation]\nmax-examples = 60\n',
        encoding="utf-8",
    )
    report = tmp_path / "events.ndjson"
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(config),
        "run",
        str(repaired),
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
        env=environment,
    )
    stats = httpx.get(f"{box.base_url}/_sandbox/stats", timeout=10).json()
    assert box.process.poll() is None, "the sandbox process died:\n" + box.log_path.read_text()
    server_errors = {s: n for s, n in stats["by_status"].items() if s.startswith("5")}
    assert stats["requests"] > 500, f"schemathesis barely ran:\n{run.stdout[-3000:]}"
    assert not server_errors, (
        f"5xx answers {server_errors}:\n{_failed_checks(report)[:5]}\n{run.stdout[-4000:]}"
        f"\n{box.log_path.read_text()[-4000:]}"
    )
    assert "Test cases:" in run.stdout, run.stdout[-3000:] + run.stderr[-3000:]  # no crash
    assert _failed_checks(report) == []
    invalid = [e for e in _events(report, "NonFatalError") if e["value"]["type"] == "InvalidSchema"]
    assert invalid == [], invalid[:3]

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
