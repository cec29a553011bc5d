"""API-shaped records of a small organization, for the export's unit tests.

Shapes follow the Cal.com API v2 output schemas (camelCase keys; attribute, option
and role ids as strings) and the memberships listing's four attribute shapes.
"""

from __future__ import annotations

from transforms.snapshot.listing_tables import tables_from_listing
from transforms.snapshot.schemas import TABLE_NAMES

INJECTION = '=HYPERLINK("http://x","y")'

# The columns each snapshot table starts with, in order: what users of the Parquet files rely on.
CONTRACT_COLUMNS = {
    "users": ["user_id", "email", "username", "name", "time_zone", "week_start", "locale",
              "time_format", "bio", "avatar_url", "created_date", "verified"],
    "memberships": ["membership_id", "user_id", "role", "accepted", "disable_impersonation"],
    "attributes": ["attribute_id", "name", "slug", "type", "enabled"],
    "attribute_options": ["option_id", "attribute_id", "value", "slug"],
    "attribute_assignments": ["user_id", "attribute_id", "option_id", "value"],
    "ooo_entries": ["ooo_id", "uuid", "user_id", "to_user_id", "start", "end", "reason", "notes"],
    "teams": ["team_id", "name", "slug"],
    "team_memberships": ["membership_id", "team_id", "user_id", "role", "accepted"],
    "roles": ["role_id", "team_id", "name", "description", "color", "type"],
    "role_permissions": ["role_id", "permission"],
    "webhooks": ["webhook_id", "subscriber_url", "triggers", "active", "payload_template"],
}  # fmt: skip


def user(uid: int, email: str, name: str | None, **extra: object) -> dict:
    return {
        "id": uid,
        "email": email,
        "username": email.split("@")[0],
        "name": name,
        "timeZone": "Europe/Paris",
        "weekStart": "Monday",
        "locale": "fr",
        "timeFormat": 24,
        "bio": None,
        "avatarUrl": None,
        "createdDate": "2026-01-05T09:30:00.000Z",
        "verified": True,
        "emailVerified": None,
        "hideBranding": False,
        "metadata": {"hris": "A-1"},
        "profile": {"id": uid + 100, "organizationId": 1, "userId": uid, "username": "x"},
        **extra,
    }


