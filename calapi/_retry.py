"""Retry policy as data: what is retried, how often, and how long to back off.

Decisions (issue 3, api-notes.md §1-§2):

* A connect error means the request never left: retried for every method.
* A timeout, reset or dropped response on a GET is retried (reads are safe).
* The same failure on POST/PATCH/PUT/DELETE is *not* retried: the write may have
  been applied, so the client raises :class:`~calapi.AmbiguousWrite` and the caller
  reconciles by reading state.
* 5xx on a GET: retried (500, 502, 503, 504).
* 5xx on a write: 503 ("service unavailable": refused before processing) is retried;
  500, 502 and 504 may come from a server or gateway that already applied the write
  (a gateway timeout after the backend committed, an error raised after the insert),
  so they raise ``AmbiguousWrite``. The sandbox's 5xx faults are returned *instead*
  of processing, so against it this is conservative; against the real API it is safe.
* 429 is retried for every method: the throttler rejects before anything runs. The
  wait comes from the rate limiter (reset header), not from this backoff.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Exceptions raised before any byte of the request reached the server.
NEVER_SENT_EXCEPTIONS: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
# Exceptions after which the server may have received (and applied) the request.
MAYBE_SENT_EXCEPTIONS: tuple[type[Exception], ...] = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.NetworkError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How the client retries. Full-jitter exponential backoff between attempts."""

    max_attempts: int = 6
    max_rate_limited_attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 10.0
    retriable_read_statuses: frozenset[int] = frozenset({500, 502, 503, 504})
    retriable_write_statuses: frozenset[int] = frozenset({503})
    ambiguous_write_statuses: frozenset[int] = frozenset({500, 502, 504})

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Full jitter: uniform in [0, min(max_delay, base * 2**(attempt-1))]."""
        cap = min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 1)))
        return (rng or random).uniform(0.0, cap)

    def status_is_retriable(self, method: str, status: int) -> bool:
        if method in SAFE_METHODS:
            return status in self.retriable_read_statuses
        return status in self.retriable_write_statuses

    def status_is_ambiguous(self, method: str, status: int) -> bool:
        return method not in SAFE_METHODS and status in self.ambiguous_write_statuses

    @staticmethod
    def exception_is_retriable(method: str, exc: Exception) -> bool:
        """True if sending again is safe: never sent, or a read."""
        if isinstance(exc, NEVER_SENT_EXCEPTIONS):
            return True
        return method in SAFE_METHODS and isinstance(exc, MAYBE_SENT_EXCEPTIONS)

    @staticmethod
    def exception_is_ambiguous(method: str, exc: Exception) -> bool:
        """True if a write failed after it may have reached the server."""
        if isinstance(exc, NEVER_SENT_EXCEPTIONS):
            return False
        return method not in SAFE_METHODS and isinstance(exc, MAYBE_SENT_EXCEPTIONS)
