"""The lock-file budget: runs on one machine and one key share the key's limit.

Two budgets on one state file stand for two runs (two processes would open the same file
the same way); a fake clock lets the sends be checked against every fixed window the API
could draw, without sleeping.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import math
import stat

import httpx
import pytest

from calapi import KeyLimit, RateLimiter, key_fingerprint
from flows.budget import (
    BUSY_TRIES,
    GRAIN,
    LockFileBudget,
    PrefectBudget,
    decay_for,
    with_shared_budget,
)
from flows.config import load_settings

KEY = "cal_live_0123456789abcdef"
LIMIT = KeyLimit("default", 10, 2.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def most_in_any_window(sends: list[float], window: float) -> int:
    """The most sends any fixed window of ``window`` seconds could hold, wherever it starts."""
    return max(sum(1 for t in sends if start <= t < start + window) for start in sends)


def run_two(tmp_path, steps: int, limits=(LIMIT,), pad=0.05) -> list[float]:
    clock = Clock()
    runs = [LockFileBudget(tmp_path, key_fingerprint(KEY), clock) for _ in range(2)]
    sent = []
    for _ in range(steps):  # both runs try every 10 ms; the clock advances between tries
        for run in runs:
            if run.try_take(limits, pad) <= 0:
                sent.append(clock.now)
        clock.now += 0.01
    return sent


def test_two_runs_never_put_more_than_the_limit_in_any_window(tmp_path):
    sent = run_two(tmp_path, steps=1000)  # 10 s of trying
    assert most_in_any_window(sent, LIMIT.window) <= LIMIT.limit
    # and together they use the key: 10 per 2.05 s over 10 s is at least 4 full windows
    assert len(sent) >= 4 * LIMIT.limit


def test_every_named_limit_binds(tmp_path):
    short, long = KeyLimit("short", 3, 0.5), KeyLimit("long", 12, 4.0)
    sent = run_two(tmp_path, steps=800, limits=(short, long))
    assert most_in_any_window(sent, short.window) <= short.limit
    assert most_in_any_window(sent, long.window) <= long.limit


def test_a_new_run_uses_the_limits_another_run_learned(tmp_path):
    clock = Clock()
    first = LockFileBudget(tmp_path, key_fingerprint(KEY), clock)
    for _ in range(LIMIT.limit):
        assert first.try_take((LIMIT,), 0.05) <= 0
    # a run that has not heard from the API yet offers the default 120 per 60 s: the file wins
    newcomer = LockFileBudget(tmp_path, key_fingerprint(KEY), clock)
    fallback = KeyLimit("fallback", 120, 60.0, learned=False)
    assert newcomer.try_take((fallback,), 0.05) == pytest.approx(2.05)


def test_the_state_file_is_private_and_never_holds_the_key(tmp_path):
    budget = LockFileBudget(tmp_path / "rl", key_fingerprint(KEY), Clock())
    budget.try_take((LIMIT,), 0.05)
    assert stat.S_IMODE(budget.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(budget.path.parent.stat().st_mode) == 0o700
    text = budget.path.read_text()
    assert KEY not in text and KEY not in budget.path.name
    assert json.loads(text)["limits"] == {"default": [10, 2.0]}


def test_a_torn_state_file_is_started_over(tmp_path):
    budget = LockFileBudget(tmp_path, key_fingerprint(KEY), Clock())
    budget.path.write_text('{"sends": [1, 2')
    assert budget.try_take((LIMIT,), 0.05) <= 0


def test_the_limiter_asks_the_budget_for_every_send(tmp_path):
    budget = LockFileBudget(tmp_path, key_fingerprint(KEY))
    limiter = RateLimiter(120, 60.0, budget=budget, probe_first=False)

    async def sends():
        for _ in range(5):
            limiter.on_no_response(await limiter.acquire())

    asyncio.run(sends())
    assert len(json.loads(budget.path.read_text())["sends"]) == 5


def test_runs_get_the_lock_file_budget_without_a_prefect_server(tmp_path, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    settings = with_shared_budget(load_settings(environ={"CAL_API_KEY": KEY}), tmp_path)
    assert isinstance(settings.budget, LockFileBudget)
    assert settings.budget.path.parent == tmp_path
    assert KEY not in repr(settings)


def test_runs_from_any_folder_share_one_per_user_lock_file(tmp_path, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("CALBULK_RATELIMIT_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    paths = set()
    for where in ("a", "b"):
        (tmp_path / where).mkdir()
        monkeypatch.chdir(tmp_path / where)
        paths.add(with_shared_budget(load_settings(environ={"CAL_API_KEY": KEY})).budget.path)
    assert len(paths) == 1
    assert paths.pop().parent == tmp_path / "state" / "calbulk" / "ratelimit"


def prefect_grants(limit: int, window: float, pad: float, seconds: float) -> list[float]:
    """Every take a Prefect rate limit shaped by decay_for grants to takers that try every
    millisecond from a full bucket, as Prefect's server counts (integer slots decaying by
    ``floor(decay * seconds since the last grant)``; a take needs ``active + GRAIN <= limit``)."""
    size, rate = decay_for(limit, window, pad)
    cap, decay = round(size * GRAIN), rate * GRAIN
    active, updated, grants = 0, 0, []
    for ms in range(int(seconds * 1000)):
        left = max(0, active - math.floor(decay * (ms - updated) / 1000))
        if left + GRAIN <= cap:
            active, updated = left + GRAIN, ms
            grants.append(ms / 1000)
    return grants


def most_in_any_span(times: list[float], span: float) -> int:
    return max(bisect.bisect_right(times, t + span) - i for i, t in enumerate(times))


@pytest.mark.parametrize(
    "limit,window", [(10, 2.0), (20, 4.0), (120, 60.0), (5, 1.0), (1000, 60.0), (1, 1.0)]
)
def test_the_prefect_limit_never_admits_more_than_the_limit_per_window(limit, window):
    size, rate = decay_for(limit, window, pad=0.1)
    assert size >= 1 and rate > 0  # one request always fits
    grants = prefect_grants(limit, window, 0.1, seconds=3 * window + 1)
    # no span of a window (plus the pad between slot and send) holds more than the limit,
    # a closed span starting at a full bucket included; and the rest of the limit is used
    assert most_in_any_span(grants, window + 0.1) == limit
    assert rate * window >= 0.95 * limit or limit < 20


def test_a_run_is_told_the_other_runs_sends_not_its_own(tmp_path):
    clock = Clock()
    mine, theirs = (LockFileBudget(tmp_path, key_fingerprint(KEY), clock) for _ in range(2))
    assert mine.others_sent(10.0) == 0  # no file yet
    for _ in range(3):
        assert mine.try_take((LIMIT,), 0.05) <= 0
        clock.now += 0.1
    for _ in range(2):
        assert theirs.try_take((LIMIT,), 0.05) <= 0
        clock.now += 0.1
    assert (mine.others_sent(10.0), theirs.others_sent(10.0)) == (2, 3)
    assert mine.others_sent(0.15) == 1  # only the last 0.15 s


class BusyPrefect:
    """A Prefect server's take endpoint as an httpx transport: it answers 503 (its SQLite
    database busy with another write; nothing taken) ``busy`` times, then ``then``; with
    ``drop_first`` the first try loses its connection instead."""

    def __init__(self, busy: int, then: int = 200, drop_first: bool = False,
                 csrf: bool = False):  # fmt: skip
        self.busy, self.then, self.drop_first, self.csrf = busy, then, drop_first, csrf
        self.bodies: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/csrf-token":  # Prefect's client asks before a write
            if self.csrf:
                token = {"token": "t", "client": request.url.params["client"],
                         "expiration": "2099-01-01T00:00:00Z"}  # fmt: skip
                return httpx.Response(200, json=token)
            return httpx.Response(422, json={"detail": "CSRF protection is disabled."})
        if self.csrf and request.headers.get("Prefect-Csrf-Token") != "t":
            self.bodies.append({"refused": "no CSRF token"})
            return httpx.Response(403, json={"detail": "Invalid CSRF token"})
        assert request.url.path == "/api/v2/concurrency_limits/increment"
        self.bodies.append(json.loads(request.content))
        if self.drop_first and len(self.bodies) == 1:
            raise httpx.ReadError("connection reset", request=request)
        code = 503 if len(self.bodies) <= self.busy else self.then
        return httpx.Response(code, json={"detail": "Service Unavailable"})


def take_once(
    server: BusyPrefect, monkeypatch, takes: int = 1
) -> tuple[bool, PrefectBudget, list[float]]:
    """``takes`` takes through a real Prefect client on ``server``: the last granted?, the
    budget, and the sleeps Prefect's client asked for (recorded, not slept)."""
    import prefect.client.base
    from prefect.client.orchestration import PrefectClient

    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(prefect.client.base.anyio, "sleep", sleep)
    budget = PrefectBudget(key_fingerprint(KEY))

    async def take() -> bool:
        transport = httpx.MockTransport(server)
        async with PrefectClient("http://prefect.test/api",
                                 httpx_settings={"transport": transport}) as client:  # fmt: skip
            for _ in range(takes):
                granted = await budget._increment(client, ["calbulk-key-x-default"])
            return granted

    return asyncio.run(take()), budget, slept


