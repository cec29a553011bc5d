"""The API's error envelope and the exceptions handlers raise to produce it.

Every error body is ``{status: "error", timestamp, path, error: {code, message, details?}}``
(api-notes §2.2). Two families exist:

- ``HttpError``: a NestJS ``HttpException`` (``code`` = the class name, e.g. ``NotFoundException``;
  ``details`` = Nest's ``{message, error, statusCode}`` for a string message).
- ``PrismaError``: what the Prisma exception filter emits (``CONFLICT``, ``NOT_FOUND``,
  ``BAD_REQUEST``) with a fixed message and no details.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

REASON_PHRASES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}

EXCEPTION_NAMES = {
    400: "BadRequestException",
    401: "UnauthorizedException",
    403: "ForbiddenException",
    404: "NotFoundException",
    409: "ConflictException",
    422: "UnprocessableEntityException",
    429: "ThrottlerException",
    500: "InternalServerErrorException",
    502: "BadGatewayException",
    503: "ServiceUnavailableException",
}


class ApiError(Exception):
    """Base of every error a handler raises; rendered by ``error_body``."""

    status: int = 500

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class HttpError(ApiError):
    """A Nest ``HttpException`` with a string message (details = Nest's default response)."""

    def __init__(self, status: int, message: str) -> None:
        details = {"message": message, "error": REASON_PHRASES[status], "statusCode": status}
        super().__init__(status, EXCEPTION_NAMES[status], message, details)


def bad_request(message: str) -> HttpError:
    return HttpError(400, message)


def forbidden(message: str) -> HttpError:
    return HttpError(403, message)


def not_found(message: str) -> HttpError:
    return HttpError(404, message)


def conflict(message: str) -> HttpError:
    return HttpError(409, message)


class PrismaError(ApiError):
    """What the Prisma exception filter returns for P2002 / P2025 / P2003."""

    MESSAGES: ClassVar[dict[int, tuple[str, str]]] = {
        409: ("CONFLICT", "Invalid Input: Trying to create a record that already exists."),
        404: ("NOT_FOUND", "Invalid Query: The requested record was not found."),
        400: ("BAD_REQUEST", "Invalid input: The referenced data does not exist."),
    }

    def __init__(self, status: int) -> None:
        code, message = self.MESSAGES[status]
        super().__init__(status, code, message, None)


class ValidationFailed(ApiError):
    """class-validator failure: ``BadRequestException({errors})`` from the ValidationPipe."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(400, "BadRequestException", "Bad Request Exception", {"errors": errors})


def now_iso() -> str:
    """ISO timestamp with milliseconds and ``Z``, as JavaScript's ``toISOString``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def error_body(error: ApiError, path: str) -> dict[str, Any]:
    """The error envelope for ``error`` raised while serving ``path`` (path + query)."""
    payload: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.details is not None:
        payload["details"] = error.details
    return {"status": "error", "timestamp": now_iso(), "path": path, "error": payload}
