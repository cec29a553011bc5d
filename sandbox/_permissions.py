"""The PBAC permission registry: which ``resource.action`` strings a role may hold (§9.3).

As ``packages/features/pbac/domain/types/permission-registry.ts`` (newest seen, ``02c635c6``):
``availability.*`` and ``ooo.*`` are registry entries with an empty scope list, so no role
may hold them; ``featureOptIn.read/update`` exist in both scopes.

Org roles accept every registry entry of organization scope (including ``*.*``); team roles
reject ``*.*`` and every ``organization.*`` permission. ``DELETE .../permissions/{p}`` uses
the looser format check (wildcards such as ``eventType.*`` pass).
"""

from __future__ import annotations

import re

CRUD = ("create", "read", "update", "delete")
MEMBER_ACTIONS = (  # on a team's or the org's members
    "invite",
    "remove",
    "listMembers",
    "listMembersPrivate",
    "changeMemberRole",
    "impersonate",
)
SHARED_REGISTRY: dict[str, tuple[str, ...]] = {  # the same in both scopes
    "role": CRUD,
    "eventType": CRUD,
    "insights": ("read",),
    "workflow": CRUD,
    "routingForm": CRUD,
    "webhook": CRUD,
}
ORG_REGISTRY: dict[str, tuple[str, ...]] = {
    **SHARED_REGISTRY,
    "*": ("*",),
    "team": (*CRUD, *MEMBER_ACTIONS),
    "organization": (
        *CRUD,
        "manageBilling",
        *MEMBER_ACTIONS,
        "passwordReset",
        "editUsers",
    ),
    "booking": ("read", "readOrgBookings", "readRecordings", "update", "readOrgAuditLogs"),
    "organization.attributes": ("read", "update", "delete", "create", "editUsers"),
    "watchlist": CRUD,
    "featureOptIn": ("read", "update"),
}
TEAM_REGISTRY: dict[str, tuple[str, ...]] = {
    **SHARED_REGISTRY,
    "team": ("read", "update", "delete", *MEMBER_ACTIONS),
    "booking": ("read", "readTeamBookings", "readRecordings", "update", "readTeamAuditLogs"),
    "featureOptIn": ("read", "update"),
}
ORG_PERMISSIONS = frozenset(f"{r}.{a}" for r, actions in ORG_REGISTRY.items() for a in actions)
TEAM_PERMISSIONS = frozenset(f"{r}.{a}" for r, actions in TEAM_REGISTRY.items() for a in actions)
_FORMAT_RE = re.compile(r"^[A-Za-z*][\w.*]*\.[A-Za-z*]\w*$|^\*\.\*$")


def invalid_message(permission: object) -> str:
    return (
        f"Permission '{permission}' must be a valid permission string in format "
        "'resource.action' (e.g., 'eventType.read', 'booking.create')"
    )


def first_invalid(permissions: list[object], *, team: bool) -> object | None:
    """The first permission that the scope's registry does not know, or None."""
    allowed = TEAM_PERMISSIONS if team else ORG_PERMISSIONS
    for permission in permissions:
        if not isinstance(permission, str) or permission not in allowed:
            return permission
    return None


def is_permission_string(text: str) -> bool:
    """The looser check of DELETE /permissions/{permission}."""
    return bool(_FORMAT_RE.match(text))
