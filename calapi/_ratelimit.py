"""The one rate limiter: keep every span of ``window`` seconds under the server's budget.

Cal.com counts requests per credential in a FIXED window that starts at the first
request and, once the limit is crossed, blocks the credential for another window
(api-notes.md §1.4). A token bucket that starts full lets through twice the limit
in the first minute, so this limiter keeps a sliding log of send times instead: no
span of ``window + pad`` seconds ever holds more than ``budget`` sends, where
``budget = floor(limit * (1 - margin))``. Every fixed window the server can draw is
such a span, so the server never counts more than ``budget`` of our requests. The
server counts arrivals, not sends, and a slow first request (a new connection) can
arrive late and open its window late: so the pad also grows by the longest recent
round trip (decaying, capped at a quarter window).

It also follows the server. Each response's ``X-RateLimit-Remaining-Default`` and
``-Reset-Default`` headers are compared with what our own sends explain: if the
server has less budget left than our log accounts for, someone else is using the
key, and new sends are capped to what the server has left (minus what we already
have in flight); when that is exhausted they wait for the reset, then send a single
probe to read the new window before going on. While another user is seen (and for
``SHARED_MEMORY`` windows after), the most it was seen to spend in one window (or,
after a 429, what it must have spent for the limit to be crossed) is kept out of
our own budget, and our sends are spread evenly over the window instead of sent in
a burst, so the headers are read all through the window and the cap acts in time.
The very first send is such a probe too: nothing else goes out until the first
response says how much of the window is left. A 429 holds everything until the
block ends (its reset header; Cal.com sends no Retry-After).

The clock is injected (``now`` and ``sleep``) so unit tests run without sleeping.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

SHARED_MEMORY = 2  # windows a sighting of another user of the key is remembered


@dataclass
class MonotonicClock:
    """The real clock: ``time.monotonic`` and ``asyncio.sleep``."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)


