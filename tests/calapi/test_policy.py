"""Pure tables: status -> error class, retry decisions, settings, redaction, __all__."""

from __future__ import annotations

import random

import httpx
import pytest

import calapi
from calapi import (
    AmbiguousWrite,
    AuthError,
    CalApiError,
    ConfigError,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    RetryPolicy,
    ServerError,
    Settings,
    TransportError,
)
from calapi._auth import auth_headers, redact
from calapi._errors import error_class_for_status


@pytest.mark.parametrize(
    ("status", "cls", "retriable"),
    [
        (400, InvalidRequest, False),
        (401, AuthError, False),
        (403, Forbidden, False),
        (404, NotFound, False),
        (409, Conflict, False),
        (422, InvalidRequest, False),
        (418, InvalidRequest, False),
        (429, RateLimited, True),
        (500, ServerError, True),
        (503, ServerError, True),
    ],
    ids=lambda v: str(v) if isinstance(v, int) else None,
)
def test_status_maps_to_one_error_class(status, cls, retriable):
    assert error_class_for_status(status) is cls
    assert cls.retriable is retriable
    assert issubclass(cls, CalApiError)


@pytest.mark.parametrize(
    ("method", "status", "decision"),
    [
        ("GET", 500, "retry"),
        ("GET", 502, "retry"),
        ("GET", 503, "retry"),
        ("GET", 504, "retry"),
        ("GET", 501, "fail"),
        ("POST", 503, "retry"),
        ("POST", 500, "ambiguous"),
        ("PATCH", 502, "ambiguous"),
        ("DELETE", 504, "ambiguous"),
        ("PUT", 400, "fail"),
    ],
    ids=lambda v: str(v),
)
def test_retry_decision_by_method_and_status(method, status, decision):
    policy = RetryPolicy()
    retry = policy.status_is_retriable(method, status)
    ambiguous = policy.status_is_ambiguous(method, status)
    assert (retry, ambiguous) == (decision == "retry", decision == "ambiguous")


REQUEST = httpx.Request("GET", "http://x")


@pytest.mark.parametrize(
    ("method", "exc", "decision"),
    [
        ("GET", httpx.ConnectError("refused", request=REQUEST), "retry"),
        ("POST", httpx.ConnectError("refused", request=REQUEST), "retry"),
        ("POST", httpx.ConnectTimeout("t", request=REQUEST), "retry"),
        ("GET", httpx.ReadTimeout("t", request=REQUEST), "retry"),
        ("GET", httpx.RemoteProtocolError("reset", request=REQUEST), "retry"),
        ("POST", httpx.ReadTimeout("t", request=REQUEST), "ambiguous"),
        ("PATCH", httpx.ReadError("reset", request=REQUEST), "ambiguous"),
        ("DELETE", httpx.RemoteProtocolError("dropped", request=REQUEST), "ambiguous"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_retry_decision_by_method_and_exception(method, exc, decision):
    retry = RetryPolicy.exception_is_retriable(method, exc)
    ambiguous = RetryPolicy.exception_is_ambiguous(method, exc)
    assert (retry, ambiguous) == (decision == "retry", decision == "ambiguous")


def test_backoff_is_full_jitter_and_capped():
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    rng = random.Random(1)
    delays = [policy.backoff(attempt, rng) for attempt in range(1, 9) for _ in range(50)]
    assert all(0.0 <= d <= 4.0 for d in delays)
    assert max(policy.backoff(1, rng) for _ in range(200)) <= 0.5
    assert max(delays) > 3.0  # large attempts reach up to the cap


def test_error_classes_split_into_retriable_and_fatal():
    assert {TransportError, AmbiguousWrite, ServerError, RateLimited} <= {
        c for c in vars(calapi).values() if isinstance(c, type) and getattr(c, "retriable", False)
    }
    for fatal in (AuthError, Forbidden, NotFound, InvalidRequest, Conflict):
        assert issubclass(fatal, calapi.FatalError) and not fatal.retriable


def test_settings_from_env_defaults_by_credential_kind():
    key = Settings.from_env({"CAL_API_KEY": "cal_abc", "CAL_ORG_ID": "7"})
    assert (key.api_url, key.org_id, key.fallback_rate_limit) == ("https://api.cal.com", 7, 120)
    assert key.rate_limit is None  # no ceiling: the API's headers say the limits
    oauth = Settings.from_env({"CAL_CLIENT_ID": "cid", "CAL_SECRET_KEY": "s3cret"})
    assert oauth.credential_kind == "oauth_client" and oauth.fallback_rate_limit == 500
    assert auth_headers(oauth) == {"x-cal-client-id": "cid", "x-cal-secret-key": "s3cret"}
    assert auth_headers(key) == {"Authorization": "Bearer cal_abc"}
    tuned = Settings.from_env({"CAL_API_KEY": "cal_abc", "CAL_RATE_LIMIT": "60"}, rate_window=2)
    assert (tuned.rate_limit, tuned.rate_window) == (60, 2)


@pytest.mark.parametrize(
    "url", ["https://cal.example.com", "https://cal.example.com/", "https://cal.example.com/v2/"]
)
def test_api_url_with_or_without_v2_is_the_same_base(url):
    settings = Settings.from_env({"CAL_API_KEY": "cal_abc", "CAL_API_URL": url})
    assert settings.api_url == "https://cal.example.com"


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"CAL_API_KEY": "live_abcdef"},
        {"CAL_CLIENT_ID": "only-the-id"},
        {"CAL_API_KEY": "cal_x", "CAL_RATE_LIMIT": "fast"},
        {"CAL_API_KEY": "cal_x", "CAL_ORG_ID": "acme"},
    ],
    ids=["nothing", "not-cal-prefix", "half-oauth", "bad-limit", "bad-org"],
)
def test_bad_configuration_is_a_config_error_that_does_not_echo_the_key(env):
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env)
    assert "abcdef" not in str(info.value)


def test_settings_repr_never_shows_credentials():
    s = Settings(api_key="cal_supersecret", client_id="cid-secret", secret_key="sk-secret")
    assert "secret" not in repr(s)


def test_redact_reaches_into_nested_details():
    details = {"errors": [{"target": {"key": "cal_k"}, "value": "Bearer cal_k"}]}
    assert "cal_k" not in str(redact(details, ["cal_k"]))


def test_all_is_honest():
    exported = set(calapi.__all__)
    assert len(exported) == len(calapi.__all__)
    for name in exported:
        assert hasattr(calapi, name), name
    public = {n for n in vars(calapi) if not n.startswith("_")}
    assert public - exported == set()  # nothing public left out
    for required in ("CalClient", "Settings", "RunStats", "CalApiError", "User", "Membership"):
        assert required in exported


@pytest.mark.parametrize("url", ["notaurl", "ftp://cal.example.com", "https://", "api.cal.com"])
def test_api_url_that_is_not_http_is_refused_before_anything_is_sent(url):
    with pytest.raises(ConfigError, match="CAL_API_URL must be an http"):
        Settings.from_env({"CAL_API_KEY": "cal_abc", "CAL_API_URL": url})
