"""API records -> the users, memberships and ooo_entries tables."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from transforms.snapshot._records import Record, json_text, membership_cells, parse_utc
from transforms.snapshot.schemas import frame


def users_table(records: Iterable[Record]) -> pl.DataFrame:
    """``GET /organizations/{orgId}/users`` items -> the ``users`` table."""
    rows = [
        {
            "user_id": r["id"],
            "email": r["email"],
            "username": r.get("username"),
            "name": r.get("name"),
            "time_zone": r.get("timeZone"),
            "week_start": r.get("weekStart"),
            "locale": r.get("locale"),
            "time_format": r.get("timeFormat"),
            "bio": r.get("bio"),
            "avatar_url": r.get("avatarUrl"),
            "created_date": parse_utc(r.get("createdDate")),
            "verified": r.get("verified"),
            "email_verified": parse_utc(r.get("emailVerified")),
            "theme": r.get("theme"),
            "app_theme": r.get("appTheme"),
            "brand_color": r.get("brandColor"),
            "dark_brand_color": r.get("darkBrandColor"),
            "hide_branding": r.get("hideBranding"),
            "allow_dynamic_booking": r.get("allowDynamicBooking"),
            "default_schedule_id": r.get("defaultScheduleId"),
            "metadata": json_text(r.get("metadata")),
        }
        for r in records
    ]
    return frame("users", rows)


def memberships_table(records: Iterable[Record]) -> pl.DataFrame:
    """``GET /organizations/{orgId}/memberships`` items -> the ``memberships`` table."""
    return frame("memberships", [membership_cells(r) for r in records])


def ooo_table(records: Iterable[Record]) -> pl.DataFrame:
    """``GET /organizations/{orgId}/ooo`` items -> the ``ooo_entries`` table (UTC datetimes)."""
    rows = [
        {
            "ooo_id": r["id"],
            "uuid": r.get("uuid"),
            "user_id": r["userId"],
            "to_user_id": r.get("toUserId"),
            "start": parse_utc(r["start"]),
            "end": parse_utc(r["end"]),
            "reason": r.get("reason") or "unspecified",
            "notes": r.get("notes"),
        }
        for r in records
    ]
    return frame("ooo_entries", rows)


__all__ = ["memberships_table", "ooo_table", "users_table"]
