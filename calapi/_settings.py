"""Settings: one frozen value object built at the edge; nothing deeper reads the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from calapi._errors import ConfigError
from calapi._retry import RetryPolicy

DEFAULT_API_URL = "https://api.cal.com"
API_KEY_PREFIX = "cal_"
DEFAULT_LIMIT_API_KEY = 120
DEFAULT_LIMIT_OAUTH_CLIENT = 500


@dataclass(frozen=True)
class Settings:
    """How to reach Cal.com and how hard to push it.

    Credentials are excluded from ``repr`` and never logged. ``rate_limit`` is requests
    per ``rate_window`` seconds (the API's default window is 60 s); ``None`` means the
    API's default for the credential kind (120 for API keys, 500 for OAuth clients).
    """

    api_url: str = DEFAULT_API_URL
    api_key: str | None = field(default=None, repr=False)
    client_id: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    org_id: int | None = None
    rate_limit: int | None = None
    rate_window: float = 60.0
    rate_margin: float = 0.05  # keep this fraction of the budget unused (network jitter)
    rate_pad: float | None = None  # seconds added to the window; None: min(0.25, 2% of window)
    max_in_flight: int = 16
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    write_timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        url = httpx.URL(self.api_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ConfigError(
                f"CAL_API_URL must be an http(s) URL such as {DEFAULT_API_URL}, not {self.api_url}"
            )
        if self.api_key is not None:
            if not self.api_key.startswith(API_KEY_PREFIX):
                raise ConfigError(f"CAL_API_KEY must start with {API_KEY_PREFIX!r}")
        elif not (self.client_id and self.secret_key):
            raise ConfigError("no credential: set CAL_API_KEY, or CAL_CLIENT_ID and CAL_SECRET_KEY")
        if self.rate_limit is not None and self.rate_limit < 1:
            raise ConfigError("CAL_RATE_LIMIT must be a positive number of requests per minute")
        if self.rate_window <= 0 or self.max_in_flight < 1:
            raise ConfigError("rate_window must be > 0 and max_in_flight >= 1")

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> Settings:
        """Build from CAL_* variables (pass ``os.environ`` or a dict); overrides win."""
        values: dict[str, object] = {
            "api_url": normalise_api_url(env.get("CAL_API_URL") or DEFAULT_API_URL),
            "api_key": env.get("CAL_API_KEY") or None,
            "client_id": env.get("CAL_CLIENT_ID") or None,
            "secret_key": env.get("CAL_SECRET_KEY") or None,
            "org_id": _int_or_none(env, "CAL_ORG_ID"),
            "rate_limit": _int_or_none(env, "CAL_RATE_LIMIT"),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def credential_kind(self) -> str:
        """``"api_key"`` or ``"oauth_client"`` (an API key wins if both are set)."""
        return "api_key" if self.api_key is not None else "oauth_client"

    @property
    def effective_rate_limit(self) -> int:
        if self.rate_limit is not None:
            return self.rate_limit
        if self.credential_kind == "api_key":
            return DEFAULT_LIMIT_API_KEY
        return DEFAULT_LIMIT_OAUTH_CLIENT

    @property
    def effective_rate_pad(self) -> float:
        if self.rate_pad is not None:
            return self.rate_pad
        return min(0.25, 0.02 * self.rate_window)

    def secrets(self) -> tuple[str, ...]:
        """The values that must never appear in any output."""
        return tuple(s for s in (self.api_key, self.secret_key) if s)


def normalise_api_url(url: str) -> str:
    """``https://api.cal.com``, ``https://api.cal.com/`` and ``https://api.cal.com/v2`` all
    mean the same base (every call path starts with ``/v2``)."""
    url = url.strip().rstrip("/")
    return url.removesuffix("/v2")


def _int_or_none(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
