"""Credential headers and redaction of secrets from any text we emit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from calapi._settings import Settings

REDACTED = "[REDACTED]"


def auth_headers(settings: Settings) -> dict[str, str]:
    """``Authorization: Bearer cal_...`` or the platform OAuth client header pair."""
    if settings.api_key is not None:
        return {"Authorization": f"Bearer {settings.api_key}"}
    assert settings.client_id and settings.secret_key  # Settings validated this
    return {"x-cal-client-id": settings.client_id, "x-cal-secret-key": settings.secret_key}


def redact(value: Any, secrets: Iterable[str]) -> Any:
    """``value`` with every secret replaced (strings, and strings nested in dicts/lists)."""
    secrets = tuple(s for s in secrets if s)
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {redact(k, secrets): redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact(v, secrets) for v in value)
    return value
