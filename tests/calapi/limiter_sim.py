"""A discrete-event run of calapi's RateLimiter against the sandbox's own throttler, both on
one injected clock: no sleeping, no sockets, every send and answer in order of time.

The server is ``sandbox._ratelimit.FixedWindowLimiter`` (the real API's fixed window and
block, named limits included); requests take ``latency(i)`` seconds there and back (arrival
halfway); a 429 is sent again, as the client does. ``other_every`` adds a second user of the
key sending one request every so many seconds.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from calapi import RateLimiter
from calapi._ratelimit import MonotonicClock, ServerBudget
from sandbox._ratelimit import FixedWindowLimiter, parse_key_limits

KEY = "api_key_test"


class SimClock(MonotonicClock):
    def __init__(self, start: float = 1000.0) -> None:
        self.t = start
        super().__init__(now=lambda: self.t, sleep=self._sleep)

    async def _sleep(self, seconds: float) -> None:  # unused by the simulation
        self.t += max(seconds, 0.0)


@dataclass
class Outcome:
    ours_429: int = 0
    others_429: int = 0
    others_sent: int = 0
    elapsed: float = 0.0
    windows: int = 0  # server windows of the watched limit that counted any of our requests
    send_times: list[float] = field(default_factory=list)


def make_server(clock: SimClock, limit: int, window: float, key_limits: str = ""):
    return FixedWindowLimiter(
        limit, window, clock=lambda: clock.t, key_limits=parse_key_limits(key_limits)
    )


def headers_of(verdicts) -> dict[str, str]:
    return {k.decode(): v.decode() for k, v in verdicts.headers()}


def simulate(
    limiter: RateLimiter,
    server: FixedWindowLimiter,
    clock: SimClock,
    n: int,
    *,
    latency: Callable[[int], float] = lambda i: 0.01,
    split: Callable[[], float] = lambda: 0.5,
    max_in_flight: int = 16,
    other_every: float | None = None,
    prior: int = 0,
    watch: str = "default",
    horizon: float = 10_000.0,
) -> Outcome:
    """Send ``n`` requests through ``limiter`` to ``server``; ``prior`` requests of an
    earlier run hit the key just before."""
    out = Outcome()
    for _ in range(prior):
        server.hit(KEY)
    start = clock.t
    events: list[tuple[float, int, str, object]] = []
    order = itertools.count()
    if other_every:
        heapq.heappush(events, (clock.t + other_every / 2, next(order), "other", None))
    pending, in_flight, done, attempt = n, 0, 0, 0
    window_keys: set[float] = set()
    while done < n:
        assert clock.t - start < horizon, "the run never finished"
        while pending and in_flight < max_in_flight:
            ticket = limiter.try_acquire(clock.t)
            if ticket is None:
                break
            pending, in_flight, attempt = pending - 1, in_flight + 1, attempt + 1
            out.send_times.append(clock.t)
            trip = latency(attempt)
            there = trip * split()  # the rest of the trip is the way back
            heapq.heappush(events, (clock.t + there, next(order), "arrive", (ticket, trip - there)))
        wake = math.inf
        if pending and in_flight < max_in_flight:
            wake = clock.t + max(limiter.delay(clock.t), 1e-4)
        if events and events[0][0] <= wake:
            at, _, kind, data = heapq.heappop(events)
        else:
            at, kind, data = wake, "tick", None
        clock.t = max(clock.t, at)
        if kind == "arrive":
            ticket, back = data
            verdicts = server.hit(KEY)
            if not verdicts.blocked:
                window_keys.add(_window_end(server, watch))
            heapq.heappush(events, (clock.t + back, next(order), "answer", (ticket, verdicts)))
        elif kind == "answer":
            ticket, verdicts = data
            in_flight -= 1
            budget = ServerBudget.from_headers(headers_of(verdicts))
            if verdicts.blocked:
                out.ours_429 += 1
                pending += 1
                limiter.on_rate_limited(budget, ticket, clock.t)
            else:
                done += 1
                limiter.observe(budget, ticket, clock.t)
        elif kind == "other":
            out.others_sent += 1
            out.others_429 += server.hit(KEY).blocked
            heapq.heappush(events, (clock.t + other_every, next(order), "other", None))
    out.elapsed = clock.t - start
    out.windows = len(window_keys)
    return out


def _window_end(server: FixedWindowLimiter, name: str) -> float:
    """The exact end of the key's current window of limit ``name`` (the header rounds it)."""
    for key, state in server._windows.items():
        if key == KEY if name == "default" else key.startswith(KEY + ":") and key.endswith(name):
            return state.window_end
    raise KeyError(name)


@dataclass
class SharedOutcome:
    ours_429: int = 0
    others_429: int = 0
    others_sent: int = 0
    ours_sent: int = 0  # answered, not 429
    elapsed: float = 0.0


def simulate_shared(
    runs: list[tuple[RateLimiter, object]],
    server: FixedWindowLimiter,
    clock: SimClock,
    n: int,
    *,
    latency: float = 0.01,
    max_in_flight: int = 16,
    other_every: float | None = None,
) -> SharedOutcome:
    """Several calbulk runs on one key, each a limiter with its shared budget (anything
    with ``try_take(limits, pad)``, e.g. flows.budget.LockFileBudget on this clock), each
    sending ``n`` requests, as ``RateLimiter.acquire`` does: the limiter's checks, then the
    budget. ``other_every`` adds a tool outside calbulk sending one request every so often.
    The outcome counts until every run is done."""
    out = SharedOutcome()
    start = clock.t
    events: list[tuple[float, int, str, object]] = []
    order = itertools.count()
    if other_every:
        heapq.heappush(events, (clock.t + other_every / 2, next(order), "other", None))
    pending = [n] * len(runs)
    in_flight = [0] * len(runs)
    done = [0] * len(runs)
    while sum(done) < n * len(runs):
        assert clock.t - start < 10_000.0, "the runs never finished"
        wake = math.inf
        for i, (limiter, budget) in enumerate(runs):
            while pending[i] and in_flight[i] < max_in_flight:
                wait = limiter.delay(clock.t)
                if wait <= 0:
                    wait = budget.try_take(limiter.key_limits(), limiter.budget_pad)
                if wait > 0:
                    wake = min(wake, clock.t + max(wait, 1e-4))
                    break
                ticket = limiter.record_send(clock.t)
                pending[i], in_flight[i] = pending[i] - 1, in_flight[i] + 1
                heapq.heappush(events, (clock.t + latency / 2, next(order), "arrive", (i, ticket)))
        if events and events[0][0] <= wake:
            at, _, kind, data = heapq.heappop(events)
        else:
            at, kind, data = wake, "tick", None
        clock.t = max(clock.t, at)
        if kind == "arrive":
            verdicts = server.hit(KEY)
            heapq.heappush(
                events, (clock.t + latency / 2, next(order), "answer", (*data, verdicts))
            )
        elif kind == "answer":
            i, ticket, verdicts = data
            limiter = runs[i][0]
            in_flight[i] -= 1
            budget = ServerBudget.from_headers(headers_of(verdicts))
            if verdicts.blocked:
                out.ours_429 += 1
                pending[i] += 1
                limiter.on_rate_limited(budget, ticket, clock.t)
            else:
                done[i] += 1
                out.ours_sent += 1
                limiter.observe(budget, ticket, clock.t)
        elif kind == "other":
            out.others_sent += 1
            out.others_429 += server.hit(KEY).blocked
            heapq.heappush(events, (clock.t + other_every, next(order), "other", None))
    out.elapsed = clock.t - start
    return out
