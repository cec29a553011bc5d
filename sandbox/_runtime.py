"""The sandbox's shared state: database, org, credentials, limiter, faults and counters."""

from __future__ import annotations

import sqlite3
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
    requests: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0

    def started(self) -> None:
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
            },
            "faults": self.faults.spec.text,
            "admin_api": self.admin_api,
        }
