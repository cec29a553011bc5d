"""calapi: the async Cal.com API v2 client that never trips the rate limit.

Usage::

    from calapi import CalClient, Settings

    settings = Settings.from_env(os.environ)
    async with CalClient(settings) as cal:
        await cal.me()                       # credential check (AuthError if refused)
        users = await cal.list_users()       # every page, typed records
        print(cal.stats.summary())

See calapi/README.md for the whole surface.
"""

from calapi import _records
from calapi._budget import KeyLimit, SharedBudget, key_fingerprint
from calapi._client import CalClient
from calapi._errors import (
    AdminApiDisabled,
    AmbiguousWrite,
    AuthError,
    CalApiError,
    ConfigError,
    Conflict,
    ConnectFailed,
    FatalError,
    Forbidden,
    InconsistentPagination,
    InvalidRequest,
    NotFound,
    RateLimited,
    RetriableError,
    ServerError,
    TransportError,
)
from calapi._ratelimit import MonotonicClock, NamedBudget, RateLimiter, ServerBudget
from calapi._records import *  # noqa: F403  (the typed records, as _records.__all__ lists them)
from calapi._retry import RetryPolicy
from calapi._settings import Settings
from calapi._stats import RunStats

__all__ = [
    "AdminApiDisabled",
    "AmbiguousWrite",
    "AuthError",
    "CalApiError",
    "CalClient",
    "ConfigError",
    "Conflict",
    "FatalError",
    "Forbidden",
    "InconsistentPagination",
    "InvalidRequest",
    "KeyLimit",
    "MonotonicClock",
    "NamedBudget",
    "NotFound",
    "RateLimited",
    "RateLimiter",
    "RetriableError",
    "RetryPolicy",
    "RunStats",
    "ServerBudget",
    "ServerError",
    "Settings",
    "SharedBudget",
    "ConnectFailed",
    "TransportError",
    "key_fingerprint",
    *_records.__all__,
]
