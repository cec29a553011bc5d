"""The rate limiter, driven by a fake clock: no sleeping, no network."""

from __future__ import annotations

import asyncio
import bisect

import pytest

from calapi import MonotonicClock, RateLimiter, ServerBudget


class FakeClock(MonotonicClock):
    """Time stands still until someone sleeps; sleeping moves it forward."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start
        super().__init__(now=lambda: self.t, sleep=self._sleep)

    async def _sleep(self, seconds: float) -> None:
        self.t += max(seconds, 0.0)
        await asyncio.sleep(0)


def max_in_any_span(times: list[float], span: float) -> int:
    """Largest number of send times inside any half-open span [t, t + span)."""
    times = sorted(times)
    return max(bisect.bisect_left(times, t + span) - i for i, t in enumerate(times))


async def send_all(limiter: RateLimiter, n: int) -> list[float]:
    return list(await asyncio.gather(*(limiter.acquire() for _ in range(n))))


async def test_no_window_ever_holds_more_than_the_budget_even_at_the_start():
    clock = FakeClock()
    limiter = RateLimiter(120, 60.0, margin=0.05, pad=0.25, clock=clock, probe_first=False)
    times = await send_all(limiter, 500)
    assert limiter.budget == 114
    # A token bucket starting full would allow 2x the limit in the first minute.
    assert max_in_any_span(times, 60.0) <= 114
    assert max_in_any_span(times, 60.25) <= 114


async def test_throughput_stays_close_to_the_budget():
    clock = FakeClock(start=0.0)
    limiter = RateLimiter(20, 2.0, margin=0.05, pad=0.04, clock=clock, probe_first=False)
    times = await send_all(limiter, 80)
    elapsed = max(times) - min(times)
    # 80 sends at 19 per 2.04 s: the 77th..80th go out in the 5th window (t = 8.16 s).
    assert elapsed == pytest.approx(4 * 2.04, abs=1e-6)
    assert limiter.seconds_waited > 0


async def test_a_429_holds_every_send_until_the_block_ends():
    clock = FakeClock(start=0.0)
    limiter = RateLimiter(100, 10.0, margin=0.0, pad=0.1, clock=clock, probe_first=False)
    await limiter.acquire()
    limiter.on_rate_limited(ServerBudget(limit=100, remaining=0, reset=7), now=clock.now())
    assert limiter.delay(7.0) > 0
    # One send of ours cannot cross 100: someone else spent the rest, so the window after
    # the block is left to them too.
    assert limiter.budget_at(7.1) == 1
    sent = await limiter.acquire()
    assert sent >= 7.1


async def test_after_a_hold_only_one_probe_goes_out_until_a_response_is_read():
    clock = FakeClock(start=0.0)
    limiter = RateLimiter(100, 10.0, margin=0.0, pad=0.0, clock=clock)
    limiter.hold_until(5.0, probe=True)
    assert limiter.try_acquire(4.9) > 0
    assert limiter.try_acquire(5.0) == 0.0  # the probe
    assert limiter.try_acquire(5.0) > 0  # the rest wait for what the probe learns
    limiter.observe(ServerBudget(limit=100, remaining=99, reset=10), now=5.01, sent_at=5.0)
    assert limiter.try_acquire(5.02) == 0.0


def test_the_first_send_is_a_probe_and_its_answer_opens_the_budget():
    limiter = RateLimiter(20, 2.0, margin=0.05, pad=0.0, clock=FakeClock(0.0))
    assert limiter.try_acquire(0.0) == 0.0
    assert limiter.try_acquire(0.0) > 0  # nothing else before the first answer
    limiter.observe(ServerBudget(20, 19, 2), now=0.01, sent_at=0.0)
    assert [limiter.try_acquire(0.02) for _ in range(18)] == [0.0] * 18
    assert limiter.try_acquire(0.02) > 0  # 19 = floor(20 * 0.95) in the window


def test_steady_foreign_use_is_kept_out_of_our_budget_in_later_windows():
    limiter = RateLimiter(20, 2.0, margin=0.05, pad=0.0, clock=FakeClock(0.0))
    assert limiter.try_acquire(0.0) == 0.0
    limiter.observe(ServerBudget(20, 11, 2), now=0.05, sent_at=0.0)  # 8 spent by someone else
    assert limiter.budget_at(0.05) == 19 - 8
    assert limiter.budget_at(0.05 + 2 * 2.0 + 0.01) == 19  # forgotten two windows later


def test_own_traffic_alone_never_looks_like_a_shared_key():
    limiter = RateLimiter(20, 2.0, margin=0.05, pad=0.0, clock=FakeClock(0.0))
    for i in range(10):
        sent = i * 0.1
        assert limiter.try_acquire(sent) == 0.0
        # The server counted exactly our sends so far; its reset is rounded up.
        limiter.observe(ServerBudget(20, 20 - (i + 1), 2), now=sent + 0.01, sent_at=sent)
    assert limiter.shared_key_detections == 0
    assert limiter.try_acquire(1.0) == 0.0


def test_a_lower_server_budget_caps_our_sends_until_the_reset():
    limiter = RateLimiter(20, 2.0, margin=0.05, pad=0.0, clock=FakeClock(0.0))
    assert limiter.try_acquire(0.0) == 0.0
    # Someone else already spent 14 of the 20: the server says 5 remain after ours.
    limiter.observe(ServerBudget(20, 5, 2), now=0.05, sent_at=0.0)
    assert limiter.shared_key_detections == 1
    sent = [t / 100 for t in range(10, 200) if limiter.try_acquire(t / 100) == 0.0]
    assert len(sent) == 5 - 1  # minus a reserve of ceil(5% of 20)
    assert min(b - a for a, b in zip([0.0, *sent], sent, strict=False)) >= 0.39  # spread out
    assert limiter.delay(1.99) == pytest.approx(2.05 - 1.99)


def test_an_exhausted_server_budget_holds_until_the_reset():
    limiter = RateLimiter(20, 2.0, margin=0.05, pad=0.0, clock=FakeClock(0.0))
    assert limiter.try_acquire(0.0) == 0.0
    limiter.observe(ServerBudget(20, 0, 1.5), now=0.1, sent_at=0.0)
    assert limiter.delay(0.2) == pytest.approx(1.6 - 0.2)


def test_a_lower_limit_announced_by_the_server_is_adopted():
    limiter = RateLimiter(120, 60.0, clock=FakeClock(0.0))
    assert limiter.try_acquire(0.0) == 0.0
    limiter.observe(ServerBudget(limit=20, remaining=19, reset=60), now=0.1, sent_at=0.0)
    assert limiter.budget == 19


def test_rate_limit_headers_are_parsed():
    headers = {
        "X-RateLimit-Limit-Default": "120",
        "X-RateLimit-Remaining-Default": "7",
        "X-RateLimit-Reset-Default": "42",
    }
    assert ServerBudget.from_headers(headers) == ServerBudget(120, 7, 42.0, 42.0)
    assert ServerBudget.from_headers({}) == ServerBudget(None, None, None)


def test_an_endpoint_throttle_429_waits_its_own_reset_and_leaves_the_budget_alone():
    headers = {
        "X-RateLimit-Limit-Org_teams_delete": "1",
        "X-RateLimit-Remaining-Org_teams_delete": "0",
        "X-RateLimit-Reset-Org_teams_delete": "1",
    }
    limiter = RateLimiter(120, 60.0, margin=0.05, pad=0.0, clock=FakeClock(0.0))
    limiter.observe(ServerBudget.from_headers(headers), now=0.0, sent_at=0.0)
    assert limiter.limit == 120
    limiter.hold_until(0.0, probe=False)
    limiter.on_rate_limited(ServerBudget.from_headers(headers), now=0.0)
    assert limiter.delay(0.0) == pytest.approx(1.0)  # not a whole 60 s window
    assert limiter.budget_at(1.0) == 114  # and no one else is assumed to use the key


async def test_a_waiting_sender_wakes_as_soon_as_the_probe_is_answered():
    limiter = RateLimiter(20, 2.0, margin=0.05, pad=0.0)  # the real clock
    first = await limiter.acquire()
    waiter = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0.05)
    assert not waiter.done()  # held back: the probe's answer is not in yet
    limiter.observe(ServerBudget(20, 19, 2), now=limiter.clock.now(), sent_at=first)
    second = await asyncio.wait_for(waiter, timeout=1.0)  # not a whole window later
    assert second - first < 1.0


def test_a_probe_that_gets_no_response_does_not_hold_everyone_for_a_window():
    limiter = RateLimiter(20, 2.0, margin=0.05, pad=0.0, clock=FakeClock(0.0))
    assert limiter.try_acquire(0.0) == 0.0
    assert limiter.try_acquire(0.0) > 0
    limiter.on_no_response()  # the probe died on a reset: fall back to the sliding log
    assert limiter.try_acquire(0.0) == 0.0


def test_a_slow_round_trip_widens_the_span_so_a_late_window_start_is_covered():
    limiter = RateLimiter(20, 2.0, margin=0.05, pad=0.0, clock=FakeClock(0.0))
    assert limiter.try_acquire(0.0) == 0.0  # the probe opens a new connection: slow
    limiter.observe(ServerBudget(20, 19, 2), now=0.08, sent_at=0.0)
    assert [limiter.try_acquire(0.08) for _ in range(18)] == [0.0] * 18
    # The server's window may have opened when the probe arrived (up to 0.08 s late).
    assert limiter.delay(2.0) == pytest.approx(0.08)
