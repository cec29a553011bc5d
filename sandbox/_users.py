"""Org users: list (with filters), create, update, delete (api-notes §5).

Behaviours that matter to a bulk tool: there is no ``name`` field (a ``name`` in the body is
silently dropped); a duplicate e-mail or username in the org is a 409; DELETE removes the whole
user account (not only the membership); the list has no ``pagination`` object.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any
from zoneinfo import available_timezones

from sandbox._errors import PrismaError, conflict, forbidden
from sandbox._request import Reply, Request, created, ok
from sandbox._store import Transaction, iso_now, update_row
from sandbox._validation import EMAIL_RE, Field, validate

TIME_ZONES = frozenset(available_timezones())
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ROLES = ("MEMBER", "ADMIN", "OWNER")
# LocaleValidator (apps/api/v2/src/modules/users/validators/localeValidator.ts): exactly these.
LOCALES = (
    "en", "fr", "it", "ru", "es", "de", "pt", "ro", "nl", "pt-BR", "ko", "ja", "pl", "ar", "iw",
    "zh-CN", "zh-TW", "cs", "sr", "sv", "vi", "bn",
)  # fmt: skip


def _time_zone(prop: str, value: Any) -> dict[str, str]:
    return {} if value in TIME_ZONES else {"timezoneValidator": "Please include a valid time zone"}


def _metadata(prop: str, value: Any) -> dict[str, str]:
    too_big = len(value) > 50 or any(
        len(str(k)) > 40 or len(str(v)) > 500 for k, v in value.items()
    )
    if too_big:
        return {
            "metadataValidator": "Metadata: at most 50 keys, keys up to 40 characters, "
            "values up to 500 characters"
        }
    return {}


def _locale(prop: str, value: Any) -> dict[str, str]:
    return {} if value in LOCALES else {"localeValidator": "Please include a valid locale"}


def _avatar(prop: str, value: Any) -> dict[str, str]:
    if value.startswith(("data:image/", "https://", "http://")):
        return {}
    return {"avatarValidator": f"{prop} must be a base64 image or an URL"}


USER_FIELDS = (
    Field("username", "string"),
    Field("weekday", "enum", choices=WEEKDAYS),
    Field("brandColor", "hexcolor"),
    Field("darkBrandColor", "hexcolor"),
    Field("bio", "string"),
    Field("metadata", "object", check=_metadata),
    Field("hideBranding", "bool"),
    Field("timeZone", "string", check=_time_zone),
    Field("theme", "enum", choices=("dark", "light")),
    Field("appTheme", "enum", choices=("dark", "light")),
    Field("timeFormat", "enum", choices=(12, 24)),
    Field("defaultScheduleId", "int", minimum=0),
    Field("locale", "string", check=_locale),
    Field("avatarUrl", "string", check=_avatar),
)
CREATE_FIELDS = (
    Field("email", "email", required=True),
    *USER_FIELDS,
    Field("organizationRole", "enum", choices=ROLES),
    Field("autoAccept", "bool"),
)
COLUMNS = {
    "email": "email",
    "weekday": "week_start",
    "brandColor": "brand_color",
    "darkBrandColor": "dark_brand_color",
    "bio": "bio",
    "metadata": "metadata",
    "hideBranding": "hide_branding",
    "timeZone": "time_zone",
    "theme": "theme",
    "appTheme": "app_theme",
    "timeFormat": "time_format",
    "defaultScheduleId": "default_schedule_id",
    "locale": "locale",
    "avatarUrl": "avatar_url",
}


def user_out(row: sqlite3.Row) -> dict[str, Any]:
    """``GetOrgUsersWithProfileOutput`` for a users row."""
    profile: dict[str, Any] = {}
    if row["organization_id"] is not None:
        profile = {
            "id": row["profile_id"],
            "organizationId": row["organization_id"],
            "userId": row["id"],
            "username": row["profile_username"],
        }
    return {
        "id": row["id"],
        "username": row["username"],
        "name": row["name"],
        "email": row["email"],
        "emailVerified": row["created_date"],
        "bio": row["bio"],
        "avatarUrl": row["avatar_url"],
        "timeZone": row["time_zone"],
        "weekStart": row["week_start"],
        "appTheme": row["app_theme"],
        "theme": row["theme"],
        "defaultScheduleId": row["default_schedule_id"],
        "locale": row["locale"],
        "timeFormat": row["time_format"],
        "hideBranding": bool(row["hide_branding"]),
        "brandColor": row["brand_color"],
        "darkBrandColor": row["dark_brand_color"],
        "allowDynamicBooking": True,
        "createdDate": row["created_date"],
        "verified": True,
        "invitedTo": None,
        "metadata": json.loads(row["metadata"]),
        "profile": profile,
    }


def generated_username(email: str) -> str:
    """Cal.com's org profile username: slugified local part + '-' + the domain's name."""
    local, _, domain = email.partition("@")
    slug = re.sub(r"[^a-z0-9]+", "-", local.lower()).strip("-")
    return f"{slug}-{domain.split('.')[0].lower()}"


def user_in_org(req: Request, org_id: int, user_id: int) -> sqlite3.Row:
    """IsUserInOrg guard: the user's row, or 403."""
    row = req.conn.execute(
        "SELECT * FROM users WHERE id = ? AND organization_id = ?", (user_id, org_id)
    ).fetchone()
    if row is None:
        raise forbidden(
            f"IsUserInOrg - user with id={user_id} is not part of the organization with "
            f"id={org_id}."
        )
    return row


