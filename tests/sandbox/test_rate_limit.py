"""The throttler as the real API has it: fixed window, block, headers, 401 for unknown keys."""

from __future__ import annotations

import time

import httpx
import pytest

from sandbox import FixedWindowLimiter
from sandbox._ratelimit import ORG_TEAMS_DELETE

HEADERS = (
    "X-RateLimit-Limit-Default",
    "X-RateLimit-Remaining-Default",
    "X-RateLimit-Reset-Default",
)


def _get(box, **headers: str) -> httpx.Response:
    return httpx.get(
        f"{box.base_url}/v2/organizations/{box.org_id}/attributes", headers=headers, timeout=10
    )


def test_n_plus_one_requests_give_exactly_one_429(start_sandbox) -> None:
    box = start_sandbox(seed_users=3, rate_limit=5, rate_window=4)
    auth = {"Authorization": f"Bearer {box.api_key}"}
    responses = [_get(box, **auth) for _ in range(6)]
    assert [r.status_code for r in responses] == [200] * 5 + [429]
    assert [r.headers["X-RateLimit-Remaining-Default"] for r in responses] == [
        "4", "3", "2", "1", "0", "0",
    ]  # fmt: skip
    for response in responses:
        assert all(name in response.headers for name in HEADERS)
        assert response.headers["X-RateLimit-Limit-Default"] == "5"
        assert "Retry-After" not in response.headers
    blocked = responses[-1]
    assert 0 < int(blocked.headers["X-RateLimit-Reset-Default"]) <= 4
    body = blocked.json()
    assert body["status"] == "error"
    assert body["path"] == f"/v2/organizations/{box.org_id}/attributes"
    assert body["error"] == {
        "code": "ThrottlerException",
        "message": "CustomThrottlerGuard - Too many requests. Please try again later.",
        "details": "CustomThrottlerGuard - Too many requests. Please try again later.",
    }


def test_block_lasts_a_full_block_duration(start_sandbox) -> None:
    box = start_sandbox(seed_users=3, rate_limit=3, rate_window=2)
    auth = {"Authorization": f"Bearer {box.api_key}"}
    assert [_get(box, **auth).status_code for _ in range(4)] == [200, 200, 200, 429]
    blocked_at = time.monotonic()
    time.sleep(1.0)
    assert _get(box, **auth).status_code == 429  # still inside the 2 s block
    time.sleep(max(0.0, blocked_at + 2.2 - time.monotonic()))
    fresh = _get(box, **auth)
    assert fresh.status_code == 200
    assert fresh.headers["X-RateLimit-Remaining-Default"] == "2"  # a new window, count 1
    # other keys are tracked separately
    assert _get(box, Authorization=f"Bearer {box.api_keys['admin']}").status_code == 200


def test_unknown_cal_key_is_refused_by_the_throttler(shared_sandbox) -> None:
    response = _get(shared_sandbox, Authorization="Bearer cal_0123456789abcdef0123456789abcdef")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "CustomThrottlerGuard - Invalid API Key"


def test_oauth_client_limit_scales_with_rate_limit(start_sandbox) -> None:
    box = start_sandbox(seed_users=3, rate_limit=12, rate_window=30)
    creds = {
        "x-cal-client-id": box.oauth_client["client_id"],
        "x-cal-secret-key": box.oauth_client["secret_key"],
    }
    statuses = [_get(box, **creds) for _ in range(51)]  # 12 * 500 / 120 = 50
    assert [r.status_code for r in statuses] == [200] * 50 + [429]
    assert statuses[0].headers["X-RateLimit-Limit-Default"] == "50"


def test_limiter_window_and_block_with_a_fake_clock() -> None:
    now = [0.0]
    limiter = FixedWindowLimiter(api_key_limit=2, window_seconds=60, clock=lambda: now[0])
    key = "api_key_x"
    assert [limiter.hit(key).blocked for _ in range(3)] == [False, False, True]
    now[0] = 59.0
    verdict = limiter.hit(key)
    assert (verdict.blocked, verdict.reset_seconds) == (True, 1)  # block from t=0 lasts 60 s
    now[0] = 60.0
    verdict = limiter.hit(key)
    assert (verdict.blocked, verdict.remaining, verdict.reset_seconds) == (False, 1, 60)
    now[0] = 130.0  # the window that started at t=60 has ended: a fresh one
    assert limiter.hit(key).remaining == 1
    assert limiter.limit_for("oauth_client_y") == 9  # ceil(2 * 500 / 120)


TEAMS_DELETE = (
    "X-RateLimit-Limit-Org_teams_delete",
    "X-RateLimit-Remaining-Org_teams_delete",
    "X-RateLimit-Reset-Org_teams_delete",
)


def test_delete_team_is_counted_only_by_its_own_one_per_second_throttle(start_sandbox) -> None:
    box = start_sandbox(seed_users=3, rate_limit=5, rate_window=60)  # the real 1 s throttle
    teams = httpx.Client(
        base_url=f"{box.base_url}/v2/organizations/{box.org_id}/teams",
        headers={"Authorization": f"Bearer {box.api_key}"},
        timeout=10,
    )
    first, second = (teams.post("", json={"name": f"T{i}"}).json()["data"]["id"] for i in (1, 2))
    deleted = teams.delete(f"/{first}")
    refused = teams.delete(f"/{second}")  # within the same second
    assert (deleted.status_code, refused.status_code) == (200, 429)
    for response in (deleted, refused):
        assert [response.headers[name] for name in TEAMS_DELETE] == ["1", "0", "1"]
        assert not any(name in response.headers for name in HEADERS)  # the key's limit is skipped
    assert refused.json()["error"]["code"] == "ThrottlerException"
    assert teams.get(f"/{second}").status_code == 200  # the refused delete did nothing
    time.sleep(1.1)  # the block (1 s) is over
    assert teams.delete(f"/{second}").status_code == 200
    after = teams.get("")
    assert after.headers["X-RateLimit-Remaining-Default"] == "1"  # 2 creates + 2 gets, no deletes
    stranger = teams.delete(f"/{first}", headers={"Authorization": "Bearer cal_" + "0" * 32})
    assert stranger.status_code == 401  # passed the throttler, refused by the auth guard
    assert stranger.json()["error"]["message"].startswith("ApiAuthStrategy")
    teams.close()


def test_an_endpoint_throttle_scales_with_the_window() -> None:
    now = [0.0]
    limiter = FixedWindowLimiter(api_key_limit=2, window_seconds=6, clock=lambda: now[0])
    assert limiter.scaled(ORG_TEAMS_DELETE) == pytest.approx((0.1, 0.1))
    verdicts = [limiter.hit("api_key_x", ORG_TEAMS_DELETE) for _ in range(2)]
    assert [(v.blocked, v.remaining, v.reset_seconds) for v in verdicts] == [
        (False, 0, 1), (True, 0, 1),
    ]  # fmt: skip
    assert limiter.hit("api_key_x").remaining == 1  # the key's own count is untouched
    now[0] = 0.11
    assert not limiter.hit("api_key_x", ORG_TEAMS_DELETE).blocked
