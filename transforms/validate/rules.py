"""What the Cal.com API accepts, and how a spreadsheet's spelling maps onto it.

Each ``normalise_*`` function turns what a person typed into what the API wants (``admin`` ->
``ADMIN``, ``europe/rome`` -> ``Europe/Rome``, ``mon`` -> ``Monday``) and returns the input
unchanged when it cannot, so the check that follows quotes the value as typed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import zoneinfo
from functools import cache

MEMBERSHIP_ROLES = ("MEMBER", "ADMIN", "OWNER")
OOO_REASONS = ("unspecified", "vacation", "travel", "sick", "public_holiday")
WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
TIME_FORMATS = (12, 24)
# The locales the API v2 user input accepts: exactly the list of its LocaleValidator
# (apps/api/v2/src/modules/users/validators/localeValidator.ts), not the spec's longer enum.
LOCALES = (
    "ar", "bn", "cs", "de", "en", "es", "fr", "it", "iw", "ja", "ko", "nl", "pl", "pt", "pt-BR",
    "ro", "ru", "sr", "sv", "vi", "zh-CN", "zh-TW",
)  # fmt: skip
# Permission strings are `<resource>.<action>` from the PBAC registry (api-notes §9.3;
# packages/features/pbac/domain/types/permission-registry.ts), per scope: what an organization
# role may hold and what a team role may hold (availability.* and ooo.* have no scope at all).
_CRUD = ("create", "read", "update", "delete")
_MEMBERS = ("invite", "remove", "listMembers", "listMembersPrivate", "changeMemberRole")
_SHARED = {
    "role": _CRUD, "eventType": _CRUD, "insights": ("read",), "workflow": _CRUD,
    "routingForm": _CRUD, "webhook": _CRUD, "featureOptIn": ("read", "update"),
}  # fmt: skip
ORG_PERMISSIONS = frozenset(
    f"{resource}.{action}"
    for resource, actions in {
        **_SHARED,
        "team": (*_CRUD, *_MEMBERS, "impersonate"),
        "organization": (
            *_CRUD, "manageBilling", *_MEMBERS, "impersonate", "passwordReset", "editUsers",
        ),
        "booking": ("read", "readOrgBookings", "readRecordings", "update", "readOrgAuditLogs"),
        "organization.attributes": ("read", "update", "delete", "create", "editUsers"),
        "watchlist": _CRUD,
    }.items()
    for action in actions
) | {"*.*"}  # fmt: skip
TEAM_PERMISSIONS = frozenset(
    f"{resource}.{action}"
    for resource, actions in {
        **_SHARED,
        "team": ("read", "update", "delete", *_MEMBERS, "impersonate"),
        "booking": ("read", "readTeamBookings", "readRecordings", "update", "readTeamAuditLogs"),
    }.items()
    for action in actions
)
EMAIL_PATTERN = r"^[^@\s;,<>()\[\]\\\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$"  # noqa: E501
COLOR_PATTERN = r"^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$"
LIST_SEPARATOR = re.compile(r"\s*[;\n]\s*")


@cache
def time_zones() -> frozenset[str]:
    """IANA zone names (from tzdata, which the API validates against too)."""
    return frozenset(zoneinfo.available_timezones())


@cache
def _folded(choices: tuple[str, ...]) -> dict[str, str]:
    return {c.casefold(): c for c in choices}


def _fold_lookup(value: str, choices: tuple[str, ...]) -> str:
    return _folded(choices).get(value.strip().casefold(), value)


def normalise_role(value: str) -> str:
    return _fold_lookup(value, MEMBERSHIP_ROLES)


def normalise_time_zone(value: str) -> str:
    return _fold_lookup(value, tuple(sorted(time_zones())))


def normalise_locale(value: str) -> str:
    return _fold_lookup(value.replace("_", "-"), LOCALES)


def normalise_week_start(value: str) -> str:
    text = value.strip().casefold()
    for day in WEEKDAYS:
        if text in (day.casefold(), day[:3].casefold()):
            return day
    return value


def normalise_time_format(value: str) -> str:
    text = value.strip().casefold().removesuffix("h").removesuffix("-hour").strip()
    return {"12": "12", "24": "24", "am/pm": "12"}.get(text, value)


def normalise_reason(value: str) -> str:
    return _fold_lookup(re.sub(r"[\s-]+", "_", value.strip()), OOO_REASONS)


def split_list(value: str | None) -> list[str]:
    """``'Sales; Support:ADMIN'`` -> ``['Sales', 'Support:ADMIN']`` (also newlines in a cell)."""
    if not value:
        return []
    return [part for part in LIST_SEPARATOR.split(value.strip()) if part]


def canonical_number(value: str) -> str | None:
    """``'3.0'`` -> ``'3'``, ``'1,5'`` -> None (not a number), ``'2.50'`` -> ``'2.5'``."""
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return str(int(number)) if number.is_integer() else repr(number)


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


def parse_day(value: str) -> dt.date | None:
    """A whole UTC day from ISO dates/datetimes (``Z`` allowed), ``YYYY/MM/DD`` or ``DD.MM.YYYY``.

    ``03/04/2026`` is refused: day and month cannot be told apart.
    """
    text = value.strip().removesuffix("Z").removesuffix("z")
    text = re.sub(r"(\d{2}:\d{2}:\d{2})\.\d+$", r"\1", text)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def permission_problem(permission: str, team_role: bool) -> str | None:
    """Why the API would refuse ``permission`` (None when it is accepted)."""
    if not team_role:
        return None if permission in ORG_PERMISSIONS else "unknown permission"
    if permission in TEAM_PERMISSIONS:
        return None
    if permission == "*.*":
        return "'*.*' is only allowed for organization roles"
    if permission.startswith("organization") and permission in ORG_PERMISSIONS:
        return "organization permissions are not allowed for team roles"
    return (
        "unknown permission" if permission not in ORG_PERMISSIONS else "not allowed for team roles"
    )


def did_you_mean(value: str, choices: list[str] | tuple[str, ...], limit: int = 3) -> str:
    """``'did you mean Sales?'`` for the closest choices, or ``''``."""
    folded = {c.casefold(): c for c in choices}
    close = difflib.get_close_matches(value.casefold(), list(folded), n=limit, cutoff=0.6)
    if not close:
        return ""
    return "did you mean " + " or ".join(repr(folded[c]) for c in close) + "?"


def accepted_list(choices: list[str] | tuple[str, ...], limit: int = 12) -> str:
    """A readable list of accepted values, shortened for long lists."""
    shown = ", ".join(str(c) for c in list(choices)[:limit])
    more = len(choices) - limit
    return shown + (f", ... ({more} more)" if more > 0 else "")
