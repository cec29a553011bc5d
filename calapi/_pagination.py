"""Take/skip pagination: one strategy object and one async iterator.

The organization lists carry no ``pagination`` object (api-notes.md §3.2), so the
only stop signal is a page shorter than ``take``. Each endpoint is paged with its
maximum page size (users 1000, everything else 250) to spend as few requests of the
rate budget as possible.

The server promises no order. If the order changes between two pages, a listing can
repeat some records and skip others. The iterator refuses both: a page whose ids
equal the previous page's, or an id seen on an earlier page, raises
:class:`~calapi.InconsistentPagination` (nothing is yielded twice). For a collection
that does not change during the listing, "no id repeats" also means "no gaps": n
distinct ids were read from n positions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from calapi._errors import InconsistentPagination

USERS_MAX_TAKE = 1000
DEFAULT_MAX_TAKE = 250


@dataclass
class TakeSkipPaginator:
    """State of one take/skip listing: what to ask next and whether there is a next page."""

    take: int = DEFAULT_MAX_TAKE
    skip: int = 0
    has_next_page: bool = True
    pages: int = 0
    _previous_ids: list[Hashable] = field(default_factory=list)
    _seen: set[Hashable] = field(default_factory=set)

    def next_params(self) -> dict[str, int]:
        return {"take": self.take, "skip": self.skip}

    def update(self, ids: list[Hashable], *, path: str = "") -> None:
        """Check one page's ids and move on; a short page ends the listing."""
        self.pages += 1
        if ids and ids == self._previous_ids:
            raise InconsistentPagination(
                f"page {self.pages} (skip={self.skip}) repeats the previous page",
                method="GET",
                path=path,
            )
        repeated = [i for i in ids if i in self._seen]
        if repeated or len(set(ids)) != len(ids):
            raise InconsistentPagination(
                f"page {self.pages} (skip={self.skip}) repeats ids seen before, "
                f"e.g. {repeated[:3] or ids[:3]}: the server's order changed mid-listing",
                method="GET",
                path=path,
            )
        self._seen.update(ids)
        self._previous_ids = ids
        self.skip += len(ids)
        self.has_next_page = len(ids) >= self.take


FetchPage = Callable[[dict[str, int]], Awaitable[list[Any]]]


async def iterate_pages(
    fetch_page: FetchPage,
    *,
    take: int = DEFAULT_MAX_TAKE,
    record_id: Callable[[Any], Hashable] = lambda record: record["id"],
    path: str = "",
) -> AsyncIterator[Any]:
    """Yield every record of a take/skip listing, page by page, checked for repeats."""
    paginator = TakeSkipPaginator(take=take)
    while paginator.has_next_page:
        page = await fetch_page(paginator.next_params())
        paginator.update([record_id(record) for record in page], path=path)
        for record in page:
            yield record
