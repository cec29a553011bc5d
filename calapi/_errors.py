"""Errors raised by calapi.

Every error a request can end in is a :class:`CalApiError`; each carries the
HTTP method, the request path (never the query's credential, never a header),
the HTTP status when there was a response, Cal.com's error ``code``,
``message`` and ``details``::

    CalApiError
    ├── retriable (the client already retried these as far as its policy allows)
    │   ├── RateLimited        429 (ThrottlerException); the key is blocked until reset
    │   ├── ServerError        5xx
    │   ├── TransportError     connect error, timeout or reset on a request that is safe to repeat
    │   │   └── ConnectFailed  the server could not be reached at all: nothing was sent
    │   └── AmbiguousWrite     a write failed after it may have reached the server:
    │                          NOT retried; read the state back to learn what happened
    ├── fatal (retrying the same request cannot help)
    │   ├── AuthError          401: missing, unknown or expired credential
    │   ├── Forbidden          403: the credential's user lacks the role
    │   │   └── AdminApiDisabled  403 IsAdminAPIEnabledGuard: the org has no Admin API access
    │   ├── NotFound           404
    │   ├── InvalidRequest     400 / 422 and any other 4xx
    │   └── Conflict           409: duplicate (email, username, assignment, OOO entry ...)
    └── InconsistentPagination  a listing's pages repeat ids (order changed between pages)

:class:`ConfigError` (a ``ValueError``, not an API error) is raised while building
:class:`~calapi.Settings` from bad configuration, before anything is sent.
"""

from __future__ import annotations

from typing import Any


class ConfigError(ValueError):
    """Configuration is missing or malformed (nothing was sent)."""


class CalApiError(Exception):
    """Base of every error that ends a Cal.com API request."""

    retriable: bool = False

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        code: str | None = None,
        details: Any = None,
        request_id: str | None = None,
    ) -> None:
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.details = details
        self.request_id = request_id
        super().__init__(self._text())

    @property
    def reason(self) -> str:
        """Why, in the API's own words: a validation 400's ``details.errors`` as
        ``property: constraint`` (``locale: locale must be a valid locale``), else the message."""
        errors = self.details.get("errors") if isinstance(self.details, dict) else None
        found = [
            f"{e.get('property')}: {text}"
            for e in errors or []
            if isinstance(e, dict) and isinstance(e.get("constraints"), dict)
            for text in e["constraints"].values()
        ]
        return "; ".join(found) or self.message

    def _text(self) -> str:
        where = f"{self.method} {self.path}".strip()
        status = f" -> {self.status}" if self.status is not None else ""
        code = f" {self.code}" if self.code else ""
        return f"{where}{status}{code}: {self.message}"


class RetriableError(CalApiError):
    """A failure that may go away if the request is sent again later."""

    retriable = True


class RateLimited(RetriableError):
    """429: the credential crossed the rate limit and is blocked until the reset."""


class ServerError(RetriableError):
    """5xx from the server."""


class TransportError(RetriableError):
    """No usable response: connect error, timeout or reset (on a request safe to repeat)."""


class ConnectFailed(TransportError):
    """The server could not be reached at all (connect error or connect timeout).

    Nothing was sent, so callers can say "check CAL_API_URL" with confidence.
    """


class AmbiguousWrite(RetriableError):
    """A write failed after it may have reached the server; it may or may not have applied.

    The client never re-sends such a write by itself: the caller reads the state back
    (e.g. lists users by e-mail) and decides.
    """


class FatalError(CalApiError):
    """A failure that sending the same request again cannot fix."""


class AuthError(FatalError):
    """401: missing, unknown or expired credential."""


class Forbidden(FatalError):
    """403: the credential's user lacks the required role, or the org is not reachable."""


class AdminApiDisabled(Forbidden):
    """403 from ``IsAdminAPIEnabledGuard``: the organization's plan has no Admin API access.

    Every organization endpoint answers so for every key, whatever its role; only Cal.com
    (sales) can enable it for the organization.
    """


ADMIN_API_GUARD = "IsAdminAPIEnabledGuard"


class NotFound(FatalError):
    """404: unknown id."""


class InvalidRequest(FatalError):
    """400, 422 and other 4xx: the request was rejected as invalid."""


class Conflict(FatalError):
    """409: the record already exists (duplicate e-mail, username, assignment, OOO entry)."""


class InconsistentPagination(CalApiError):
    """A listing returned the same ids on two pages: the server's order changed mid-listing.

    Nothing was yielded twice; list again (ideally when nothing else writes) to get a
    complete, duplicate-free result.
    """


_BY_STATUS: dict[int, type[CalApiError]] = {
    400: InvalidRequest,
    401: AuthError,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: InvalidRequest,
    429: RateLimited,
}


def error_class_for_status(status: int, message: str = "") -> type[CalApiError]:
    """The one place an HTTP status (and, for a 403, the guard that refused) becomes an
    error class."""
    if status == 403 and message.startswith(ADMIN_API_GUARD):
        return AdminApiDisabled
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return InvalidRequest
