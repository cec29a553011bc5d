"""The limiter and its shared budget: every send is taken from it, with the key's limits as
the headers said (the credential's default before any answer); runs on the budget are not
kept a share per window as unknown users of the key are."""

from __future__ import annotations

import asyncio

from calapi import KeyLimit, RateLimiter, ServerBudget, key_fingerprint
from tests.calapi.limiter_sim import SimClock


class RecordingBudget:
    def __init__(self) -> None:
        self.taken: list[tuple[tuple[KeyLimit, ...], float]] = []

    async def take(self, limits, pad):
        self.taken.append((limits, pad))


def answer(limiter: RateLimiter, ticket, remaining: int, limit: int = 10, reset: int = 2) -> None:
    headers = {"X-RateLimit-Limit-Default": str(limit),
               "X-RateLimit-Remaining-Default": str(remaining),
               "X-RateLimit-Reset-Default": str(reset)}  # fmt: skip
    limiter.observe(ServerBudget.from_headers(headers), ticket, limiter.clock.now())


def test_every_send_is_taken_from_the_budget_with_the_learned_limits():
    budget, clock = RecordingBudget(), SimClock()
    limiter = RateLimiter(120, 60.0, budget=budget, clock=clock)

    async def two_sends():
        probe = await limiter.acquire()
        answer(limiter, probe, remaining=9)
        await limiter.acquire()

    asyncio.run(two_sends())
    (first, _), (second, pad) = budget.taken
    assert first == (KeyLimit("fallback", 120, 60.0, learned=False),)  # nothing heard yet
    assert second == (KeyLimit("default", 10, 2.0),)  # as the headers said
    assert pad > 0.1  # the spread from the count to the wire


def requests_kept_for_others(budget) -> int:
    """A window where 5 requests not ours were counted after our first two."""
    clock = SimClock()
    limiter = RateLimiter(120, 60.0, budget=budget, clock=clock)
    first = limiter.record_send(clock.now())
    answer(limiter, first, remaining=9)
    clock.t += 0.5
    second = limiter.record_send(clock.now())
    answer(limiter, second, remaining=3)  # 7 used: ours 2, someone else's 5
    return limiter.limits["default"].foreign_per_window(clock.now()), limiter


def test_runs_on_the_budget_are_not_kept_a_share_unknown_users_are():
    kept_alone, alone = requests_kept_for_others(None)
    kept_shared, shared = requests_kept_for_others(RecordingBudget())
    assert kept_alone >= 5  # another tool: its pace is kept free in later windows
    assert kept_shared == 0  # another calbulk run: the budget already counts it
    assert alone.shared_key_detections == shared.shared_key_detections == 1


def test_a_fingerprint_names_the_key_without_revealing_it():
    key = "cal_live_abcdef0123456789"
    assert key_fingerprint(key) == key_fingerprint(key)
    assert key_fingerprint(key) != key_fingerprint(key + "0")
    assert len(key_fingerprint(key)) == 16 and "abcdef0123" not in key_fingerprint(key)


class CountingBudget(RecordingBudget):
    """A budget that says how many requests the other runs on it took (the lock file's)."""

    def __init__(self, others: int) -> None:
        super().__init__()
        self.others = others

    def others_sent(self, seconds: float) -> int:
        return self.others


def test_a_budget_that_counts_the_other_runs_tells_them_from_an_outside_tool():
    kept_runs, runs = requests_kept_for_others(CountingBudget(others=5))
    kept_tool, tool = requests_kept_for_others(CountingBudget(others=0))
    assert kept_runs == 0 and runs.shared_key_detections == 0  # the 5 were calbulk runs'
    assert kept_tool >= 5 and tool.shared_key_detections == 1  # nothing local: a tool's


def test_each_window_is_spent_less_what_the_other_runs_sent_since_it_answered():
    clock = SimClock()
    budget = CountingBudget(others=0)
    limiter = RateLimiter(120, 60.0, budget=budget, clock=clock)
    probe = limiter.record_send(clock.now())
    answer(limiter, probe, remaining=9, reset=60)  # 9 left for all the key's runs
    alone = sum(limiter.try_acquire(clock.now()) is not None for _ in range(20))
    limiter, budget.others = RateLimiter(120, 60.0, budget=budget, clock=clock), 4
    probe = limiter.record_send(clock.now())
    answer(limiter, probe, remaining=9, reset=60)  # and another run sent 4 since
    shared = sum(limiter.try_acquire(clock.now()) is not None for _ in range(20))
    assert alone >= 5 and shared == alone - 4
