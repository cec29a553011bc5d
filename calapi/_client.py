"""CalClient: the single place calbulk talks HTTP to the Cal.com API v2.

One ``httpx.AsyncClient`` (keep-alive, bounded connections) per client. Every
request goes through the same path: a slot among ``max_in_flight``, a send time
from the rate limiter, the send, the rate-limit headers back to the limiter, the
status through the retry policy, and a :class:`~calapi.CalApiError` subclass if it
failed. Callers may run hundreds of calls concurrently; the client bounds both the
requests in flight and the rate.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx

from calapi._auth import auth_headers, redact
from calapi._endpoints import OrganizationEndpoints
from calapi._errors import (
    AmbiguousWrite,
    CalApiError,
    ConfigError,
    ConnectFailed,
    TransportError,
    error_class_for_status,
)
from calapi._pagination import DEFAULT_MAX_TAKE, iterate_pages
from calapi._ratelimit import RateLimiter, ServerBudget, Ticket
from calapi._records import Me
from calapi._settings import Settings
from calapi._stats import RunStats
from calapi._throttles import EndpointThrottles

logger = logging.getLogger("calapi")

USER_AGENT = "calbulk-calapi/0.1"


class CalClient(OrganizationEndpoints):
    """Async Cal.com API v2 client bound to one credential and one organization.

    Use as ``async with CalClient(settings) as cal: ...``. ``transport`` plugs in any
    httpx transport (e.g. ``httpx.ASGITransport``); ``limiter`` replaces the rate
    limiter built from ``settings`` (share one between clients of the same key).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: RateLimiter | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self._secrets = settings.secrets()
        self._limiter = limiter or RateLimiter(
            settings.fallback_rate_limit,
            settings.rate_window,
            cap=settings.rate_limit,
            margin=settings.rate_margin,
            budget=settings.budget,
        )
        self._throttles = EndpointThrottles(self._limiter.clock.now, self._limiter.clock.sleep)
        self._in_flight = asyncio.Semaphore(settings.max_in_flight)
        self._held_since: dict[int, float] = {}  # sends the limiter holds back -> since when
        self._stats = RunStats()
        self._rng = rng or random.Random()
        self._org_id = settings.org_id
        self._org_lock = asyncio.Lock()
        self._http = httpx.AsyncClient(
            base_url=settings.api_url,
            headers={
                **auth_headers(settings),
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.write_timeout,
                pool=settings.read_timeout,
            ),
            limits=httpx.Limits(
                max_connections=settings.max_in_flight,
                max_keepalive_connections=settings.max_in_flight,
            ),
            transport=transport,
        )

    async def __aenter__(self) -> CalClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def __repr__(self) -> str:
        return (
            f"CalClient(api_url={self.settings.api_url!r}, org_id={self._org_id!r}, "
            f"credential={self.settings.credential_kind})"
        )

    @property
    def stats(self) -> RunStats:
        """A snapshot of this client's run statistics."""
        snap = self._stats.snapshot()
        snap.limiter_wait_seconds = self._limiter.seconds_waited + self._throttles.seconds_waited
        snap.shared_key_detections = self._limiter.shared_key_detections
        snap.rate_limits = {
            name: f"{limit.limit}/{limit.ttl:g}s" for name, limit in self._limiter.limits.items()
        }
        return snap

    @property
    def limiter(self) -> RateLimiter:
        return self._limiter

    def limiter_wait(self) -> float:
        """Seconds the longest-held send has been waiting for the rate limit so far (0: none
        waits). A hook for progress displays; it changes nothing."""
        if not self._held_since:
            return 0.0
        return max(0.0, self._limiter.clock.now() - min(self._held_since.values()))

    def key_rate(self) -> tuple[int, float]:
        """``(requests, seconds)``: the key's tightest limit as learned from the API's headers
        (the credential kind's default before any), under CAL_RATE_LIMIT. For estimates."""
        return self._limiter.key_rate()

    # -- identity ------------------------------------------------------------

    async def me(self) -> Me:
        """``GET /v2/me``: a cheap credential check; raises AuthError if it is refused."""
        return await self.request("GET", "/v2/me")

    @property
    def org_id(self) -> int | None:
        """The organization bound to this client (``None`` until resolved if not configured)."""
        return self._org_id

    async def resolve_org_id(self) -> int:
        """The organization this client works on (settings, else the user's own org)."""
        if self._org_id is not None:
            return self._org_id
        async with self._org_lock:  # many first calls at once ask /v2/me once
            if self._org_id is None:
                me = await self.me()
                org = me.get("organizationId") or (me.get("organization") or {}).get("id")
                if not org:
                    raise ConfigError("CAL_ORG_ID is not set and the credential's user has no org")
                self._org_id = int(org)
        return self._org_id

    # -- the request path ----------------------------------------------------

    async def request(
        self,
        method: str,
        template: str,
        *,
        path_params: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Send one API call with limiting and retries; return the envelope's ``data``."""
        path = _fill(template, path_params or {})
        policy = self.settings.retry
        attempt = rate_limited = 0
        while True:
            attempt += 1
            try:
                response = await self._send_once(method, template, path, params, json)
            except httpx.TransportError as exc:
                self._stats.record(method, template, 0)
                if policy.exception_is_ambiguous(method, exc):
                    self._stats.ambiguous_writes += 1
                    raise self._transport_error(AmbiguousWrite, method, path, exc) from None
                if policy.exception_is_retriable(method, exc) and attempt < policy.max_attempts:
                    await self._backoff(method, path, attempt, type(exc).__name__)
                    continue
                raise self._transport_error(TransportError, method, path, exc) from None
            status = response.status_code
            if status < 400:
                return _data(response)
            if status == 429:
                rate_limited += 1
                attempt -= 1  # the limiter paid for this one; it is not a failed attempt
                if rate_limited < policy.max_rate_limited_attempts:
                    self._stats.retries += 1
                    logger.warning("429 on %s %s: waiting for the reset", method, path)
                    continue
            elif policy.status_is_ambiguous(method, status):
                self._stats.ambiguous_writes += 1
                raise self._error(response, method, path, AmbiguousWrite)
            elif policy.status_is_retriable(method, status) and attempt < policy.max_attempts:
                await self._backoff(method, path, attempt, str(status))
                continue
            raise self._error(response, method, path)

    async def _send_once(
        self, method: str, template: str, path: str, params: Any, json: Any
    ) -> httpx.Response:
        """One send: a route with its own throttle waits its turn there, not in the limiter."""
        if self._throttles.applies_to(method, template):
            async with self._throttles.turn(method, template):
                return await self._send(method, template, path, params, json, own_throttle=True)
        return await self._send(method, template, path, params, json, own_throttle=False)

    async def _send(
        self, method: str, template: str, path: str, params: Any, json: Any, *, own_throttle: bool
    ) -> httpx.Response:
        async with self._in_flight:
            ticket = None if own_throttle else await self._acquire_send()
            request = self._http.build_request(method, path, params=params, json=json)
            self._stats.bytes_out += len(request.content) + len(str(request.url))
            try:
                response = await self._http.send(request)
            except BaseException:  # no answer (reset, timeout, cancelled): nothing to learn
                if ticket is not None:
                    self._limiter.on_no_response(ticket)
                raise
            status = response.status_code
            self._stats.rate_limited += status == 429
            self._follow_rate_headers(method, template, response, ticket)
        self._stats.bytes_in += len(response.content)
        self._stats.record(method, template, status)
        logger.debug("%s %s -> %s", method, path, status)
        return response

    async def _acquire_send(self) -> Ticket:
        """The limiter's ``acquire``, noting the wait for :meth:`limiter_wait`."""
        token = id(asyncio.current_task())
        self._held_since[token] = self._limiter.clock.now()
        try:
            return await self._limiter.acquire()
        finally:
            self._held_since.pop(token, None)

    def _follow_rate_headers(
        self, method: str, template: str, response: httpx.Response, ticket: Ticket | None
    ) -> None:
        """The key's limiter follows every named limit of the key; a route's own throttle
        (its 429 included) only paces that route and tells the limiter nothing about the key."""
        limiter = self._limiter
        now = limiter.clock.now()
        key_limits = frozenset(limiter.limits)
        status = response.status_code
        if self._throttles.observe(method, template, response.headers, status, key_limits):
            if ticket is not None:  # a route learned only now: its send used a key slot
                limiter.on_no_response(ticket)
        elif ticket is None:
            pass  # a known throttled route answered without its own triple: nothing to follow
        elif status == 429:
            limiter.on_rate_limited(ServerBudget.from_headers(response.headers), ticket, now)
        else:
            limiter.observe(ServerBudget.from_headers(response.headers), ticket, now)

    async def _backoff(self, method: str, path: str, attempt: int, why: str) -> None:
        self._stats.retries += 1
        delay = self.settings.retry.backoff(attempt, self._rng)
        logger.info(
            "retrying %s %s after %s (attempt %d, in %.2fs)", method, path, why, attempt, delay
        )
        await asyncio.sleep(delay)

    def _transport_error(
        self, cls: type[CalApiError], method: str, path: str, exc: Exception
    ) -> CalApiError:
        if cls is TransportError and isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            cls = ConnectFailed
        what = "may have been applied: read the state back" if cls is AmbiguousWrite else "failed"
        text = redact(f"{type(exc).__name__}: {exc}", self._secrets)
        return cls(f"request {what} ({text})", method=method, path=path)

    def _error(
        self,
        response: httpx.Response,
        method: str,
        path: str,
        cls: type[CalApiError] | None = None,
    ) -> CalApiError:
        """The one place an HTTP error response becomes a calapi error."""
        code, message, details = _error_fields(response)
        if cls is AmbiguousWrite:
            message = f"{message} (the write may have been applied: read the state back)"
        cls = cls or error_class_for_status(response.status_code, message)
        return cls(
            redact(message, self._secrets),
            method=method,
            path=path,
            status=response.status_code,
            code=redact(code, self._secrets),
            details=redact(details, self._secrets),
            request_id=response.headers.get("X-Request-Id"),
        )

    # -- helpers for the endpoint methods ------------------------------------

    async def _org_call(
        self,
        method: str,
        template: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        **path_params: Any,
    ) -> Any:
        org = await self.resolve_org_id()
        return await self.request(
            method,
            template,
            path_params={"orgId": org, **path_params},
            params=_clean(params),
            json=json,
        )

    async def _paginate(
        self,
        template: str,
        *,
        params: dict[str, Any] | None = None,
        take: int = DEFAULT_MAX_TAKE,
        **path_params: Any,
    ) -> AsyncIterator[Any]:
        async def fetch(page: dict[str, int]) -> list[Any]:
            data = await self._org_call(
                "GET", template, params={**(params or {}), **page}, **path_params
            )
            return data or []

        async for record in iterate_pages(fetch, take=take, path=template):
            yield record


def _fill(template: str, path_params: dict[str, Any]) -> str:
    return template.format(**{k: quote(str(v), safe="") for k, v in path_params.items()})


def _clean(params: dict[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {k: v for k, v in params.items() if v is not None}


def _data(response: httpx.Response) -> Any:
    if not response.content:
        return None
    body = response.json()
    if isinstance(body, dict) and "data" in body:
        return body["data"]
    return body


def _error_fields(response: httpx.Response) -> tuple[str | None, str, Any]:
    """Cal.com's error envelope -> (code, message, details); tolerant of other bodies."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:500] or response.reason_phrase, None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        return (
            err.get("code"),
            str(err.get("message") or response.reason_phrase),
            err.get("details"),
        )
    if isinstance(body, dict):
        return (
            body.get("error") if isinstance(body.get("error"), str) else None,
            str(body.get("message") or response.reason_phrase),
            None,
        )
    return None, response.reason_phrase, body
