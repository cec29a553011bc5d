"""When one table's listing fails, the export stops the others instead of leaving them running."""

from __future__ import annotations

import asyncio

import pytest

from flows.export.fetch import gather_or_cancel


async def test_first_failure_cancels_the_other_jobs_and_propagates_unchanged() -> None:
    finished: list[str] = []
    cancelled: list[str] = []

    async def slow(name: str) -> str:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.append(name)
            raise
        finished.append(name)
        return name

    async def broken() -> str:
        await asyncio.sleep(0.01)
        raise LookupError("users listing failed")

    with pytest.raises(LookupError, match="users listing failed"):
        await gather_or_cancel([slow("teams"), broken(), slow("ooo")])
    assert sorted(cancelled) == ["ooo", "teams"]
    assert finished == []


async def test_results_keep_the_order_of_the_jobs() -> None:
    async def later(value: int, delay: float) -> int:
        await asyncio.sleep(delay)
        return value

    assert await gather_or_cancel([later(1, 0.03), later(2, 0.0), later(3, 0.01)]) == [1, 2, 3]