def _check_unique(conn: sqlite3.Connection, org_id: int, data: dict, user_id: int = 0) -> None:
    if "email" in data:
        row = conn.execute(
            "SELECT id, organization_id FROM users WHERE email = ? AND id != ?",
            (data["email"], user_id),
        ).fetchone()
        if row is not None and row["organization_id"] == org_id:
            raise conflict("A user already exists with that email")
        if row is not None:
            raise PrismaError(409)
    if "username" in data:
        taken = conn.execute(
            "SELECT 1 FROM users WHERE organization_id = ? AND profile_username = ? AND id != ?",
            (org_id, data["username"], user_id),
        ).fetchone()
        if taken:
            raise conflict("Username is already taken")


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    for key in ("email", "username"):
        if key in data:
            data[key] = data[key].lower()
    return data


def _column_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {COLUMNS[k]: v for k, v in data.items() if k in COLUMNS}
    if "metadata" in values:
        values["metadata"] = json.dumps(values["metadata"])
    if "username" in data:
        values["username"] = values["profile_username"] = data["username"]
    return values


def create_user(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    data = _normalise(validate(req.json(), CREATE_FIELDS))
    conn = req.conn
    with Transaction(conn):
        _check_unique(conn, org_id, data)
        values = _column_values(data)
        username = data.get("username") or generated_username(data["email"])
        values.update(username=username, profile_username=username, organization_id=org_id)
        values["created_date"] = iso_now()
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cur = conn.execute(f"INSERT INTO users ({names}) VALUES ({marks})", list(values.values()))
        user_id = cur.lastrowid
        conn.execute("UPDATE users SET profile_id = ? WHERE id = ?", (user_id + 100000, user_id))
        conn.execute(
            "INSERT INTO memberships (user_id, team_id, role, accepted) VALUES (?, ?, ?, ?)",
            (user_id, org_id, data.get("organizationRole", "MEMBER"), data.get("autoAccept", True)),
        )
    row = conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    return created(user_out(row))


def update_user(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    user_id = req.int_param("userId")
    user_in_org(req, org_id, user_id)
    data = _normalise(validate(req.json(), (Field("email", "email"), *USER_FIELDS)))
    conn = req.conn
    with Transaction(conn):
        _check_unique(conn, org_id, data, user_id)
        update_row(conn, "users", user_id, _column_values(data))
    row = conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
    return ok(user_out(row))


def delete_user(req: Request) -> Reply:
    """Deletes the whole account (prisma.user.delete), not just the org membership."""
    org_id = req.org("ADMIN")
    user_id = req.int_param("userId")
    row = user_in_org(req, org_id, user_id)
    req.conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
    return ok(user_out(row))


def _email_list(prop: str, value: Any) -> dict[str, str]:
    if all(isinstance(v, str) and EMAIL_RE.match(v) for v in value):
        return {}
    return {"isEmail": f"each value in {prop} must be an email"}


def list_users(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    page = req.page(maximum=1000)
    filters = validate(
        {
            k: v
            for k, v in {
                "emails": req.query.get("emails"),
                "teamIds": req.id_list("teamIds"),
                "assignedOptionIds": req.q_list("assignedOptionIds") or None,
                "attributeQueryOperator": req.q("attributeQueryOperator"),
            }.items()
            if v is not None
        },
        (
            Field("emails", "array", check=_email_list),
            Field("teamIds", "array"),
            Field("assignedOptionIds", "array", not_empty=True),
            Field("attributeQueryOperator", "enum", choices=("AND", "OR", "NONE")),
        ),
    )
    sql = "SELECT * FROM users WHERE organization_id = ?"
    args: list[Any] = [org_id]
    if "emails" in filters:
        sql += f" AND email IN ({','.join('?' * len(filters['emails']))})"
        args += [e.lower() for e in filters["emails"]]
    if "teamIds" in filters:
        ids = filters["teamIds"]
        sql += (
            " AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id"
            f" AND m.team_id IN ({','.join('?' * len(ids))}))"
        )
        args += ids
    if "assignedOptionIds" in filters:
        clause, extra = _option_filter(
            filters["assignedOptionIds"], filters.get("attributeQueryOperator", "AND")
        )
        sql += clause
        args += extra
    sql += " ORDER BY id"
    return ok([user_out(row) for row in page.rows(req.conn, sql, args)])


def _option_filter(option_ids: list[str], operator: str) -> tuple[str, list[Any]]:
    """The assignedOptionIds filter, run over assignment rows as the real repository does."""
    marks = ",".join("?" * len(option_ids))
    base = (
        " AND users.id IN (SELECT m.user_id FROM attribute_to_user a"
        " JOIN memberships m ON m.id = a.member_id WHERE a.attribute_option_id"
    )
    if operator == "OR":
        return f"{base} IN ({marks}))", list(option_ids)
    if operator == "NONE":
        return f"{base} NOT IN ({marks}))", list(option_ids)
    wanted = len(set(option_ids))
    clause = (
        f"{base} IN ({marks}) GROUP BY m.user_id HAVING COUNT(DISTINCT a.attribute_option_id) = ?)"
    )
    return clause, [*option_ids, wanted]


ROUTES = [
    ("GET", "/v2/organizations/{orgId}/users", list_users),
    ("POST", "/v2/organizations/{orgId}/users", create_user),
    ("PATCH", "/v2/organizations/{orgId}/users/{userId}", update_user),
    ("DELETE", "/v2/organizations/{orgId}/users/{userId}", delete_user),
]
