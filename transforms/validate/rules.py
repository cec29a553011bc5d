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
# The locales the API v2 user input accepts (its `locale` enum).
LOCALES = (
    "ar", "az", "bg", "bn", "ca", "cs", "da", "de", "el", "en", "es", "es-419", "et", "eu", "fi",
    "fr", "he", "hr", "hu", "id", "it", "iw", "ja", "km", "ko", "lv", "nl", "no", "pl", "pt",
    "pt-BR", "ro", "ru", "sk", "sr", "sv", "ta", "th", "tr", "uk", "vi", "zh-CN", "zh-TW",
)  # fmt: skip
# Permission strings are `<resource>.<action>` (api-notes §9.3, the PBAC registry).
PERMISSION_RESOURCES = (
    "eventType", "team", "organization", "organization.attributes", "booking", "insights",
    "role", "routingForm", "workflow", "webhook", "availability", "ooo", "watchlist",
)  # fmt: skip
PERMISSION_ACTIONS = (
    "create", "read", "update", "delete", "invite", "remove", "changeMemberRole", "listMembers",
    "listMembersPrivate", "manageBilling", "readTeamBookings", "readOrgBookings",
    "readRecordings", "impersonate", "editUsers", "readTeamAuditLogs", "readOrgAuditLogs",
)  # fmt: skip
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
    if permission == "*.*":
        return "'*.*' is only allowed for organization roles" if team_role else None
    resource, _, action = permission.rpartition(".")
    if not resource or resource not in PERMISSION_RESOURCES or action not in PERMISSION_ACTIONS:
        return "unknown permission"
    if team_role and resource.startswith("organization"):
        return "organization permissions are not allowed for team roles"
    return None


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
