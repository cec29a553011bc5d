"""The real API's throttler: a fixed window per credential, then a block (api-notes §1).

- Tracker: ``api_key_<sha256>`` for ``Bearer cal_...``, ``access_token_<sha256>`` for any
  other bearer, ``oauth_client_<sha256>`` for ``x-cal-client-id``, else the client IP.
- The window starts at the tracker's first request. The request that makes the count exceed
  the limit gets 429 and starts a block; every request during the block gets 429 too (and
  still counts). When the block ends the count restarts at 1 in a new window.
- Headers on every response: ``X-RateLimit-Limit-Default``, ``-Remaining-Default``,
  ``-Reset-Default`` (seconds, rounded up). No ``Retry-After``.
- A route with its own throttle (``@Throttle({name, limit, ttl, blockDuration})``, §1.7) is
  counted ONLY there, under ``<tracker>_<name>``, and the key's default limit is neither
  checked nor spent; its headers carry the name with the first letter upper-cased
  (``X-RateLimit-Limit-Org_teams_delete``). The unknown-key 401 belongs to the default limit
  (it looks the key up), so such a route lets an unknown key through to the auth guard.

Scaling: ``--rate-limit N`` is the API-key (and anonymous) limit; OAuth clients and access
tokens get ``ceil(N * 500 / 120)`` (500 at the default 120). ``--rate-window S`` is both the
window and the block duration (60 s each on the real API); an endpoint throttle's window and
block scale by the same ``S / 60`` (DELETE team: 1 s each at the default).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

API_KEY_LIMIT = 120
OAUTH_LIMIT = 500
REAL_WINDOW = 60.0
HandlerT = TypeVar("HandlerT", bound=Callable)


@dataclass(frozen=True)
class EndpointThrottle:
    """One route's own limit, as the real API's ``@Throttle`` decorator declares it."""

    name: str
    limit: int
    seconds: float  # ttl at the real 60 s window
    block_seconds: float  # blockDuration at the real 60 s window


ORG_TEAMS_DELETE = EndpointThrottle("org_teams_delete", limit=1, seconds=1.0, block_seconds=1.0)


def throttled(throttle: EndpointThrottle) -> Callable[[HandlerT], HandlerT]:
    """Mark a handler with its route's own throttle (read back by ``endpoint_throttle``)."""

    def mark(handler: HandlerT) -> HandlerT:
        handler.endpoint_throttle = throttle  # type: ignore[attr-defined]
        return handler

    return mark


def endpoint_throttle(handler: Callable) -> EndpointThrottle | None:
    return getattr(handler, "endpoint_throttle", None)


def scaled_oauth_limit(api_key_limit: int) -> int:
    return math.ceil(api_key_limit * OAUTH_LIMIT / API_KEY_LIMIT)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def tracker_for(authorization: str | None, client_id: str | None, ip: str) -> str:
    """The throttler's tracker key for a request's credentials."""
    if authorization:
        token = authorization.replace("Bearer ", "", 1)
        if token.startswith("cal_"):
            return "api_key_" + sha256(token[len("cal_") :])
        return "access_token_" + sha256(token)
    if client_id:
        return "oauth_client_" + sha256(client_id)
    return "ip_" + sha256(ip)


@dataclass
class _Window:
    hits: int
    window_end: float
    block_end: float | None = None


@dataclass(frozen=True)
class Verdict:
    """The throttler's answer for one request, and the header values to send."""

    blocked: bool
    limit: int
    remaining: int
    reset_seconds: int
    name: str = "default"

    def headers(self) -> list[tuple[bytes, bytes]]:
        """``X-RateLimit-{Limit,Remaining,Reset}-<Name>``, lower-cased as ASGI wants."""
        suffix = self.name.lower().encode()
        return [
            (b"x-ratelimit-limit-" + suffix, str(self.limit).encode()),
            (b"x-ratelimit-remaining-" + suffix, str(self.remaining).encode()),
            (b"x-ratelimit-reset-" + suffix, str(self.reset_seconds).encode()),
        ]


class FixedWindowLimiter:
    """Fixed-window counters with a block, per tracker. ``clock`` is injectable for tests."""

    def __init__(
        self,
        api_key_limit: int = API_KEY_LIMIT,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api_key_limit = api_key_limit
        self.oauth_limit = scaled_oauth_limit(api_key_limit)
        self.window = float(window_seconds)
        self.block = float(window_seconds)
        self.clock = clock
        self._windows: dict[str, _Window] = {}

    def limit_for(self, tracker: str) -> int:
        if tracker.startswith(("oauth_client_", "access_token_")):
            return self.oauth_limit
        return self.api_key_limit

    def scaled(self, throttle: EndpointThrottle) -> tuple[float, float]:
        """An endpoint throttle's (window, block) in seconds at this limiter's window."""
        scale = self.window / REAL_WINDOW
        return throttle.seconds * scale, throttle.block_seconds * scale

    def hit(self, tracker: str, throttle: EndpointThrottle | None = None) -> Verdict:
        """Count one request: against the route's own throttle if it has one, else the
        tracker's default limit (never both, as the real guard does)."""
        if throttle is None:
            limit = self.limit_for(tracker)
            return self._count(tracker, "default", limit, self.window, self.block)
        window, block = self.scaled(throttle)
        key = f"{tracker}_{throttle.name}"
        return self._count(key, throttle.name, throttle.limit, window, block)

    def _count(self, key: str, name: str, limit: int, window: float, block: float) -> Verdict:
        now = self.clock()
        state = self._windows.get(key)
        if state is not None and state.block_end is not None and now >= state.block_end:
            state = None  # block over: a fresh window starts with this request
        if state is None or (state.block_end is None and now >= state.window_end):
            state = _Window(hits=0, window_end=now + window)
            self._windows[key] = state
        state.hits += 1
        if state.block_end is None and state.hits > limit:
            state.block_end = now + block
        if state.block_end is not None:
            return Verdict(True, limit, 0, math.ceil(state.block_end - now), name)
        remaining = max(0, limit - state.hits)
        return Verdict(False, limit, remaining, math.ceil(state.window_end - now), name)
