"""The ASGI application: routing and the request pipeline.

Pipeline for ``/v2/...``: route match (unknown paths are Nest's router 404, before any guard)
-> throttler (the route's own throttle if it has one, else the key's default limit, which
answers 401 for an unknown ``cal_`` key; 429 when blocked; rate-limit headers on every
response) -> faults -> handler (auth, role guards, validation, work) -> envelope.
``/_sandbox/...`` admin routes skip the throttler and the faults and need no credentials.
"""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
import uuid
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

from sandbox import _admin
from sandbox._auth import user_for_api_key
from sandbox._errors import ApiError, HttpError, error_body
from sandbox._json import dumps
from sandbox._ratelimit import endpoint_throttle, tracker_for
from sandbox._request import Reply, Request
from sandbox._runtime import Runtime

log = logging.getLogger("sandbox")
Handler = Callable[[Request], Reply]
RouteSpec = tuple[str, str, Handler]

THROTTLED = "CustomThrottlerGuard - Too many requests. Please try again later."


class ConnectionDropped(Exception):
    """Raised after the response head is sent: uvicorn then closes the socket mid-response."""


class Router:
    """Method + path template (``/v2/organizations/{orgId}/users``) -> handler.

    Templates with fewer parameters win, so ``/teams/me`` beats ``/teams/{teamId}``.
    """

    def __init__(self, routes: Iterable[RouteSpec]) -> None:
        compiled = []
        for method, template, handler in routes:
            pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
            compiled.append((template.count("{"), method, re.compile(f"^{pattern}/?$"), handler))
        compiled.sort(key=lambda item: item[0])
        self._routes = [(method, regex, handler) for _, method, regex, handler in compiled]

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for route_method, regex, handler in self._routes:
            if route_method != method:
                continue
            found = regex.match(path)
            if found:
                return handler, found.groupdict()
        return None


async def _read_body(receive: Callable) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _headers(scope: dict) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


async def _send_json(send: Callable, status: int, body: object, extra: list) -> None:
    payload = b"" if body is None else dumps(body)
    headers = [(b"x-request-id", str(uuid.uuid4()).encode()), *extra]
    if body is not None:
        headers.append((b"content-type", b"application/json; charset=utf-8"))
    headers.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _drop_connection(send: Callable) -> None:
    """Send a head that promises a body, then abort: the client sees a transport error."""
    head = [(b"content-type", b"application/json"), (b"content-length", b"64")]
    await send({"type": "http.response.start", "status": 200, "headers": head})
    raise ConnectionDropped


def _storable(text: str) -> bool:
    """A path segment that decoded to lone surrogates (``%FF``) cannot reach the database."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unknown_api_key(req: Request, authorization: str | None) -> bool:
    """The default limit looks a ``cal_`` key up (and keeps the user for the handler)."""
    token = (authorization or "").replace("Bearer ", "", 1)
    if not token.startswith("cal_"):
        return False
    req._user_id = user_for_api_key(req.conn, token)
    return req._user_id is None


def _run_handler(handler: Handler, req: Request) -> tuple[int, object]:
    try:
        reply = handler(req)
        return reply.status, reply.body()
    except ApiError as error:
        return error.status, error_body(error, req.full_path)
    except Exception:  # Sentry filter: Nest's default 500 body, not the envelope
        log.error("handler crashed on %s %s\n%s", req.method, req.path, traceback.format_exc())
        return 500, {"statusCode": 500, "message": "Internal server error"}


class SandboxApp:
    """The ASGI callable; ``routes`` come from the resource modules."""

    def __init__(self, runtime: Runtime, routes: Iterable[RouteSpec]) -> None:
        self.runtime = runtime
        self.router = Router(routes)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = scope["path"]
        body = await _read_body(receive)
        query_string = scope.get("query_string", b"").decode("latin-1")
        req = Request(
            method=scope["method"],
            path=path,
            query_string=query_string,
            query=parse_qs(query_string),
            headers=_headers(scope),
            body=body,
            runtime=self.runtime,
        )
        if path.startswith("/_sandbox/"):
            status, payload = _admin.handle(req)
            await _send_json(send, status, payload, [])
            return
        await self._serve_api(req, send)

    async def _serve_api(self, req: Request, send: Callable) -> None:
        rt = self.runtime
        rt.stats.started()
        try:
            status, payload, extra = await self._throttle_and_route(req, send)
        except ConnectionDropped:
            rt.stats.by_status["dropped"] += 1  # the client saw no status
            raise
        finally:
            rt.stats.in_flight -= 1
        rt.stats.by_status[str(status)] += 1
        await _send_json(send, status, payload, extra)

    async def _throttle_and_route(self, req: Request, send: Callable) -> tuple[int, object, list]:
        """Unmatched paths are Nest's router 404: no guard (so no throttler) runs for them."""
        rt = self.runtime
        found = self.router.match(req.method, req.path)
        if found is None:
            error = HttpError(404, f"Cannot {req.method} {req.path}")
            return 404, error_body(error, req.full_path), []
        handler, req.params = found
        if not all(_storable(value) for value in req.params.values()):
            error = HttpError(400, "Validation failed (path parameter is not valid UTF-8)")
            return 400, error_body(error, req.full_path), []
        throttle = endpoint_throttle(handler)
        authorization = req.headers.get("authorization")
        if throttle is None and _unknown_api_key(req, authorization):
            error = HttpError(401, "CustomThrottlerGuard - Invalid API Key")
            return 401, error_body(error, req.full_path), []
        client_ip = req.headers.get("cf-connecting-ip") or "127.0.0.1"
        tracker = tracker_for(authorization, req.headers.get("x-cal-client-id"), client_ip)
        verdict = rt.limiter.hit(tracker, throttle)
        extra = verdict.headers()
        if verdict.blocked:
            error = ApiError(429, "ThrottlerException", THROTTLED, THROTTLED)
            return 429, error_body(error, req.full_path), extra
        status, payload = await self._faulted(req, handler, send)
        return status, payload, extra

    async def _faulted(self, req: Request, handler: Handler, send: Callable) -> tuple[int, object]:
        rt = self.runtime
        draw = rt.faults.draw(req.method)
        if draw.delay:
            await asyncio.sleep(draw.delay)
        if draw.kind:
            rt.stats.faults[draw.kind] += 1
        if draw.kind in ("500", "502", "503"):
            error = HttpError(int(draw.kind), "Sandbox fault: injected error")
            return error.status, error_body(error, req.full_path)
        if draw.kind == "hang":
            await asyncio.sleep(rt.faults.spec.hang_seconds)
        if draw.kind in ("reset", "hang"):
            await _drop_connection(send)
        req.reorder_seed = draw.reorder_seed
        status, payload = _run_handler(handler, req)
        if draw.kind == "ambiguous":
            await _drop_connection(send)
        return status, payload

    async def _lifespan(self, receive: Callable, send: Callable) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
