"""The take/skip paginator on in-memory pages (the sandbox version is test_pagination.py)."""

from __future__ import annotations

import pytest

from calapi import InconsistentPagination
from calapi._pagination import iterate_pages


def serve(items: list[dict], calls: list[dict], order=None):
    """A server-side take/skip over ``items``, optionally reordering per call."""

    async def fetch(params: dict[str, int]) -> list[dict]:
        calls.append(params)
        current = order(len(calls), items) if order else items
        return current[params["skip"] : params["skip"] + params["take"]]

    return fetch


@pytest.mark.parametrize("n", [0, 1, 9, 10, 11, 21], ids=lambda n: f"{n}-items")
async def test_every_item_exactly_once_in_order(n):
    items = [{"id": i} for i in range(n)]
    calls: list[dict] = []
    got = [r async for r in iterate_pages(serve(items, calls), take=10)]
    assert got == items
    # Stops on the first short page: n // 10 full pages, then one short (maybe empty) page.
    assert len(calls) == n // 10 + 1
    assert [c["skip"] for c in calls] == [10 * i for i in range(len(calls))]


async def test_a_page_repeating_the_previous_page_is_an_error_not_a_loop():
    items = [{"id": i} for i in range(30)]

    async def stuck(params):
        return items[:10]  # a server that ignores skip

    with pytest.raises(InconsistentPagination, match="repeats the previous page"):
        async for _ in iterate_pages(stuck, take=10, path="/v2/x"):
            pass


async def test_order_changing_between_pages_is_detected_and_nothing_is_yielded_twice():
    items = [{"id": i} for i in range(25)]
    got: list[dict] = []

    def reverse_after_first(call_no, items):
        return items if call_no == 1 else list(reversed(items))

    with pytest.raises(InconsistentPagination, match="order changed"):
        async for r in iterate_pages(serve(items, [], reverse_after_first), take=10):
            got.append(r)
    assert len({r["id"] for r in got}) == len(got)


async def test_custom_record_id_for_records_keyed_otherwise():
    items = [{"optionId": f"o{i}"} for i in range(3)]
    got = [
        r async for r in iterate_pages(serve(items, []), take=2, record_id=lambda r: r["optionId"])
    ]
    assert got == items
