"""The sandbox's shared state: database, org, credentials, limiter, faults and counters."""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sandbox._auth import OAuthClient
from sandbox._faults import FaultInjector
from sandbox._ratelimit import ORG_TEAMS_DELETE, FixedWindowLimiter


@dataclass
class Stats:
    """Requests seen on /v2, by status; 429s given; faults injected by kind; how many
    were being served at once (now, and at the most since start)."""

    by_status: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)
    windows_opened: Counter = field(default_factory=Counter)  # rate-limit windows, by name
    requests: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    first_at: float | None = None  # monotonic time of the first /v2 request
    last_at: float | None = None  # ... and of the latest

    def started(self) -> None:
        now = time.monotonic()
        self.first_at = now if self.first_at is None else self.first_at
        self.last_at = now
        self.requests += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "by_status": dict(sorted(self.by_status.items())),
            "rate_limited": self.by_status.get("429", 0),
            "faults": dict(self.faults),
            "peak_in_flight": self.peak_in_flight,
            # from the first /v2 request to the latest: requests / busy_seconds is the rate
            "windows_opened": dict(sorted(self.windows_opened.items())),
            "busy_seconds": round((self.last_at or 0.0) - (self.first_at or 0.0), 3),
        }


@dataclass
class Runtime:
    conn: sqlite3.Connection
    org_id: int
    owner_id: int
    api_keys: dict[str, str]  # role -> key (printed at start; also in /_sandbox/info)
    oauth: OAuthClient
    limiter: FixedWindowLimiter
    faults: FaultInjector
    base_url: str = ""
    admin_api: bool = True  # False: every org route answers IsAdminAPIEnabledGuard's 403
    stats: Stats = field(default_factory=Stats)

    def _endpoint_limit(self) -> dict[str, float]:
        window, block = self.limiter.scaled(ORG_TEAMS_DELETE)
        return {"limit": ORG_TEAMS_DELETE.limit, "window_seconds": window, "block_seconds": block}

    def _key_limits(self) -> dict[str, dict[str, float]]:
        """The named limits every API key has (``--key-limits``), at this window's scale;
        empty when the keys have the default limit."""
        named = {}
        for limit in self.limiter.key_limits:
            ttl, block = self.limiter.scaled_key_limit(limit)
            named[limit.name] = {"limit": limit.limit, "ttl_seconds": ttl, "block_seconds": block}
        return named

    def info(self) -> dict[str, Any]:
        """The --info-file / GET /_sandbox/info document."""
        return {
            "base_url": self.base_url,
            "org_id": self.org_id,
            "api_keys": dict(self.api_keys),
            "oauth_client": {
                "client_id": self.oauth.client_id,
                "secret_key": self.oauth.secret_key,
            },
            "rate_limit": {
                "api_key": self.limiter.api_key_limit,
                "oauth_client": self.limiter.oauth_limit,
                "window_seconds": self.limiter.window,
                "block_seconds": self.limiter.block,
                "endpoints": {ORG_TEAMS_DELETE.name: self._endpoint_limit()},
                "key_limits": self._key_limits(),
            },
            "faults": self.faults.spec.text,
            "admin_api": self.admin_api,
        }
