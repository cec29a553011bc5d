"""The real API's throttler: a fixed window per credential, then a block (api-notes §1).

- Tracker: ``api_key_<sha256>`` for ``Bearer cal_...``, ``access_token_<sha256>`` for any
  other bearer, ``oauth_client_<sha256>`` for ``x-cal-client-id``, else the client IP.
- The window starts at the tracker's first request. The request that makes the count exceed
  the limit gets 429 and starts a block; every request during the block gets 429 too (and
  still counts). When the block ends the count restarts at 1 in a new window.
- Headers on every response: ``X-RateLimit-Limit-Default``, ``-Remaining-Default``,
  ``-Reset-Default`` (seconds, rounded up). No ``Retry-After``.

Scaling: ``--rate-limit N`` is the API-key (and anonymous) limit; OAuth clients and access
tokens get ``ceil(N * 500 / 120)`` (500 at the default 120). ``--rate-window S`` is both the
window and the block duration (60 s each on the real API).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

API_KEY_LIMIT = 120
OAUTH_LIMIT = 500


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

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"x-ratelimit-limit-default", str(self.limit).encode()),
            (b"x-ratelimit-remaining-default", str(self.remaining).encode()),
            (b"x-ratelimit-reset-default", str(self.reset_seconds).encode()),
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

    def hit(self, tracker: str) -> Verdict:
        now = self.clock()
        limit = self.limit_for(tracker)
        state = self._windows.get(tracker)
        if state is not None and state.block_end is not None and now >= state.block_end:
            state = None  # block over: a fresh window starts with this request
        if state is None or (state.block_end is None and now >= state.window_end):
            state = _Window(hits=0, window_end=now + self.window)
            self._windows[tracker] = state
        state.hits += 1
        if state.block_end is None and state.hits > limit:
            state.block_end = now + self.block
        if state.block_end is not None:
            return Verdict(True, limit, 0, math.ceil(state.block_end - now))
        remaining = max(0, limit - state.hits)
        return Verdict(False, limit, remaining, math.ceil(state.window_end - now))
