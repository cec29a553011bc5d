"""Org memberships with each member's attribute values (api-notes §6).

``GET /memberships`` is how an exporter reads every assignment in one paged listing, so the
attribute rendering is batched: one query per page, not one per member. POST is an upsert
on (user, org); DELETE removes the user from the org (and its teams) but keeps the account.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sandbox._errors import PrismaError, not_found
from sandbox._request import Reply, Request, created, crud_routes, ok
from sandbox._store import Transaction, update_row
from sandbox._validation import Field, validate

ROLES = ("MEMBER", "OWNER", "ADMIN")
TYPE_NAMES = {
    "TEXT": "text",
    "NUMBER": "number",
    "SINGLE_SELECT": "singleSelect",
    "MULTI_SELECT": "multiSelect",
}
COLUMNS = {"accepted": "accepted", "role": "role", "disableImpersonation": "disable_impersonation"}
MEMBERSHIP_SQL = (
    "SELECT m.*, u.avatar_url, u.username, u.name, u.email, u.bio, u.metadata"
    " FROM memberships m JOIN users u ON u.id = m.user_id"
)


def _number(value: str) -> float | int | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() else number


def attributes_by_member(
    conn: sqlite3.Connection, member_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """``attributes`` of each membership, as the membership output service builds them."""
    if not member_ids:
        return {}
    rows = conn.execute(
        "SELECT a.member_id, o.id AS option_id, o.value, at.id AS attribute_id, at.name, at.type"
        " FROM attribute_to_user a JOIN attribute_options o ON o.id = a.attribute_option_id"
        " JOIN attributes at ON at.id = o.attribute_id"
        f" WHERE a.member_id IN ({','.join('?' * len(member_ids))})"
        " ORDER BY a.member_id, at.seq, a.seq",
        list(member_ids),
    ).fetchall()
    grouped: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        attrs = grouped[row["member_id"]]
        kind = TYPE_NAMES[row["type"]]
        entry = attrs.get(row["attribute_id"])
        if kind == "multiSelect":
            if entry is None:
                entry = attrs[row["attribute_id"]] = {
                    "id": row["attribute_id"],
                    "name": row["name"],
                    "type": kind,
                    "options": [],
                }
            entry["options"].append({"optionId": row["option_id"], "option": row["value"]})
        elif entry is None:  # text / number / single select: only the first value is shown
            option = _number(row["value"]) if kind == "number" else row["value"]
            attrs[row["attribute_id"]] = {
                "id": row["attribute_id"],
                "name": row["name"],
                "type": kind,
                "option": option,
                "optionId": row["option_id"],
            }
    return {member: list(attrs.values()) for member, attrs in grouped.items()}


def membership_out(row: sqlite3.Row, attributes: list[dict[str, Any]] | None) -> dict[str, Any]:
    """``TeamMembershipOutput``; with ``attributes`` it is ``OrganizationMembershipOutput``."""
    out: dict[str, Any] = {
        "id": row["id"],
        "userId": row["user_id"],
        "teamId": row["team_id"],
        "accepted": bool(row["accepted"]),
        "role": row["role"],
        "disableImpersonation": bool(row["disable_impersonation"]),
        "user": {
            "avatarUrl": row["avatar_url"],
            "username": row["username"],
            "name": row["name"],
            "email": row["email"],
            "bio": row["bio"],
            "metadata": json.loads(row["metadata"]),
        },
    }
    if attributes is not None:
        out["attributes"] = attributes
    return out


def org_memberships_out(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[dict]:
    attrs = attributes_by_member(conn, [row["id"] for row in rows])
    return [membership_out(row, attrs.get(row["id"], [])) for row in rows]


def find_membership(req: Request, team_id: int, missing: str) -> sqlite3.Row:
    """The path's ``membershipId`` in org or team ``team_id``; 404 ``missing`` if absent
    (``{id}`` in it is replaced by the membership id)."""
    membership_id = req.int_param("membershipId")
    row = req.conn.execute(
        MEMBERSHIP_SQL + " WHERE m.id = ? AND m.team_id = ?", (membership_id, team_id)
    ).fetchone()
    if row is None:
        raise not_found(missing.replace("{id}", str(membership_id)))
    return row


def update_membership_row(conn: sqlite3.Connection, row_id: int, data: dict[str, Any]) -> None:
    """Write the validated ``MEMBERSHIP_FIELDS`` of an org or team membership."""
    update_row(conn, "memberships", row_id, {COLUMNS[k]: v for k, v in data.items()})


def _membership_in_org(req: Request, org_id: int) -> sqlite3.Row:
    return find_membership(req, org_id, "IsMembershipInOrg - Membership ({id}) not found.")


def list_memberships(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    rows = req.page_rows(MEMBERSHIP_SQL + " WHERE m.team_id = ? ORDER BY m.id", [org_id])
    return ok(org_memberships_out(req.conn, rows))


def get_membership(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    return ok(org_memberships_out(req.conn, [_membership_in_org(req, org_id)])[0])


MEMBERSHIP_FIELDS = (
    Field("accepted", "bool"),
    Field("role", "enum", choices=ROLES),
    Field("disableImpersonation", "bool"),
)


def create_membership(req: Request) -> Reply:
    """Prisma upsert on (userId, teamId): an existing membership is updated, still 201."""
    org_id = req.org("ADMIN")
    data = validate(req.json(), (Field("userId", "int", required=True), *MEMBERSHIP_FIELDS))
    conn = req.conn
    if conn.execute("SELECT 1 FROM users WHERE id = ?", (data["userId"],)).fetchone() is None:
        raise PrismaError(400)
    values = (
        data["userId"],
        org_id,
        data.get("role", "MEMBER"),
        data.get("accepted", False),
        data.get("disableImpersonation", False),
    )
    conn.execute(
        "INSERT INTO memberships (user_id, team_id, role, accepted, disable_impersonation)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, team_id) DO UPDATE SET"
        " role = excluded.role, accepted = excluded.accepted,"
        " disable_impersonation = excluded.disable_impersonation",
        values,
    )
    row = conn.execute(
        MEMBERSHIP_SQL + " WHERE m.user_id = ? AND m.team_id = ?", (data["userId"], org_id)
    ).fetchone()
    return created(org_memberships_out(conn, [row])[0])


def update_membership(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    row = _membership_in_org(req, org_id)
    update_membership_row(req.conn, row["id"], validate(req.json(), MEMBERSHIP_FIELDS))
    fresh = req.conn.execute(MEMBERSHIP_SQL + " WHERE m.id = ?", (row["id"],)).fetchone()
    return ok(org_memberships_out(req.conn, [fresh])[0])


def delete_membership(req: Request) -> Reply:
    """removeMembers(isOrg): the user leaves the org and its teams but keeps the account."""
    org_id = req.org("ADMIN")
    row = _membership_in_org(req, org_id)
    out = org_memberships_out(req.conn, [row])[0]
    with Transaction(req.conn) as conn:
        conn.execute(
            "DELETE FROM memberships WHERE user_id = ? AND team_id IN"
            " (SELECT id FROM teams WHERE parent_id = ?)",
            (row["user_id"], org_id),
        )
        conn.execute("DELETE FROM memberships WHERE id = ?", (row["id"],))
        conn.execute(
            "UPDATE users SET organization_id = NULL, profile_id = NULL, profile_username = NULL"
            " WHERE id = ? AND organization_id = ?",
            (row["user_id"], org_id),
        )
    return ok(out)


ROUTES = crud_routes(
    "/v2/organizations/{orgId}/memberships",
    "membershipId",
    (list_memberships, create_membership, get_membership, update_membership, delete_membership),
)
