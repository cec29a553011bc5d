"""Must show: pagination is exact for 0, 1, page-1, page, page+1 and 2*page+1 items.

Uses one user's out-of-office list (page size 250) on a real sandbox, growing it from
0 to 501 entries and reading it back completely at each size.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from calapi import InconsistentPagination
from calapi._endpoints import USER_OOO
from tests.calapi.conftest import set_faults

PAGE = 250


def day(i: int) -> str:
    return (date(2031, 1, 1) + timedelta(days=i)).isoformat() + "T00:00:00.000Z"


@pytest.fixture
def unlimited_box(start_sandbox):
    return start_sandbox(seed_users=3, seed=11, rate_limit=1_000_000)


async def add_entries(cal, user_id: int, start: int, stop: int) -> list[int]:
    async def one(i: int) -> int:
        entry = await cal.create_ooo(user_id, start=day(i), end=day(i), reason="vacation")
        return entry["id"]

    return list(await asyncio.gather(*(one(i) for i in range(start, stop))))


async def user_without_ooo(cal) -> int:
    for user in await cal.list_users():
        if not await cal.list_user_ooo(user["id"]):
            return user["id"]
    raise AssertionError("every seeded user has OOO entries")


async def test_listing_is_exact_at_every_page_boundary(unlimited_box, make_client):
    cal = make_client(unlimited_box)
    user_id = await user_without_ooo(cal)
    created: list[int] = []
    for size in (0, 1, PAGE - 1, PAGE, PAGE + 1, 2 * PAGE + 1):
        created += await add_entries(cal, user_id, len(created), size)
        before = cal.stats.requests[("GET", USER_OOO, 200)]
        listed = await cal.list_user_ooo(user_id)
        pages = cal.stats.requests[("GET", USER_OOO, 200)] - before

        ids = [entry["id"] for entry in listed]
        assert len(ids) == size and sorted(ids) == sorted(created), f"size {size}"
        assert {entry["userId"] for entry in listed} <= {user_id}
        assert pages == size // PAGE + 1, f"size {size}: {pages} pages"


async def test_order_changing_between_pages_is_an_error_not_a_silent_gap(
    unlimited_box, make_client
):
    cal = make_client(unlimited_box)
    user_id = await user_without_ooo(cal)
    await add_entries(cal, user_id, 0, PAGE + 40)
    set_faults(unlimited_box, "reorder=1,seed=5")
    with pytest.raises(InconsistentPagination):
        await cal.list_user_ooo(user_id)
