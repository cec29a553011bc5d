"""Small helpers that turn API v2 record values into table cells (private to transforms)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

Record = Mapping[str, Any]  # one item of an API v2 listing, camelCase keys


def parse_utc(value: str | None) -> datetime | None:
    """An ISO-8601 timestamp from the API (``...Z`` or with an offset) -> aware UTC datetime."""
    if value is None or value == "":
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def text_id(value: Any) -> str | None:
    """Attribute, option and role ids are strings in API v2; keep them as text."""
    return None if value is None else str(value)


def json_text(value: Any) -> str | None:
    """A nested object (e.g. ``metadata``) as compact, key-sorted JSON text; None stays None."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def number_text(value: Any) -> str | None:
    """A NUMBER attribute value (the API sends a JSON number) as the text a person typed."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def membership_cells(record: Record) -> dict[str, Any]:
    """The cells org and team memberships share (the two listings spell them alike)."""
    return {
        "membership_id": record["id"],
        "user_id": record["userId"],
        "role": record["role"],
        "accepted": record["accepted"],
        "disable_impersonation": record.get("disableImpersonation"),
    }
