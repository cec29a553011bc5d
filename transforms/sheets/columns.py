"""Which columns an import sheet has: header normalisation, aliases, and the sheet's kind.

HR files arrive with headers such as ``E-mail``, ``Email Address`` or ``Time Zone``; each is
normalised (case, spacing, punctuation) and mapped to one canonical snake_case column. A users
sheet may also carry one column per org attribute: those are kept under their header text and
matched to the org's attributes later, in validation, because only the org knows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("users", "ooo", "roles", "leavers", "teams", "attributes", "webhooks")
DEFINITION_KINDS = ("teams", "attributes", "webhooks")  # planned and applied before the rest

USERS_COLUMNS = (
    "email",
    "username",
    "name",
    "time_zone",
    "locale",
    "time_format",
    "week_start",
    "org_role",
    "teams",
)
OOO_COLUMNS = ("email", "start", "end", "reason", "notes", "covering_email")
ROLES_COLUMNS = ("name", "description", "color", "permissions", "team")
LEAVERS_COLUMNS = ("email", "teams")
TEAMS_COLUMNS = (
    "name",
    "slug",
    "bio",
    "is_private",
    "hide_book_a_team_member",
    "hide_branding",
    "time_zone",
    "week_start",
    "time_format",
    "logo_url",
)
ATTRIBUTES_COLUMNS = ("name", "slug", "type", "enabled", "options")
WEBHOOKS_COLUMNS = ("subscriber_url", "triggers", "active", "payload_template", "secret")

CANONICAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": USERS_COLUMNS,
    "ooo": OOO_COLUMNS,
    "roles": ROLES_COLUMNS,
    "leavers": LEAVERS_COLUMNS,
    "teams": TEAMS_COLUMNS,
    "attributes": ATTRIBUTES_COLUMNS,
    "webhooks": WEBHOOKS_COLUMNS,
}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("email",),
    "ooo": ("email", "start", "end"),
    "roles": ("name",),
    "leavers": ("email",),
    "teams": ("name",),
    "attributes": ("name", "type"),
    "webhooks": ("subscriber_url", "triggers"),
}

_EMAIL_ALIASES = ("email", "e mail", "email address", "e mail address", "mail", "work email")
_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "users": {
        "email": _EMAIL_ALIASES,
        "username": ("username", "user name", "login", "handle"),
        "name": ("name", "full name", "display name"),
        "time_zone": ("time zone", "timezone", "tz"),
        "locale": ("locale", "language", "lang"),
        "time_format": ("time format", "clock"),
        "week_start": ("week start", "week starts on", "first day of week", "weekday"),
        "org_role": ("org role", "organization role", "organisation role", "role"),
        "teams": ("teams", "team"),
    },
    "ooo": {
        "email": _EMAIL_ALIASES,
        "start": ("start", "start date", "from", "first day"),
        "end": ("end", "end date", "to", "until", "last day"),
        "reason": ("reason",),
        "notes": ("notes", "note", "comment", "comments"),
        "covering_email": (
            "covering email",
            "covering user email",
            "covering user",
            "coverer",
            "coverer email",
            "cover",
            "redirect to",
            "to user email",
        ),
    },
    "roles": {
        "name": ("name", "role name", "role"),
        "description": ("description",),
        "color": ("color", "colour"),
        "permissions": ("permissions", "permission"),
        "team": ("team", "team name"),
    },
    "leavers": {
        "email": _EMAIL_ALIASES,
        "teams": ("teams", "team", "from teams", "leaves teams"),
    },
    "teams": {
        "name": ("name", "team", "team name"),
        "slug": ("slug", "team slug"),
        "bio": ("bio", "description", "about"),
        "is_private": ("private", "is private"),
        "hide_book_a_team_member": ("hide book a team member",),
        "hide_branding": ("hide branding",),
        "time_zone": ("time zone", "timezone", "tz"),
        "week_start": ("week start", "week starts on"),
        "time_format": ("time format", "clock"),
        "logo_url": ("logo url", "logo"),
    },
    "attributes": {
        "name": ("name", "attribute", "attribute name"),
        "slug": ("slug", "attribute slug"),
        "type": ("type", "attribute type"),
        "enabled": ("enabled", "active"),
        "options": ("options", "option", "values"),
    },
    "webhooks": {
        "subscriber_url": ("subscriber url", "url", "webhook url", "endpoint"),
        "triggers": ("triggers", "trigger", "events"),
        "active": ("active", "enabled"),
        "payload_template": ("payload template", "template"),
        "secret": ("secret", "signing secret"),
    },
}


def normalise_header(text: object) -> str:
    """``' E-Mail_Address '`` -> ``'e mail address'``: lower case, words split on punctuation."""
    if text is None:
        return ""
    words = re.split(r"[^0-9a-z]+", str(text).strip().lower())
    return " ".join(w for w in words if w)


def canonical_column(kind: str, header: object) -> str | None:
    """The canonical column a header means in a sheet of ``kind``, or None (attribute/unknown)."""
    key = normalise_header(header)
    for column, aliases in _ALIASES[kind].items():
        if key in aliases or key == column.replace("_", " "):
            return column
    return None


def fitting_kinds(headers: list[object]) -> tuple[str, ...]:
    """Every kind a header could be: OOO has email+start+end, roles have permissions, teams,
    attributes and webhooks their own columns (and no e-mail), users have an e-mail or any users
    column, leavers have an e-mail and nothing but leavers columns.
    """
    keys = {normalise_header(h) for h in headers} - {""}

    def has(kind: str, column: str) -> bool:
        return any(canonical_column(kind, h) == column for h in keys)

    if has("ooo", "start") and has("ooo", "end") and has("ooo", "email"):
        return ("ooo",)
    if has("roles", "permissions"):
        return ("roles",)
    if (d := _definition_kind(has)) is not None:
        return (d,)
    fits: list[str] = []
    if has("users", "email") or any(canonical_column("users", h) for h in keys):
        fits.append("users")
    if has("leavers", "email") and all(canonical_column("leavers", h) for h in keys):
        fits.append("leavers")
    return tuple(fits)


def detect_kind(headers: list[object]) -> str | None:
    """The one kind a header fits, or None (none fits, or more than one: see fitting_kinds)."""
    fits = fitting_kinds(headers)
    return fits[0] if len(fits) == 1 else None


def unknown_kind_reason(headers: list[object]) -> tuple[str, str]:
    """(what is wrong, what is accepted) for a header that does not say its kind."""
    fits = fitting_kinds(headers)
    if len(fits) > 1:
        return (
            f"this header fits more than one kind of sheet ({' and '.join(fits)}); "
            "calbulk does not guess which one to write",
            f"pass --kind {' or --kind '.join(fits)}, or name the workbook sheet {fits[0]} "
            f"or {fits[1]}",
        )
    return (
        "cannot tell what this sheet holds",
        "a header with email and user columns (users), email+start+end (ooo), "
        "name+permissions (roles), name+type (attributes), subscriber url+triggers (webhooks), "
        "name+slug or bio (teams), or a sheet named after one of them or leavers, or pass --kind",
    )


_TEAM_ONLY = ("slug", "bio", "is_private", "hide_book_a_team_member", "hide_branding", "logo_url")


def _definition_kind(has) -> str | None:
    """Definition sheets by their own columns (never when there is an e-mail column)."""
    if has("users", "email"):
        return None
    if has("webhooks", "subscriber_url"):
        return "webhooks"
    if has("attributes", "name") and has("attributes", "type"):
        return "attributes"
    if has("teams", "name") and any(has("teams", c) for c in _TEAM_ONLY):
        return "teams"
    return None


@dataclass(frozen=True)
class ColumnMap:
    """How one sheet's headers map: canonical columns, attribute columns, and blanks/duplicates.

    ``headers`` maps each kept output column to the header text the person typed, so messages
    name the column as the spreadsheet shows it.
    """

    kind: str
    positions: dict[str, int]
    headers: dict[str, str]
    attribute_columns: tuple[str, ...]
    duplicate_headers: tuple[str, ...]
    missing_required: tuple[str, ...]


def map_columns(kind: str, headers: list[object]) -> ColumnMap:
    """Map header cells (in sheet order) to output columns.

    Users sheets keep unrecognised headers as attribute columns; OOO and roles sheets ignore them.
    """
    positions: dict[str, int] = {}
    shown: dict[str, str] = {}
    attributes: list[str] = []
    duplicates: list[str] = []
    for index, header in enumerate(headers):
        text = "" if header is None else str(header).strip()
        if not text:
            continue
        column = canonical_column(kind, text)
        if column is None:
            if kind != "users":
                continue
            column = text
            if column not in positions:
                attributes.append(column)
        if column in positions:
            duplicates.append(text)
            continue
        positions[column] = index
        shown[column] = text
    missing = tuple(c for c in REQUIRED_COLUMNS[kind] if c not in positions)
    return ColumnMap(
        kind=kind,
        positions=positions,
        headers=shown,
        attribute_columns=tuple(attributes),
        duplicate_headers=tuple(duplicates),
        missing_required=missing,
    )