def sample_records() -> dict[str, list[dict]]:
    users = [
        user(10, "ada@acme.test", "Ada Lovelace"),
        user(11, "bob@acme.test", INJECTION, timeFormat=12, weekStart="Sunday"),
        user(12, "cy@acme.test", None, createdDate="2026-02-01T10:00:00+02:00"),
    ]
    memberships = [
        {
            "id": 500,
            "userId": 10,
            "teamId": 1,
            "accepted": True,
            "role": "OWNER",
            "disableImpersonation": False,
            "user": {"email": "ada@acme.test"},
            "attributes": [
                {
                    "id": "a-dept",
                    "name": "Department",
                    "type": "singleSelect",
                    "option": "Sales",
                    "optionId": "o-sales",
                },
                {
                    "id": "a-lang",
                    "name": "Languages",
                    "type": "multiSelect",
                    "options": [
                        {"optionId": "o-fr", "option": "French"},
                        {"optionId": "o-en", "option": "English"},
                    ],
                },
                {
                    "id": "a-desk",
                    "name": "Desk",
                    "type": "text",
                    "option": "B-12",
                    "optionId": "o-desk-1",
                },
                {
                    "id": "a-level",
                    "name": "Level",
                    "type": "number",
                    "option": 3,
                    "optionId": "o-level-1",
                },
            ],
        },
        {
            "id": 501,
            "userId": 11,
            "teamId": 1,
            "accepted": True,
            "role": "MEMBER",
            "disableImpersonation": False,
            "user": {"email": "bob@acme.test"},
            "attributes": [
                {
                    "id": "a-dept",
                    "name": "Department",
                    "type": "singleSelect",
                    "option": "Support",
                    "optionId": "o-support",
                },
            ],
        },
        {
            "id": 502,
            "userId": 12,
            "teamId": 1,
            "accepted": False,
            "role": "ADMIN",
            "disableImpersonation": True,
            "user": {"email": "cy@acme.test"},
            "attributes": [],
        },
    ]
    attributes = [
        {
            "id": "a-dept",
            "teamId": 1,
            "type": "SINGLE_SELECT",
            "name": "Department",
            "slug": "department",
            "enabled": True,
            "usersCanEditRelation": False,
        },
        {
            "id": "a-lang",
            "teamId": 1,
            "type": "MULTI_SELECT",
            "name": "Languages",
            "slug": "languages",
            "enabled": True,
        },
        {
            "id": "a-desk",
            "teamId": 1,
            "type": "TEXT",
            "name": "Desk",
            "slug": "desk",
            "enabled": True,
        },
        {
            "id": "a-level",
            "teamId": 1,
            "type": "NUMBER",
            "name": "Level",
            "slug": "level",
            "enabled": False,
        },
    ]
    options = [
        {"id": "o-sales", "attributeId": "a-dept", "value": "Sales", "slug": "sales"},
        {"id": "o-support", "attributeId": "a-dept", "value": "Support", "slug": "support"},
        {"id": "o-fr", "attributeId": "a-lang", "value": "French", "slug": "french"},
        {"id": "o-en", "attributeId": "a-lang", "value": "English", "slug": "english"},
        {"id": "o-desk-1", "attributeId": "a-desk", "value": "B-12", "slug": "b-12"},
        {"id": "o-level-1", "attributeId": "a-level", "value": "3", "slug": "3"},
    ]
    ooo = [
        {
            "id": 900,
            "uuid": "u-900",
            "userId": 10,
            "toUserId": 11,
            "start": "2026-03-01T00:00:00.000Z",
            "end": "2026-03-05T23:59:59.999Z",
            "reason": "vacation",
            "notes": "Alps",
        },
        {
            "id": 901,
            "uuid": "u-901",
            "userId": 12,
            "start": "2026-04-01T00:00:00.000Z",
            "end": "2026-04-01T23:59:59.999Z",
            "reason": "sick",
        },
    ]
    teams = [
        {"id": 20, "name": "Sales", "slug": "sales", "parentId": 1, "isOrganization": False},
        {"id": 21, "name": "Support", "slug": "support", "parentId": 1, "isOrganization": False},
    ]
    team_memberships = [
        {
            "id": 700,
            "userId": 10,
            "teamId": 20,
            "accepted": True,
            "role": "MEMBER",
            "disableImpersonation": False,
            "user": {"email": "ada@acme.test"},
        },
        {
            "id": 701,
            "userId": 10,
            "teamId": 21,
            "accepted": True,
            "role": "ADMIN",
            "disableImpersonation": False,
            "user": {"email": "ada@acme.test"},
        },
        {
            "id": 702,
            "userId": 11,
            "teamId": 21,
            "accepted": False,
            "role": "MEMBER",
            "user": {"email": "bob@acme.test"},
        },
    ]
    roles = [
        {
            "id": "r-org",
            "name": "Auditor",
            "color": "#112233",
            "description": "Reads",
            "organizationId": 1,
            "type": "CUSTOM",
            "permissions": ["booking.read", "webhook.read"],
            "createdAt": "2026-01-01T00:00:00.000Z",
            "updatedAt": "2026-01-02T00:00:00.000Z",
        },
        {
            "id": "r-team",
            "name": "Lead",
            "color": None,
            "description": None,
            "teamId": 21,
            "type": "CUSTOM",
            "permissions": ["eventType.update"],
            "createdAt": "2026-01-01T00:00:00.000Z",
            "updatedAt": "2026-01-01T00:00:00.000Z",
        },
    ]
    webhooks = [
        {
            "id": "0b6c1c9e-6f2a-4c4e-9d1e-3f5a2b7c8d90",
            "teamId": 1,
            "subscriberUrl": "https://hooks.test/a",
            "active": True,
            "triggers": ["BOOKING_CREATED", "OOO_CREATED"],
            "payloadTemplate": None,
            "secret": "whsec-do-not-export",
        },
    ]
    return {
        "users": users,
        "memberships": memberships,
        "attributes": attributes,
        "attribute_options": options,
        "ooo": ooo,
        "teams": teams,
        "team_memberships": team_memberships,
        "roles": roles,
        "webhooks": webhooks,
    }


def sample_tables() -> dict:
    """The snapshot tables of `sample_records` (a consistent, valid snapshot)."""
    built = {}
    for listing, records in sample_records().items():
        built |= tables_from_listing(listing, records)
    return {name: built[name] for name in TABLE_NAMES}
