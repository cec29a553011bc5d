"""Must show: under injected faults every read completes with correct data, and a write
that may have been applied surfaces as AmbiguousWrite (never retried blindly)."""

from __future__ import annotations

import asyncio

import pytest

from calapi import AmbiguousWrite, RetryPolicy
from tests.calapi.conftest import sandbox_stats, set_faults

READ_FAULTS = "500=0.04,502=0.03,503=0.03,reset=0.05,latency=0.3:5-60ms,hang=0.02:3s,seed=9"


@pytest.fixture
def faulty_box(start_sandbox):
    return start_sandbox(seed_users=40, seed=5, rate_limit=1_000_000)


async def snapshot(cal) -> dict:
    users = await cal.list_users()
    return {
        "users": users,
        "memberships": await cal.list_memberships(),
        "attributes": await cal.list_attributes(),
        "teams": await cal.list_teams(),
        "ooo": await cal.list_org_ooo(),
        "user_options": await asyncio.gather(*(cal.list_user_options(u["id"]) for u in users)),
    }


async def test_reads_under_faults_return_exactly_what_a_clean_run_returns(faulty_box, make_client):
    clean = await snapshot(make_client(faulty_box))
    set_faults(faulty_box, READ_FAULTS)
    cal = make_client(faulty_box, read_timeout=1.0)
    faulted = await asyncio.gather(*(snapshot(cal) for _ in range(3)))

    for run in faulted:
        assert run == clean
    stats = cal.stats
    assert stats.retries > 0, "no fault was hit: the test proves nothing"
    assert any(status >= 500 for (_, _, status) in stats.requests)
    # Resets and hangs reached the client as transport errors (status 0) and were retried.
    assert any(status == 0 for (_, _, status) in stats.requests)
    assert sandbox_stats(faulty_box)["requests"] > stats.requests.total() / 2


async def test_ambiguous_writes_raise_the_distinct_error_and_were_applied(faulty_box, make_client):
    set_faults(faulty_box, "ambiguous=0.3,seed=4")
    cal = make_client(faulty_box)
    emails = [f"amb{i}@example.com" for i in range(30)]
    outcomes = await asyncio.gather(
        *(cal.create_user(email=e) for e in emails), return_exceptions=True
    )
    ambiguous = [e for e, o in zip(emails, outcomes, strict=True) if isinstance(o, AmbiguousWrite)]
    others = [
        o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, AmbiguousWrite)
    ]
    assert ambiguous, "no ambiguous write drawn: the test proves nothing"
    assert others == []
    assert cal.stats.ambiguous_writes == len(ambiguous)
    # Never re-sent: exactly one POST per e-mail reached the client's counters.
    posts = sum(n for (m, p, _), n in cal.stats.requests.items() if m == "POST")
    assert posts == len(emails)

    set_faults(faulty_box, "")
    # The importer reconciles by reading state: the sandbox applied every ambiguous write.
    found = {u["email"] for u in await cal.list_users(emails=ambiguous)}
    assert found == set(ambiguous)
    err = next(o for o in outcomes if isinstance(o, AmbiguousWrite))
    assert err.method == "POST" and err.path.endswith("/users")


async def test_writes_refused_with_503_are_retried_and_applied_once(faulty_box, make_client):
    set_faults(faulty_box, "503=0.3,seed=8")
    cal = make_client(faulty_box, retry=RetryPolicy(base_delay=0.01))
    emails = [f"retry503-{i}@example.com" for i in range(20)]
    created = await asyncio.gather(*(cal.create_user(email=e) for e in emails))
    set_faults(faulty_box, "")
    assert sorted(u["email"] for u in created) == sorted(emails)
    assert cal.stats.requests[("POST", "/v2/organizations/{orgId}/users", 503)] > 0
    assert cal.stats.ambiguous_writes == 0
    listed = await cal.list_users(emails=emails)
    assert sorted(u["email"] for u in listed) == sorted(emails)  # each exactly once


async def test_a_500_on_a_write_is_ambiguous_not_retried(faulty_box, make_client):
    set_faults(faulty_box, "500=1,seed=8")
    cal = make_client(faulty_box)
    with pytest.raises(AmbiguousWrite) as info:
        await cal.create_user(email="maybe@example.com")
    set_faults(faulty_box, "")
    assert info.value.status == 500
    assert cal.stats.requests.total() == 1  # sent once, never re-sent
    # This sandbox returns its 5xx faults instead of processing: reading back shows it.
    assert await cal.list_users(emails=["maybe@example.com"]) == []