@dataclass
class ServerBudget:
    """What one response's rate-limit headers say (``None`` when a header was absent)."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # seconds until the window (or the block) ends
    longest_reset: float | None = None  # the largest X-RateLimit-Reset-<any name>

    @classmethod
    def from_headers(cls, headers: object, name: str = "Default") -> ServerBudget:
        """Only the ``Default`` limit is followed: an endpoint's own throttle (e.g. 1/s on
        DELETE team, named ``...-Org_teams_delete``) must not shrink the key's budget,
        but its reset still says how long a 429 lasts."""
        get = headers.get  # type: ignore[attr-defined]
        resets = [
            _number(value, float)
            for key, value in headers.items()  # type: ignore[attr-defined]
            if key.lower().startswith("x-ratelimit-reset-")
        ]
        return cls(
            limit=_number(get(f"X-RateLimit-Limit-{name}"), int),
            remaining=_number(get(f"X-RateLimit-Remaining-{name}"), int),
            reset=_number(get(f"X-RateLimit-Reset-{name}"), float),
            longest_reset=max((r for r in resets if r is not None), default=None),
        )


class RateLimiter:
    """Sliding-log limiter shared by every request of one credential.

    The pure methods (``delay``, ``try_acquire``, ``observe``, ``on_rate_limited``,
    ``on_no_response``) take the time as an argument; ``acquire`` is the async face.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        margin: float = 0.05,
        pad: float = 0.0,
        clock: MonotonicClock | None = None,
        probe_first: bool = True,
    ) -> None:
        self.limit = limit
        self.window = window
        self.margin = margin
        self.pad = pad
        self.clock = clock or MonotonicClock()
        self.seconds_waited = 0.0
        self.shared_key_detections = 0
        # Send times, oldest first; kept for two windows (not one) so that a late response
        # from the server's previous window is still compared with all of our sends.
        self._sends: deque[float] = deque()
        self._hold_until = 0.0
        self._cap_until = 0.0
        self._cap_left = 0
        self._cap_is_probe = False
        self._probe_after_hold = probe_first
        self._foreign: deque[tuple[float, int]] = deque()  # (seen at, spent by others)
        self.latency = 0.0  # longest recent round trip, decaying
        self._lock = asyncio.Lock()
        self._news = asyncio.Event()  # set when the server said something new

    @property
    def budget(self) -> int:
        """Most sends allowed in any ``span`` of time, right now."""
        return self.budget_at(self.clock.now())

    @property
    def span(self) -> float:
        """No span this long holds more than ``budget`` of our sends."""
        return self.window + self.pad + self.latency

    def _note_latency(self, now: float, sent_at: float) -> None:
        self.latency = min(max(now - sent_at, self.latency * 0.98), self.window / 4)

    def budget_at(self, now: float) -> int:
        own = math.floor(self.limit * (1.0 - self.margin))
        return max(1, own - self._foreign_spent(now))

    def _foreign_spent(self, now: float) -> int:
        """The most another user of the key was seen to spend, over the last windows."""
        while self._foreign and self._foreign[0][0] <= now - SHARED_MEMORY * self.window:
            self._foreign.popleft()
        return max((spent for _, spent in self._foreign), default=0)

    def _note_foreign(self, spent: int, now: float) -> None:
        self._foreign.append((now, max(0, spent)))

    def _ours_in_window(self, window_end: float, reset: float) -> int:
        # The reset header is whole seconds (rounded up) on Cal.com: start the window a
        # second early so our own sends are never under-counted.
        slack = (1.0 if float(reset).is_integer() else 0.05) + self.latency
        window_start = window_end - self.window - slack
        return sum(1 for t in self._sends if t >= window_start)

    def delay(self, now: float) -> float:
        """Seconds to wait before a send at ``now`` is allowed (``<= 0``: allowed now)."""
        if now < self._hold_until:
            return self._hold_until - now
        if self._probe_after_hold:
            self._probe_after_hold = False
            self._set_cap(now, now + self.window, 1, probe=True)
        if now < self._cap_until and self._cap_left <= 0:
            return self._cap_until + self.pad - now
        horizon = now - self.span
        while self._sends and self._sends[0] <= horizon - self.window - 1.0:
            self._sends.popleft()
        budget = self.budget_at(now)
        if self._sends and self._foreign_spent(now) > 0:
            spread = self._sends[-1] + self.span / budget - now
            if spread > 0:
                return spread
        in_span = len(self._sends) - bisect.bisect_right(self._sends, horizon)
        if in_span < budget:
            return 0.0
        return self._sends[len(self._sends) - budget] - horizon

    def record_send(self, now: float) -> None:
        self._sends.append(now)
        if now < self._cap_until:
            self._cap_left -= 1

    def try_acquire(self, now: float) -> float:
        """Record a send and return 0 if allowed at ``now``, else the seconds to wait."""
        wait = self.delay(now)
        if wait <= 0:
            self.record_send(now)
            return 0.0
        return wait

    def observe(self, budget: ServerBudget, *, now: float, sent_at: float) -> None:
        """Follow the server's view of the window from a (non-429) response's headers."""
        self._news.set()
        self._note_latency(now, sent_at)
        if budget.limit is not None and 0 < budget.limit < self.limit:
            self.limit = budget.limit
        if budget.remaining is None or budget.reset is None:
            if self._cap_is_probe:
                self._clear_cap()  # no headers to follow: go on with the sliding log alone
            return
        window_end = now + budget.reset
        ours = self._ours_in_window(window_end, budget.reset)
        if budget.remaining >= self.limit - ours:
            if self._cap_is_probe:
                self._clear_cap()
            return
        self.shared_key_detections += 1
        self._note_foreign(self.limit - budget.remaining - ours, now)  # a lower bound
        sent_since = sum(1 for t in self._sends if t > sent_at)
        reserve = max(1, math.ceil(self.margin * self.limit))
        allowed = budget.remaining - sent_since - reserve
        if allowed <= 0:
            self.hold_until(window_end + self.pad, probe=True)
        else:
            self._set_cap(now, window_end, allowed, probe=False)

    def on_no_response(self) -> None:
        """A send ended without a response (reset, timeout): nothing to learn from it, so a
        probe in flight must not keep everyone waiting for a whole window."""
        if self._cap_is_probe:
            self._clear_cap()
            self._news.set()

    def on_rate_limited(self, budget: ServerBudget, *, now: float) -> None:
        """A 429: nothing is sent until the block ends (reset header, else one window)."""
        self._news.set()
        reset = budget.reset if budget.reset is not None else budget.longest_reset
        reset = reset if reset is not None else self.window
        # Our sliding log never crosses the limit alone: someone else spent at least the
        # rest of it. Keep that out of our budget from now on.
        ours = self._ours_in_window(now, 1.0)
        if budget.remaining is not None and ours <= self.budget_at(now):  # the key's limit
            self._note_foreign(self.limit + 1 - ours, now)
        self.hold_until(now + reset + self.pad, probe=True)

    def hold_until(self, until: float, *, probe: bool) -> None:
        if until > self._hold_until:
            self._hold_until = until
        self._clear_cap()
        self._probe_after_hold = probe

    def _set_cap(self, now: float, until: float, allowed: int, *, probe: bool) -> None:
        same_window = self._cap_until > now and not self._cap_is_probe
        if same_window and not probe:
            allowed = min(allowed, self._cap_left)
            until = max(until, self._cap_until)
        self._cap_until, self._cap_left, self._cap_is_probe = until, allowed, probe

    def _clear_cap(self) -> None:
        self._cap_until, self._cap_left, self._cap_is_probe = 0.0, 0, False

    # -- the async face used by the client --

    async def acquire(self) -> float:
        """Wait until a send is allowed, record it, and return the send time."""
        async with self._lock:
            start = self.clock.now()
            while True:
                now = self.clock.now()
                wait = self.try_acquire(now)
                if wait <= 0:
                    self.seconds_waited += now - start
                    return now
                await self._sleep_or_news(wait)

    async def _sleep_or_news(self, seconds: float) -> None:
        """Sleep, but wake early when a response brings news (e.g. the probe's answer)."""
        self._news.clear()
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        news = asyncio.ensure_future(self._news.wait())
        _, pending = await asyncio.wait({sleeper, news}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()


def _number(raw: str | None, kind: type) -> int | float | None:
    if raw is None:
        return None
    try:
        return kind(float(raw)) if kind is int else kind(raw)
    except ValueError:
        return None
