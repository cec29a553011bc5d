"""Settings: one frozen value object built at the edge; nothing deeper reads the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from calapi._budget import SharedBudget
from calapi._errors import ConfigError
from calapi._retry import RetryPolicy

DEFAULT_API_URL = "https://api.cal.com"
API_KEY_PREFIX = "cal_"
DEFAULT_LIMIT_API_KEY = 120
DEFAULT_LIMIT_OAUTH_CLIENT = 500


@dataclass(frozen=True)
class Settings:
    """How to reach Cal.com and how hard to push it.

    Credentials are excluded from ``repr`` and never logged. The client learns the key's
    limits from the API's rate-limit headers; ``rate_limit`` (CAL_RATE_LIMIT) is only a
    ceiling the user may set: requests per ``rate_window`` seconds (60 s), ``None`` for
    none. ``fallback_rate_limit`` (the API's default for the credential kind: 120 for API
    keys, 500 for OAuth clients, less ``rate_margin``) applies only to a server that sends
    no rate-limit headers.
    """

    api_url: str = DEFAULT_API_URL
    api_key: str | None = field(default=None, repr=False)
    client_id: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    org_id: int | None = None
    rate_limit: int | None = None
    rate_window: float = 60.0
    rate_margin: float = 0.05  # of the fallback limit, kept unused (no headers to follow)
    max_in_flight: int = 16
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    write_timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # where every run on this key takes its requests from (None: this run alone)
    budget: SharedBudget | None = field(default=None, repr=False, compare=False)

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
            raise ConfigError(
                "CAL_RATE_LIMIT must be a positive number of requests per minute (a ceiling; "
                "leave it unset to follow the API's own limits)"
            )
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
    def fallback_rate_limit(self) -> int:
        """The API's default limit for this credential kind (used without headers)."""
        if self.credential_kind == "api_key":
            return DEFAULT_LIMIT_API_KEY
        return DEFAULT_LIMIT_OAUTH_CLIENT

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
