"""DELETE team has its own 1/s throttle (api-notes §1.7): paced, never lost, never billed.

The sandbox runs the real 60 s window (so the route's throttle is the real 1 s) with a small
key limit, so any delete wrongly counted against the key would show in its headers.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from calapi._ratelimit import NamedBudget
from calapi._throttles import EndpointThrottles, endpoint_budget
from tests.calapi.conftest import sandbox_stats

LIMIT, WINDOW = 30, 60
TEAMS = 4


async def test_teams_deleted_in_a_row_all_land_without_429_or_spending_the_key(
    start_sandbox, make_client
):
    box = start_sandbox(seed_users=3, seed=5, rate_limit=LIMIT, rate_window=WINDOW)
    cal = make_client(box, rate_limit=LIMIT, rate_window=WINDOW)
    teams = await asyncio.gather(*(cal.create_team(name=f"Doomed {i}") for i in range(TEAMS)))
    doomed = {team["id"] for team in teams}
    # Deletes queued all at once, reads alongside them.
    results = await asyncio.gather(
        *(cal.delete_team(team_id) for team_id in doomed),
        *(cal.list_attributes() for _ in range(3)),
    )
    assert {team["id"] for team in results[:TEAMS]} == doomed  # zero lost deletes
    assert doomed.isdisjoint(team["id"] for team in await cal.list_teams())
    stats = cal.stats
    assert stats.rate_limited == 0 and sandbox_stats(box)["rate_limited"] == 0
    delete = ("DELETE", "/v2/organizations/{orgId}/teams/{teamId}", 200)
    assert stats.requests[delete] == TEAMS
    assert cal.limiter.shared_key_detections == 0
    assert set(cal.limiter.limits) == {"default"}  # the route's throttle is not a key limit
    assert cal.limiter.limits["default"].limit == LIMIT
    # The server's count for the key: creates + reads + the team list + this one. No deletes.
    key_requests = TEAMS + 3 + 1 + 1
    headers = {"Authorization": f"Bearer {box.api_key}"}
    with httpx.Client(headers=headers, timeout=10) as other:
        after = other.get(f"{box.base_url}/v2/organizations/{box.org_id}/attributes")
    assert after.headers["X-RateLimit-Remaining-Default"] == str(LIMIT - key_requests)


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


THROTTLED = {
    "X-RateLimit-Limit-Org_teams_delete": "1",
    "X-RateLimit-Remaining-Org_teams_delete": "0",
    "X-RateLimit-Reset-Org_teams_delete": "1",
}


def test_a_route_throttle_is_told_apart_from_the_key_limit() -> None:
    assert endpoint_budget(THROTTLED, frozenset({"default"})) == NamedBudget(1, 0, 1.0)
    default = {"X-RateLimit-Remaining-Default": "7", "X-RateLimit-Reset-Default": "3"}
    assert endpoint_budget(default, frozenset({"default"})) is None
    assert endpoint_budget({}) is None
    # A key with named limits (RateLimit table): its own triples are not a route's throttle.
    named = {"X-RateLimit-Limit-Short": "5", "X-RateLimit-Remaining-Short": "4"}
    assert endpoint_budget(named, frozenset({"short", "long"})) is None
    assert endpoint_budget(named) is None  # before the key's limits are learned: not a route
    assert endpoint_budget(THROTTLED, frozenset({"short", "long"})) == NamedBudget(1, 0, 1.0)


async def test_an_unknown_route_throttle_is_learned_from_its_429_and_paces_only_that_route():
    clock = FakeClock()
    throttles = EndpointThrottles(clock.now, clock.sleep)
    route = ("DELETE", "/v2/organizations/{orgId}/webhooks/{webhookId}")
    assert not throttles.applies_to(*route)
    key_limits = frozenset({"default"})  # what the key's limiter learned from earlier answers
    assert throttles.observe(*route, THROTTLED, 429, key_limits)  # the route's, not the key's
    assert throttles.applies_to(*route)
    assert not throttles.observe("GET", "/v2/me", {"X-RateLimit-Remaining-Default": "5"}, 200)
    async with throttles.turn(*route):
        pass
    assert clock.slept == [pytest.approx(1.01)]  # its reset, then it may go again
    async with throttles.turn(*route):
        pass
    assert len(clock.slept) == 1  # nothing new said the window is full
