"""An organization without Admin API access (``calbulk sandbox serve --no-admin-api``): every
command that talks to the org says so in one paragraph, exits 2 and writes nothing, and the
sandbox saw no bulk work (no write, no second page of anything)."""

from __future__ import annotations

import httpx
import pytest

from tests.cli.conftest import base_env, calbulk, requests_seen
from tests.cli.test_failures import assert_clean_failure

GUARD = "IsAdminAPIEnabledGuard - Organization with id={org} does not have Admin API access."

# Prefect's in-process server gets 20 s to start; on 2 shared cores under load that is short.
SLOW_MACHINE = {"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}


@pytest.fixture
def gated(start_sandbox):
    return start_sandbox(seed_users=6, seed=4, rate_limit=100000, no_admin_api=True)


@pytest.fixture
def gated_env(gated, tmp_path) -> dict[str, str]:
    return {
        **base_env(tmp_path),
        "CAL_API_URL": gated.base_url,
        "CAL_API_KEY": gated.api_key,
        "CAL_ORG_ID": str(gated.org_id),
        "CAL_RATE_LIMIT": "100000",
        **SLOW_MACHINE,
    }


def _explains_the_gate(message: str, org_id: int) -> None:
    assert "no Admin API access" in message
    assert GUARD.format(org=org_id) in message  # what Cal.com said, verbatim
    assert "nothing was written" in message
    assert "https://cal.com/sales" in message and "owner" in message  # who can enable it


def _no_bulk_work(box) -> None:
    seen = requests_seen(box)
    statuses = set(seen["by_status"])
    assert statuses <= {"200", "403"}, seen  # /v2/me may answer; nothing was created
    assert seen["by_status"].get("200", 0) <= 1, seen  # at most the credential check
    assert seen["requests"] <= 12, seen  # one refused request per table at the most


def test_every_org_route_answers_the_guard_for_every_role(gated) -> None:
    org = f"{gated.base_url}/v2/organizations/{gated.org_id}"
    for role in ("owner", "admin"):
        headers = {"Authorization": f"Bearer {gated.api_keys[role]}"}
        for path in ("/users", "/memberships", "/teams", "/webhooks", "/roles", "/ooo"):
            response = httpx.get(org + path, headers=headers, timeout=10)
            assert response.status_code == 403
            assert response.json()["error"]["message"] == (
                GUARD.format(org=gated.org_id) + " Please contact https://cal.com/sales to upgrade."
            )
    member = {"Authorization": f"Bearer {gated.api_keys['member']}"}
    refused = httpx.get(org + "/users", headers=member, timeout=10).json()["error"]["message"]
    assert refused.startswith("RolesGuard")  # the roles guard runs before the Admin API guard
    me = httpx.get(f"{gated.base_url}/v2/me", headers=member, timeout=10)
    assert me.status_code == 200  # /v2/me is not an organization route


@pytest.mark.slow
def test_export_says_so_exits_2_and_writes_no_snapshot(gated_env, gated, tmp_path) -> None:
    out = tmp_path / "exports"

    done = calbulk(gated_env, "export", "--out", str(out))

    _explains_the_gate(assert_clean_failure(done, "export", 2, gated.api_key), gated.org_id)
    assert not out.exists() or not [p for p in out.rglob("*") if p.is_file()]
    _no_bulk_work(gated)


@pytest.mark.slow
def test_import_says_so_exits_2_and_creates_no_one(gated_env, gated, tmp_path) -> None:
    sheet = tmp_path / "hr.csv"
    sheet.write_text("email\nnew.hire@example.com\n")

    done = calbulk(gated_env, "import", str(sheet), "--kind", "users")

    _explains_the_gate(assert_clean_failure(done, "import", 2, gated.api_key), gated.org_id)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "prefect") == ["hr.csv"]
    _no_bulk_work(gated)


@pytest.mark.slow
def test_template_for_the_org_says_so_and_writes_no_file(gated_env, gated, tmp_path) -> None:
    target = tmp_path / "users.xlsx"

    done = calbulk(gated_env, "template", "--org-id", str(gated.org_id), "--out", str(target))

    _explains_the_gate(assert_clean_failure(done, "template", 2, gated.api_key), gated.org_id)
    assert not target.exists()
    _no_bulk_work(gated)
