"""The rate limiter on an injected clock: no sleeping, no network.

Most tests run it against the sandbox's own throttler (the real API's fixed window, block
and named limits) in a discrete-event simulation (tests/calapi/limiter_sim.py): what a user
notices is the 429s, the windows a run needs and how long it takes.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import random

import pytest

from calapi import RateLimiter, ServerBudget
from calapi._ratelimit import NamedBudget
from tests.calapi.limiter_sim import SimClock, make_server, simulate, simulate_shared


def run(n: int, limit: int, window: float, *, key_limits: str = "", cap=None, **options):
    clock = SimClock()
    server = make_server(clock, limit, window, key_limits)
    limiter = RateLimiter(120, 60.0, cap=cap, clock=clock)
    return limiter, simulate(limiter, server, clock, n, **options)


def test_a_run_takes_the_fewest_windows_the_limit_allows_and_no_429():
    limiter, out = run(1000, 100, 5.0)
    assert (out.ours_429, out.windows) == (0, 10)  # ceil(1000 / 100)
    assert out.elapsed < 10 * 5.0  # each window starts as soon as the last surely ended
    assert set(limiter.limits) == {"default"} and limiter.shared_key_detections == 0


def test_a_small_limit_no_longer_costs_a_whole_extra_window():
    _, out = run(59, 20, 60.0)  # the old limiter took 4 windows here
    assert (out.ours_429, out.windows) == (0, 3)


def test_a_window_part_spent_by_an_earlier_run_is_used_at_once():
    """A repeated 14-request dry run within the minute: the probe reads the 105 left."""
    _, out = run(14, 120, 60.0, prior=15)
    assert out.ours_429 == 0
    assert out.elapsed < 0.5  # was 14 s: the earlier run was taken for another tool


def test_a_window_with_little_left_is_used_to_its_last_request_then_the_next():
    _, out = run(30, 20, 10.0, prior=12)
    assert out.ours_429 == 0
    assert out.windows == 3  # 8 in the part-spent window, 20 in the next, then 2
    assert out.elapsed < 2 * 10.0 + 1.0


def test_another_user_of_the_key_is_seen_and_left_its_share():
    """A second client spends 10% of each window evenly: no 429 for either of us."""
    limiter, out = run(1000, 100, 5.0, other_every=0.5)
    assert (out.ours_429, out.others_429) == (0, 0)
    assert limiter.shared_key_detections >= 1
    assert out.windows <= math.ceil(1000 / 90) + 1  # the other's share, and no more


def test_slow_answers_cost_no_429_and_at_most_one_window():
    rng = random.Random(7)

    def latency(_: int) -> float:
        return rng.uniform(0.2, 0.8) if rng.random() < 0.05 else 0.01

    _, out = run(1000, 100, 5.0, latency=latency)
    assert out.ours_429 == 0
    assert out.windows <= 10 + 1


def test_answers_read_out_of_order_never_cross_the_limit():
    """Answers come back in another order than the server counted them: an earlier send
    answered first may have been counted after a later one (its remaining is lower)."""
    rng = random.Random(11)
    latency = lambda _: rng.uniform(0.005, 0.06)  # noqa: E731
    _, out = run(2000, 100, 5.0, latency=latency, split=rng.random)
    assert out.ours_429 == 0
    assert out.windows <= 20 + 1


def test_every_named_limit_is_learned_and_followed():
    limiter, out = run(300, 120, 60.0, key_limits="short=5/1s,long=100/60s:60s", watch="long")
    assert out.ours_429 == 0
    assert set(limiter.limits) == {"short", "long"}
    assert (limiter.limits["short"].limit, limiter.limits["long"].limit) == (5, 100)
    assert out.windows == 3  # the tightest over time is long's 100 per minute
    # short's 5 per second never let more than 5 of ours arrive in one second
    times = sorted(out.send_times)
    assert max(bisect.bisect_left(times, t + 0.99) - i for i, t in enumerate(times)) <= 6


def test_a_raised_limit_is_used_with_no_configuration():
    _, out = run(1200, 600, 60.0)  # the limiter was built for 120 per minute
    assert (out.ours_429, out.windows) == (0, 2)
    assert out.elapsed < 2 * 60.0  # 1,200 in two windows (the last few in the tail)


def test_a_lower_limit_slows_the_client_down():
    _, out = run(100, 20, 60.0)
    assert (out.ours_429, out.windows) == (0, 5)


def test_cal_rate_limit_is_a_ceiling_the_user_may_set():
    _, out = run(300, 600, 60.0, cap=100)
    assert out.ours_429 == 0
    times = sorted(out.send_times)
    assert max(bisect.bisect_left(times, t + 60.0) - i for i, t in enumerate(times)) <= 100


def test_the_first_send_is_a_probe_and_its_answer_opens_the_window():
    clock = SimClock(0.0)
    limiter = RateLimiter(120, 60.0, clock=clock)
    probe = limiter.try_acquire(0.0)
    assert probe is not None
    assert limiter.try_acquire(0.0) is None  # nothing else before the first answer
    default = NamedBudget(limit=20, remaining=19, reset=60.0)
    limiter.observe(ServerBudget({"default": default}), probe, 0.01)
    sent = [limiter.try_acquire(0.02) for _ in range(20)]
    assert sum(t is not None for t in sent) == 19 - 3  # the tail (15%) waits for the end
    # the tail: the last 10% of the window (ends by 0.01 + 60 + pad), less a pad
    assert limiter.delay(0.02) == pytest.approx(60.03 - 0.02 - 6.0 - 0.02, abs=0.01)


def test_a_429_holds_every_send_until_the_longest_reset_then_probes():
    clock = SimClock(0.0)
    limiter = RateLimiter(120, 60.0, clock=clock)
    ticket = limiter.try_acquire(0.0)
    blocked = {
        "short": NamedBudget(5, 0, 1.0),
        "long": NamedBudget(100, 0, 7.0),
    }
    limiter.on_rate_limited(ServerBudget(blocked), ticket, 0.01)
    assert limiter.delay(6.9) > 0
    probe = limiter.try_acquire(7.05)
    assert probe is not None and limiter.try_acquire(7.05) is None


def test_a_probe_that_gets_no_answer_does_not_hold_everyone():
    limiter = RateLimiter(120, 60.0, clock=SimClock(0.0))
    probe = limiter.try_acquire(0.0)
    assert limiter.try_acquire(0.0) is None
    limiter.on_no_response(probe)
    assert limiter.try_acquire(0.0) is not None  # a new probe


def test_a_server_without_rate_limit_headers_gets_the_api_default():
    clock = SimClock(0.0)
    limiter = RateLimiter(20, 2.0, margin=0.05, clock=clock)
    probe = limiter.try_acquire(0.0)
    limiter.observe(ServerBudget(), probe, 0.01)
    sent = [limiter.try_acquire(0.01) for _ in range(30)]
    assert sum(t is not None for t in sent) == 19 - 1  # floor(20 * 0.95), the probe included


def test_every_named_triple_is_read_from_the_headers():
    headers = {
        "X-RateLimit-Limit-Short": "5",
        "X-RateLimit-Remaining-Short": "4",
        "X-RateLimit-Reset-Short": "1",
        "X-RateLimit-Limit-Long": "300",
        "X-RateLimit-Remaining-Long": "299",
        "X-RateLimit-Reset-Long": "60",
        "X-Request-Id": "abc",
    }
    budget = ServerBudget.from_headers(headers)
    assert budget.limits == {
        "short": NamedBudget(5, 4, 1.0),
        "long": NamedBudget(300, 299, 60.0),
    }
    assert budget.longest_reset == 60.0
    assert ServerBudget.from_headers({}).limits == {}


async def test_a_waiting_sender_wakes_as_soon_as_the_probe_is_answered():
    limiter = RateLimiter(120, 60.0)  # the real clock
    probe = await limiter.acquire()
    waiter = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0.05)
    assert not waiter.done()  # held back: the probe's answer is not in yet
    answer = ServerBudget({"default": NamedBudget(120, 119, 60.0)})
    limiter.observe(answer, probe, limiter.clock.now())
    second = await asyncio.wait_for(waiter, timeout=1.0)  # not a whole window later
    assert second.sent_at - probe.sent_at < 1.0


def shared_runs(tmp_path, other_every: float | None):
    """Two calbulk runs on one key through the lock-file budget, each sending 1,000 requests,
    100 per 5 s; ``other_every``: a tool outside calbulk on the same key."""
    from flows.budget import LockFileBudget

    clock = SimClock()
    server = make_server(clock, 100, 5.0)
    runs = []
    for _ in range(2):
        budget = LockFileBudget(tmp_path, "key", clock=lambda: clock.t)
        runs.append((RateLimiter(120, 60.0, clock=clock, budget=budget), budget))
    out = simulate_shared(runs, server, clock, 1000, other_every=other_every)
    left = out.elapsed / 5.0 * 100 - out.others_sent  # what the outside tool left
    return [limiter for limiter, _ in runs], out, out.ours_sent / left


def test_runs_on_one_budget_leave_a_tool_outside_calbulk_its_share(tmp_path):
    """The outside tool spends 10% of the key evenly: what the headers show beyond both
    runs' sends is taken for it (the budget counts the runs), and it is left its share."""
    limiters, out, used = shared_runs(tmp_path, other_every=0.5)
    assert (out.ours_429, out.others_429) == (0, 0)
    assert out.others_sent >= 0.09 * out.elapsed / 5.0 * 100  # it kept its pace
    assert any(limiter.shared_key_detections for limiter in limiters)
    assert used >= 0.85, f"{used:.0%} of what the outside tool left"


def test_runs_on_one_budget_are_not_taken_for_a_tool_outside_calbulk(tmp_path):
    limiters, out, used = shared_runs(tmp_path, other_every=None)
    assert out.ours_429 == 0
    assert [limiter.shared_key_detections for limiter in limiters] == [0, 0]
    assert used >= 0.9, f"{used:.0%} of the key's budget"
