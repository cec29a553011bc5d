"""The shared budget: one key's requests counted across every run that uses it.

The API's limit is per key, so two runs on one key (a nightly backup and an HR import)
must share it. The one rate limiter (`calapi._ratelimit`) asks its :class:`SharedBudget`
for every send, after its own checks pass: ``take`` waits until every named limit of the
key has room for one more request from all runs together, counts it, and returns. What a
budget is built on is not calapi's business (calapi never imports Prefect): `flows.budget`
has one on a lock file in the data folder (runs on one machine) and one on a Prefect global
concurrency limit (runs anywhere that sees the server). Without a budget (tools outside
calbulk) the limiter's header following alone keeps the key under its limit.

A budget that can also say how many requests the OTHER runs on it took lately
(:class:`CountingBudget`, e.g. the lock file) lets the limiter tell those runs from a tool
outside calbulk on the same key: what the headers show beyond every calbulk run's sends is
foreign, and a share of each window is kept free for it. A budget that cannot (the Prefect
one) makes the limiter take every request it cannot place for another calbulk run.

A budget never sees the key: it is named by :func:`key_fingerprint`, a hash of it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class KeyLimit:
    """One named limit of the key: ``limit`` requests per fixed ``window`` seconds."""

    name: str
    limit: int
    window: float
    learned: bool = True  # False: the credential kind's default, before any answer


class SharedBudget(Protocol):
    """Where every run on one key takes its requests from."""

    async def take(self, limits: tuple[KeyLimit, ...], pad: float) -> None:
        """Wait until no span of ``window + pad`` seconds would hold more than ``limit``
        requests of all runs for any of ``limits`` (the key's limits as learned from the
        headers; a fallback before any answer), then count one request. ``pad`` covers the
        spread of send-to-arrival delays, so no fixed window the server draws is crossed."""
        ...  # pragma: no cover


@runtime_checkable
class CountingBudget(SharedBudget, Protocol):
    """A budget that also knows the other runs' sends (not this one's)."""

    def others_sent(self, seconds: float) -> int:
        """Requests the other runs on the budget took in the last ``seconds`` (synchronous:
        the limiter asks while it reads an answer)."""
        ...  # pragma: no cover


def key_fingerprint(secret: str) -> str:
    """A stable name for a credential that does not reveal it (sha256, 16 hex digits)."""
    return hashlib.sha256(("calbulk-budget:" + secret).encode()).hexdigest()[:16]


__all__ = ["CountingBudget", "KeyLimit", "SharedBudget", "key_fingerprint"]
