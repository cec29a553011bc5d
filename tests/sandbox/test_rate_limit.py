"""The throttler as the real API has it: fixed window, block, headers, 401 for unknown keys."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import httpx
import pytest

from sandbox import FixedWindowLimiter, KeyLimitSpecError, parse_key_limits
from sandbox._ratelimit import ORG_TEAMS_DELETE
from tests.conftest import REPO_ROOT

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
    (verdict,) = limiter.hit(key).items
    assert (verdict.blocked, verdict.reset_seconds) == (True, 1)  # block from t=0 lasts 60 s
    now[0] = 60.0
    (verdict,) = limiter.hit(key).items
    assert (verdict.blocked, verdict.remaining, verdict.reset_seconds) == (False, 1, 60)
    now[0] = 130.0  # the window that started at t=60 has ended: a fresh one
    assert limiter.hit(key).items[0].remaining == 1
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
    verdicts = [limiter.hit("api_key_x", ORG_TEAMS_DELETE).items[0] for _ in range(2)]
    assert [(v.blocked, v.remaining, v.reset_seconds) for v in verdicts] == [
        (False, 0, 1), (True, 0, 1),
    ]  # fmt: skip
    assert limiter.hit("api_key_x").items[0].remaining == 1  # the key's own count is untouched
    now[0] = 0.11
    assert not limiter.hit("api_key_x", ORG_TEAMS_DELETE).blocked


# -- named per-key limits (--key-limits; the RateLimit table, api-notes §1.5) -----------


def test_key_limits_spec_is_read_and_bad_specs_are_named() -> None:
    short, long = parse_key_limits("short=10/1s, long=300/60s:120s")
    assert (short.name, short.limit, short.ttl, short.block) == ("short", 10, 1.0, 1.0)
    assert (long.name, long.limit, long.ttl, long.block) == ("long", 300, 60.0, 120.0)
    assert parse_key_limits("") == ()
    assert parse_key_limits("fast=5/500ms:2m")[0].block == 120.0
    for bad, says in (
        ("short", "NAME=LIMIT/TTL[:BLOCK]"),
        ("short=10", "NAME=LIMIT/TTL[:BLOCK]"),
        ("short=10/soon", "'soon' is not a duration"),
        ("short=0/1s", "at least 1"),
        ("short=5/1s,Short=6/2s", "given twice"),
        ("short=5/0s", "above 0"),
    ):
        with pytest.raises(KeyLimitSpecError, match=re.escape(says)):
            parse_key_limits(bad)


def test_every_request_counts_on_every_limit_and_only_all_blocked_refuses() -> None:
    """``handleApiKeyRequest``: a 429 only when every named limit is blocked."""
    now = [0.0]
    limits = parse_key_limits("short=2/1s,long=5/60s:60s")
    limiter = FixedWindowLimiter(120, 60, clock=lambda: now[0], key_limits=limits)
    key = "api_key_x"
    first = limiter.hit(key)
    assert [(v.name, v.remaining, v.reset_seconds) for v in first.items] == [
        ("short", 1, 1), ("long", 4, 60),
    ]  # fmt: skip
    assert not limiter.hit(key).blocked
    third = limiter.hit(key)  # short crosses: blocked, but long is not, so it passes
    assert not third.blocked
    assert [(v.name, v.blocked, v.remaining) for v in third.items] == [
        ("short", True, 0), ("long", False, 2),
    ]  # fmt: skip
    now[0] = 1.0  # short's block (1 s) is over: a fresh short window
    assert [limiter.hit(key).blocked for _ in range(3)] == [False, False, True]
    # long: 6 > 5 at the 6th request, blocked for 60 s; short too at the 6th: refused
    assert [v.blocked for v in limiter.hit(key).items] == [True, True]
    assert limiter.hit("oauth_client_y").items[0].name == "default"  # keys only


def test_named_limits_scale_with_the_window() -> None:
    limits = parse_key_limits("default=600/60s")
    limiter = FixedWindowLimiter(120, 6, key_limits=limits)
    assert limiter.scaled_key_limit(limits[0]) == pytest.approx((6.0, 6.0))


def test_a_key_with_named_limits_gets_their_headers_and_no_default(start_sandbox) -> None:
    box = start_sandbox(seed_users=3, key_limits="short=3/2s,long=5/60s:60s")
    info = httpx.get(f"{box.base_url}/_sandbox/info", timeout=10).json()["rate_limit"]
    assert info["key_limits"] == {
        "short": {"limit": 3, "ttl_seconds": 2.0, "block_seconds": 2.0},
        "long": {"limit": 5, "ttl_seconds": 60.0, "block_seconds": 60.0},
    }
    auth = {"Authorization": f"Bearer {box.api_key}"}
    responses = [_get(box, **auth) for _ in range(6)]
    assert [r.status_code for r in responses] == [200] * 5 + [429]
    assert [r.headers["X-RateLimit-Remaining-Short"] for r in responses] == [
        "2", "1", "0", "0", "0", "0",
    ]  # fmt: skip
    assert [r.headers["X-RateLimit-Remaining-Long"] for r in responses] == [
        "4", "3", "2", "1", "0", "0",
    ]  # fmt: skip
    for response in responses:
        assert response.headers["X-RateLimit-Limit-Short"] == "3"
        assert response.headers["X-RateLimit-Limit-Long"] == "5"
        assert not any(name in response.headers for name in HEADERS)
    assert responses[-1].json()["error"]["code"] == "ThrottlerException"


def test_a_bad_key_limits_spec_stops_the_sandbox_with_a_message(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sandbox", "serve", "--key-limits", "short=ten/1s"],
        capture_output=True, text=True, timeout=60, cwd=REPO_ROOT,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--key-limits: 'short=ten/1s' is not a limit; expected NAME=LIMIT/TTL" in done.stderr
