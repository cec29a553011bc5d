"""Run statistics: what the client sent, what came back, and what it cost in waiting."""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class RunStats:
    """Counters for one client; ``CalClient.stats`` hands out a snapshot (a copy).

    ``requests`` counts every attempt by ``(method, path template, status)``; attempts
    that got no response are counted with status 0. ``bytes_out`` counts request bodies
    and URLs, ``bytes_in`` response bodies. ``limiter_wait_seconds`` is the time the
    limiter held the send queue (not a sum over the requests queued behind it).
    """

    requests: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    retries: int = 0
    rate_limited: int = 0  # 429 responses received
    ambiguous_writes: int = 0
    bytes_out: int = 0
    bytes_in: int = 0
    limiter_wait_seconds: float = 0.0
    shared_key_detections: int = 0  # windows showing another user of the same key
    rate_limits: dict[str, str] = field(default_factory=dict)  # learned: name -> "120/60s"

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def record(self, method: str, template: str, status: int) -> None:
        self.requests[(method, template, status)] += 1

    def snapshot(self) -> RunStats:
        return copy.deepcopy(self)

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-friendly form, for receipts and Prefect artifacts."""
        return {
            "requests": [
                {"method": m, "path": p, "status": s, "count": n}
                for (m, p, s), n in sorted(self.requests.items())
            ],
            "total_requests": self.total_requests,
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "ambiguous_writes": self.ambiguous_writes,
            "bytes_out": self.bytes_out,
            "bytes_in": self.bytes_in,
            "limiter_wait_seconds": round(self.limiter_wait_seconds, 3),
            "shared_key_detections": self.shared_key_detections,
            "rate_limits": dict(self.rate_limits),
        }

    def summary(self) -> str:
        """A few printable lines: totals first, then one line per endpoint and status."""
        lines = [
            f"requests {self.total_requests}, retries {self.retries}, "
            f"429s {self.rate_limited}, ambiguous writes {self.ambiguous_writes}",
            f"bytes out {self.bytes_out}, bytes in {self.bytes_in}, "
            f"waited on the rate limiter {self.limiter_wait_seconds:.1f}s",
        ]
        if self.rate_limits:
            learned = ", ".join(f"{name} {text}" for name, text in self.rate_limits.items())
            lines.append(f"the key's limits (from the API's headers): {learned}")
        for (method, path, status), count in sorted(self.requests.items()):
            lines.append(f"  {count:6d}  {method:6s} {path} -> {status or 'no response'}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()