def test_a_take_the_prefect_server_was_too_busy_for_is_tried_again_at_once(monkeypatch):
    # Prefect's client would sleep 2 s, then 4 s: a window or more of a fast key
    server = BusyPrefect(busy=3)
    granted, budget, slept = take_once(server, monkeypatch)
    assert granted and budget.busy == 3 and slept == []
    assert server.bodies == [{"names": ["calbulk-key-x-default"], "slots": GRAIN,
                              "mode": "rate_limit"}] * 4  # fmt: skip


def test_a_server_busy_past_the_quick_tries_gets_the_clients_own_retries(monkeypatch):
    server = BusyPrefect(busy=BUSY_TRIES + 2)
    granted, budget, slept = take_once(server, monkeypatch)
    assert granted and budget.busy == BUSY_TRIES
    # then Prefect's client: two 503s more, each followed by its backoff (2 s, 4 s, jittered)
    assert len(server.bodies) == BUSY_TRIES + 3 and len(slept) == 2 and min(slept) > 1.5
    # busy for good: the error is the caller's, as Prefect's client gives it
    with pytest.raises(httpx.HTTPStatusError):
        take_once(BusyPrefect(busy=1000), monkeypatch)


def test_a_full_limit_is_a_denial_and_a_dropped_connection_gets_the_clients_retries(
    monkeypatch,
):
    granted, budget, _ = take_once(BusyPrefect(busy=0, then=423), monkeypatch)
    assert not granted and budget.busy == 0
    server = BusyPrefect(busy=0, drop_first=True)
    granted, budget, _ = take_once(server, monkeypatch)
    assert granted and len(server.bodies) == 2 and budget.busy == 0


def test_a_server_that_checks_csrf_tokens_gets_the_clients_own_call_after_one_refusal(
    monkeypatch,
):
    server = BusyPrefect(busy=0, csrf=True)
    granted, budget, _ = take_once(server, monkeypatch, takes=3)
    assert granted and budget.busy == 0
    refused = [body for body in server.bodies if "refused" in body]
    assert len(refused) == 1 and len(server.bodies) == 4  # then the client's calls only


def test_a_prefect_client_without_the_expected_connection_still_takes():
    # should a Prefect release rename the client's connection, takes go through its own call
    class Client:
        def __init__(self) -> None:
            self.calls = 0

        async def increment_concurrency_slots(self, names, slots, mode):
            self.calls += 1

    client = Client()
    budget = PrefectBudget(key_fingerprint(KEY))
    assert asyncio.run(budget._increment(client, ["calbulk-key-x-default"])) is True
    assert client.calls == 1
