"""API records -> the teams, team_memberships, roles, role_permissions and webhooks tables."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from transforms.snapshot._records import Record, json_text, membership_cells, parse_utc, text_id
from transforms.snapshot.schemas import frame


def teams_table(records: Iterable[Record]) -> pl.DataFrame:
    """``GET /organizations/{orgId}/teams`` items -> the ``teams`` table."""
    rows = [
        {
            "team_id": r["id"],
            "name": r["name"],
            "slug": r.get("slug"),
            "parent_id": r.get("parentId"),
            "bio": r.get("bio"),
            "is_private": r.get("isPrivate"),
            "hide_book_a_team_member": r.get("hideBookATeamMember"),
            "hide_branding": r.get("hideBranding"),
            "time_zone": r.get("timeZone"),
            "week_start": r.get("weekStart"),
            "time_format": r.get("timeFormat"),
            "logo_url": r.get("logoUrl"),
            "metadata": json_text(r.get("metadata")),
        }
        for r in records
    ]
    return frame("teams", rows)


def team_memberships_table(records: Iterable[Record]) -> pl.DataFrame:
    """``GET /teams/{teamId}/memberships`` items (all teams) -> ``team_memberships``."""
    rows = [{**membership_cells(r), "team_id": r["teamId"]} for r in records]
    return frame("team_memberships", rows)


def roles_table(records: Iterable[Record]) -> pl.DataFrame:
    """Org roles (``organizationId``) and team roles (``teamId``) -> the ``roles`` table.

    ``team_id`` is null for organization roles, the team's id for team roles.
    """
    rows = [
        {
            "role_id": text_id(r["id"]),
            "team_id": r.get("teamId"),
            "name": r["name"],
            "description": r.get("description"),
            "color": r.get("color"),
            "type": r["type"],
            "created_at": parse_utc(r.get("createdAt")),
            "updated_at": parse_utc(r.get("updatedAt")),
        }
        for r in records
    ]
    return frame("roles", rows)


def role_permissions_table(records: Iterable[Record]) -> pl.DataFrame:
    """Each role's ``permissions`` list -> one ``role_permissions`` row per permission."""
    rows = [
        {"role_id": text_id(r["id"]), "permission": permission}
        for r in records
        for permission in r.get("permissions") or []
    ]
    return frame("role_permissions", rows)


def webhooks_table(records: Iterable[Record]) -> pl.DataFrame:
    """``GET /organizations/{orgId}/webhooks`` items -> ``webhooks`` (the secret is dropped)."""
    rows = [
        {
            "webhook_id": text_id(r["id"]),
            "subscriber_url": r["subscriberUrl"],
            "triggers": [str(t) for t in r.get("triggers") or []],
            "active": r["active"],
            "payload_template": r.get("payloadTemplate"),
        }
        for r in records
    ]
    return frame("webhooks", rows)


__all__ = [
    "role_permissions_table",
    "roles_table",
    "team_memberships_table",
    "teams_table",
    "webhooks_table",
]
