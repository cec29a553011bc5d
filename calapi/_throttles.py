"""Routes with their own throttle: paced one after another, outside the key's budget.

Cal.com can put a route under its own limit (api-notes §1.7; ``DELETE
/v2/organizations/{orgId}/teams/{teamId}`` allows 1 request per second, name
``org_teams_delete``). The server then counts such a request ONLY there: it neither spends
nor checks the key's default limit, and its response carries
``X-RateLimit-*-Org_teams_delete`` instead of the ``-Default`` triple. So these sends skip
the key's limiter, go out one at a time per route, and each waits until the route's own
window has room again (its reset header says when). A 429 from such a throttle holds only
that route, never the whole client.

Routes are known in advance (``KNOWN_ROUTES``) or learned from a response whose rate-limit
headers name none of the key's own limits (``Default``, or the named limits of a key with
rows in the ``RateLimit`` table, which the key's limiter has learned by then).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

import httpx

from calapi._ratelimit import NamedBudget, ServerBudget

KNOWN_ROUTES = frozenset({("DELETE", "/v2/organizations/{orgId}/teams/{teamId}")})
PAD = 0.01  # seconds after the reset, so a send never lands on the window's last tick


def endpoint_budget(
    headers: Mapping[str, str], key_limits: frozenset[str] = frozenset(), *, known: bool = False
) -> NamedBudget | None:
    """The route's own throttle if the response was counted by one: its triples name none
    of the key's limits (``key_limits``, lower-cased; ``default`` until they are learned).
    Before the key's limits are known, only a ``known`` route is taken to have its own."""
    if not isinstance(headers, httpx.Headers):
        headers = httpx.Headers(headers)
    budget = ServerBudget.from_headers(headers)
    names = budget.names
    if not names or names & (key_limits | {"default"}):
        return None
    if not key_limits and not known:
        return None
    return budget.limits[min(names)]


class _Route:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.free_at = 0.0


class EndpointThrottles:
    """Per-route pacing for the routes that have their own throttle."""

    def __init__(self, now: Callable[[], float], sleep: Callable[[float], object]) -> None:
        self._now = now
        self._sleep = sleep
        self._routes: dict[tuple[str, str], _Route] = {key: _Route() for key in KNOWN_ROUTES}
        self.seconds_waited = 0.0

    def applies_to(self, method: str, template: str) -> bool:
        return (method, template) in self._routes

    @asynccontextmanager
    async def turn(self, method: str, template: str) -> AsyncIterator[None]:
        """Hold the route's one slot, after waiting until its window has room."""
        route = self._routes[(method, template)]
        async with route.lock:
            wait = route.free_at - self._now()
            if wait > 0:
                self.seconds_waited += wait
                await self._sleep(wait)  # type: ignore[misc]
            yield

    def observe(
        self,
        method: str,
        template: str,
        headers: Mapping[str, str],
        status: int,
        key_limits: frozenset[str] = frozenset(),
    ) -> bool:
        """Learn from a response; True if it was counted by a route throttle, not the key's."""
        known = (method, template) in self._routes
        budget = endpoint_budget(headers, key_limits, known=known)
        if budget is None:
            return False
        route = self._routes.setdefault((method, template), _Route())
        if status == 429 or budget.remaining == 0:
            reset = budget.reset if budget.reset is not None else 1.0
            route.free_at = max(route.free_at, self._now() + reset + PAD)
        return True
