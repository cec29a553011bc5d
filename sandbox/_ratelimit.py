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

Named per-key limits (``--key-limits "short=10/1s,long=300/60s:120s"``, §1.5): the real API
keeps a key's own limits in its ``RateLimit`` table (name, limit, ttl, blockDuration) and
they replace the default. The sandbox gives them to every API key it has. Every request
counts against each of them (one fixed window and block per name, its own header triple
``X-RateLimit-*-Short``; no ``-Default`` triple then), and the request is refused only when
ALL of them are blocked: ``handleApiKeyRequest`` sets ``allLimitsBlocked = false`` as soon as
one ``incrementRateLimit`` is not blocked (``apps/api/v2/src/lib/throttler-guard.ts``). A
limit that is over but not alone answers 200 with its ``Remaining`` 0 and its ``Reset`` the
block's end. OAuth clients and access tokens keep their per-type default.

Scaling: ``--rate-limit N`` is the API-key (and anonymous) limit; OAuth clients and access
tokens get ``ceil(N * 500 / 120)`` (500 at the default 120). ``--rate-window S`` is both the
window and the block duration (60 s each on the real API); an endpoint throttle's window and
block scale by the same ``S / 60`` (DELETE team: 1 s each at the default), and so do the
ttl and block of ``--key-limits`` (``short=5/1s`` with ``--rate-window 6`` is 5 per 0.1 s).
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections import Counter
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


class KeyLimitSpecError(ValueError):
    """A ``--key-limits`` spec that cannot be read; the message says what is accepted."""


@dataclass(frozen=True)
class KeyLimit:
    """One row of the real ``RateLimit`` table: a named limit of an API key (seconds at the
    real 60 s window; the limiter scales them like the rest)."""

    name: str
    limit: int
    ttl: float
    block: float

    @property
    def text(self) -> str:
        return f"{self.name}={self.limit}/{self.ttl:g}s:{self.block:g}s"


_ITEM = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)=(\d+)/([^:]+)(?::(.+))?$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m)?$")
KEY_LIMITS_FORMAT = (
    "NAME=LIMIT/TTL[:BLOCK], comma-separated, e.g. short=10/1s,long=300/60s:120s "
    "(TTL and BLOCK in ms, s or m; BLOCK defaults to TTL)"
)


def _duration(text: str, item: str) -> float:
    match = _DURATION.match(text.strip())
    if not match:
        raise KeyLimitSpecError(
            f"{item!r}: {text!r} is not a duration; use e.g. 500ms, 1s, 60s or 2m"
        )
    value = float(match.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[match.group(2) or "s"]
    if value <= 0:
        raise KeyLimitSpecError(f"{item!r}: a duration must be above 0, not {text!r}")
    return value


def parse_key_limits(spec: str) -> tuple[KeyLimit, ...]:
    """``"short=10/1s,long=300/60s:120s"`` -> named limits; ``""`` -> none (the default)."""
    limits: list[KeyLimit] = []
    for raw in (part.strip() for part in spec.split(",")):
        if not raw:
            continue
        match = _ITEM.match(raw)
        if not match:
            raise KeyLimitSpecError(f"{raw!r} is not a limit; expected {KEY_LIMITS_FORMAT}")
        name, limit, ttl, block = match.groups()
        if int(limit) < 1:
            raise KeyLimitSpecError(f"{raw!r}: the limit must be at least 1")
        if name.lower() in {known.name.lower() for known in limits}:
            raise KeyLimitSpecError(f"{raw!r}: the name {name!r} is given twice")
        ttl_s = _duration(ttl, raw)
        limits.append(KeyLimit(name, int(limit), ttl_s, _duration(block, raw) if block else ttl_s))
    return tuple(limits)


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


@dataclass(frozen=True)
class Verdicts:
    """Every limit a request was counted against; refused only when all of them are
    blocked (the real ``allLimitsBlocked``)."""

    items: tuple[Verdict, ...]

    @property
    def blocked(self) -> bool:
        return all(verdict.blocked for verdict in self.items)

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [header for verdict in self.items for header in verdict.headers()]


class FixedWindowLimiter:
    """Fixed-window counters with a block, per tracker. ``clock`` is injectable for tests."""

    def __init__(
        self,
        api_key_limit: int = API_KEY_LIMIT,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        key_limits: tuple[KeyLimit, ...] = (),
        windows_opened: Counter | None = None,
    ) -> None:
        self.api_key_limit = api_key_limit
        # windows started, by limit name (all trackers): what a run cost in windows
        self.windows_opened = windows_opened if windows_opened is not None else Counter()
        self.key_limits = key_limits
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

    def scaled_key_limit(self, limit: KeyLimit) -> tuple[float, float]:
        """A named key limit's (ttl, block) in seconds at this limiter's window."""
        scale = self.window / REAL_WINDOW
        return limit.ttl * scale, limit.block * scale

    def hit(self, tracker: str, throttle: EndpointThrottle | None = None) -> Verdicts:
        """Count one request: against the route's own throttle if it has one, else every
        limit of the tracker (never both, as the real guard does)."""
        if throttle is not None:
            window, block = self.scaled(throttle)
            key = f"{tracker}_{throttle.name}"
            return Verdicts((self._count(key, throttle.name, throttle.limit, window, block),))
        if self.key_limits and tracker.startswith("api_key_"):
            verdicts = []
            for named in self.key_limits:
                ttl, block = self.scaled_key_limit(named)
                key = f"{tracker}:{named.limit}:{ttl}:{named.name}"
                verdicts.append(self._count(key, named.name, named.limit, ttl, block))
            return Verdicts(tuple(verdicts))
        limit = self.limit_for(tracker)
        return Verdicts((self._count(tracker, "default", limit, self.window, self.block),))

    def _count(self, key: str, name: str, limit: int, window: float, block: float) -> Verdict:
        now = self.clock()
        state = self._windows.get(key)
        if state is not None and state.block_end is not None and now >= state.block_end:
            state = None  # block over: a fresh window starts with this request
        if state is None or (state.block_end is None and now >= state.window_end):
            state = _Window(hits=0, window_end=now + window)
            self._windows[key] = state
            self.windows_opened[name] += 1
        state.hits += 1
        if state.block_end is None and state.hits > limit:
            state.block_end = now + block
        if state.block_end is not None:
            return Verdict(True, limit, 0, _seconds(state.block_end - now), name)
        remaining = max(0, limit - state.hits)
        return Verdict(False, limit, remaining, _seconds(state.window_end - now), name)


def _seconds(left: float) -> int:
    """Redis's PTTL (whole milliseconds) rounded up to seconds, as the storage returns it
    (computed in ms so that float noise never turns 1.0 s into 2)."""
    return math.ceil(max(0, round(left * 1000)) / 1000)
