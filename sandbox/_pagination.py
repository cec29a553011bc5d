"""take/skip as the real API validates them (api-notes §3.3): over the maximum is a 400.

Lists carry no ``pagination`` object and keep insertion order. When the ``reorder`` fault
fires, the page is cut from a fresh shuffle of the whole list, so an exporter that pages
through sees duplicates and gaps, as it could with a database that promises no order.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sandbox._validation import Field, int_query, validate

T = TypeVar("T")

DEFAULT_TAKE = 250


@dataclass(frozen=True)
class Page:
    take: int
    skip: int
    shuffle: random.Random | None = None  # set when the reorder fault hits this request

    def cut(self, items: Sequence[T]) -> list[T]:
        """This page of an already-ordered list."""
        if self.shuffle is not None:
            items = list(items)
            self.shuffle.shuffle(items)
        return list(items[self.skip : self.skip + self.take])

    def rows(self, conn: sqlite3.Connection, sql: str, args: Sequence[Any]) -> list[sqlite3.Row]:
        """This page of an ordered query: LIMIT/OFFSET in SQL unless the page is shuffled."""
        if self.shuffle is not None:
            return self.cut(conn.execute(sql, args).fetchall())
        limited = f"{sql} LIMIT {int(self.take)} OFFSET {int(self.skip)}"
        return conn.execute(limited, args).fetchall()


def parse_page(
    query: Mapping[str, str], *, maximum: int | None = 250, bounded: bool = True
) -> tuple[int, int]:
    """(take, skip) from the query; ``bounded=False`` for the assigned-options lists."""
    raw = {k: int_query(query.get(k)) for k in ("take", "skip") if query.get(k) is not None}
    if bounded:
        fields = (
            Field("take", "int", minimum=1, maximum=maximum),
            Field("skip", "int", minimum=0),
        )
    else:
        fields = (Field("take", "int"), Field("skip", "int"))
    clean: dict[str, Any] = validate(raw, fields)
    return int(clean.get("take", DEFAULT_TAKE)), int(clean.get("skip", 0))
