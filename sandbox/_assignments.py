"""Who holds which attribute option (api-notes §7.2, §7.3).

Assign never replaces: a second SINGLE_SELECT / TEXT / NUMBER value is added next to the
first one. A ``value`` (TEXT/NUMBER) creates a brand-new option every time. Assigning the same
option twice is the Prisma 409. Unassign needs only ORG_MEMBER.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sandbox._attributes import find_attribute, insert_option
from sandbox._errors import PrismaError, bad_request, not_found
from sandbox._request import Reply, Request, created, ok
from sandbox._store import cuid, next_seq
from sandbox._validation import Field, validate

ASSIGN_FIELDS = (
    Field("attributeId", "string", required=True, not_empty=True),
    Field("attributeOptionId", "string", not_empty=True),
    Field("value", "string", not_empty=True),
)
NO_MATCH = (
    "Options provided in assignedOptionIds are not assigned to anyone, or the users are not "
    "part of the teams specified in teamIds filter."
)


def assignment_out(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "memberId": row["member_id"],
        "attributeOptionId": row["attribute_option_id"],
    }


def _org_membership(conn: sqlite3.Connection, org_id: int, user_id: int) -> sqlite3.Row:
    row = conn.execute(
        "SELECT id, accepted FROM memberships WHERE user_id = ? AND team_id = ?", (user_id, org_id)
    ).fetchone()
    if row is None:
        raise not_found(
            f"Membership for user with id {user_id} within organization id {org_id} not found"
        )
    return row


def assign_option(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    user_id = req.int_param("userId")
    data = validate(req.json(), ASSIGN_FIELDS)
    conn = req.conn
    attribute = find_attribute(conn, org_id, data["attributeId"])
    if attribute is None:
        raise not_found("Attribute not found")
    membership = _org_membership(conn, org_id, user_id)
    if not membership["accepted"]:
        raise not_found("User is not a member of the organization")
    if "value" in data and attribute["type"] in ("SINGLE_SELECT", "MULTI_SELECT"):
        raise bad_request("Attribute type does not support value")
    option_id = data.get("attributeOptionId")
    if option_id is None and "value" in data:
        option_id = insert_option(conn, attribute["id"], data["value"], _slugify(data["value"]))
    if option_id is None:  # the real service throws a plain Error here (Nest's 500); issue 8
        raise bad_request("Attribute option not found")  # asks for a 400: never a 500
    if (
        conn.execute("SELECT 1 FROM attribute_options WHERE id = ?", (option_id,)).fetchone()
        is None
    ):
        raise PrismaError(400)
    try:
        assignment_id = cuid()
        conn.execute(
            "INSERT INTO attribute_to_user (id, seq, member_id, attribute_option_id)"
            " VALUES (?, ?, ?, ?)",
            (assignment_id, next_seq(conn, "attribute_to_user"), membership["id"], option_id),
        )
    except sqlite3.IntegrityError:
        raise PrismaError(409) from None
    row = conn.execute("SELECT * FROM attribute_to_user WHERE id = ?", (assignment_id,)).fetchone()
    return created(assignment_out(row))


def _slugify(value: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in value)
    return "-".join(part for part in out.split("-") if part)


def unassign_option(req: Request) -> Reply:
    org_id = req.org("MEMBER")
    user_id = req.int_param("userId")
    membership = _org_membership(req.conn, org_id, user_id)
    row = req.conn.execute(
        "SELECT * FROM attribute_to_user WHERE member_id = ? AND attribute_option_id = ?",
        (membership["id"], req.params["attributeOptionId"]),
    ).fetchone()
    if row is None:
        raise not_found("Attribute does not belong to this user")
    req.conn.execute("DELETE FROM attribute_to_user WHERE id = ?", (row["id"],))
    return ok(assignment_out(row))


def user_options(req: Request) -> Reply:
    org_id = req.org("MEMBER")
    user_id = req.int_param("userId")
    membership = _org_membership(req.conn, org_id, user_id)
    rows = req.conn.execute(
        "SELECT o.* FROM attribute_to_user a JOIN attribute_options o"
        " ON o.id = a.attribute_option_id WHERE a.member_id = ? ORDER BY a.seq",
        (membership["id"],),
    ).fetchall()
    out = [
        {"id": r["id"], "attributeId": r["attribute_id"], "value": r["value"], "slug": r["slug"]}
        for r in rows
    ]
    return ok(out)


def _options_with_holders(
    conn: sqlite3.Connection, where: str, args: list[Any]
) -> dict[str, dict[str, Any]]:
    """Assigned options matching ``where`` (in option order), each with every holder's id."""
    sql = (
        "SELECT o.id, o.attribute_id, o.value, o.slug, m.user_id FROM attribute_options o"
        " JOIN attribute_to_user a ON a.attribute_option_id = o.id"
        " JOIN memberships m ON m.id = a.member_id"
        f" JOIN attributes t ON t.id = o.attribute_id WHERE {where} ORDER BY o.seq, a.seq"
    )
    options: dict[str, dict[str, Any]] = {}
    for row in conn.execute(sql, args):
        entry = options.setdefault(
            row["id"],
            {
                "id": row["id"],
                "attributeId": row["attribute_id"],
                "value": row["value"],
                "slug": row["slug"],
                "assignedUserIds": [],
            },
        )
        if row["user_id"] not in entry["assignedUserIds"]:
            entry["assignedUserIds"].append(row["user_id"])
    return options


def _assigned(req: Request, attribute: sqlite3.Row | None, org_id: int) -> Reply:
    """``getOrganizationAttributeAssignedOptions``: the attribute's options held by at least
    one user (with ``teamIds``: by at least one member of those teams; ``assignedUserIds``
    still lists every holder). With ``assignedOptionIds``, only the options whose holders also
    hold one of those options; 404 when none of them is held (in those teams) and the org has
    no unassigned option (the repository's ``every`` is true for an option nobody holds)."""
    page = req.page(bounded=False)
    option_ids = req.q_list("assignedOptionIds")
    team_ids = req.id_list("teamIds") or []
    if attribute is None:
        return ok([])
    in_teams: set[int] = set()
    if team_ids:
        marks = ",".join("?" * len(team_ids))
        sql = f"SELECT user_id FROM memberships WHERE team_id IN ({marks})"
        in_teams = {row[0] for row in req.conn.execute(sql, team_ids)}
    options = [
        option
        for option in _options_with_holders(
            req.conn, "o.attribute_id = ?", [attribute["id"]]
        ).values()
        if not team_ids or in_teams & set(option["assignedUserIds"])
    ]
    options = page.cut(options)
    if option_ids:
        marks = ",".join("?" * len(option_ids))
        held = _options_with_holders(
            req.conn, f"t.team_id = ? AND o.id IN ({marks})", [org_id, *option_ids]
        ).values()
        filtered = [o for o in held if not team_ids or in_teams & set(o["assignedUserIds"])]
        if not filtered and (team_ids or not _org_has_unassigned_option(req.conn, org_id)):
            raise not_found(NO_MATCH)
        matching = {user for option in filtered for user in option["assignedUserIds"]}
        options = [o for o in options if matching & set(o["assignedUserIds"])]
    return ok(options)


def _org_has_unassigned_option(conn: sqlite3.Connection, org_id: int) -> bool:
    sql = (
        "SELECT 1 FROM attribute_options o JOIN attributes t ON t.id = o.attribute_id"
        " WHERE t.team_id = ? AND NOT EXISTS"
        " (SELECT 1 FROM attribute_to_user a WHERE a.attribute_option_id = o.id) LIMIT 1"
    )
    return conn.execute(sql, (org_id,)).fetchone() is not None


def assigned_by_id(req: Request) -> Reply:
    org_id = req.org("MEMBER")
    return _assigned(req, find_attribute(req.conn, org_id, req.params["attributeId"]), org_id)


def assigned_by_slug(req: Request) -> Reply:
    org_id = req.org("MEMBER")
    attribute = req.conn.execute(
        "SELECT * FROM attributes WHERE slug = ? AND team_id = ?",
        (req.params["attributeSlug"], org_id),
    ).fetchone()
    return _assigned(req, attribute, org_id)


BASE = "/v2/organizations/{orgId}/attributes"
ROUTES = [
    ("POST", BASE + "/options/{userId}", assign_option),
    ("GET", BASE + "/options/{userId}", user_options),
    ("DELETE", BASE + "/options/{userId}/{attributeOptionId}", unassign_option),
    ("GET", BASE + "/slugs/{attributeSlug}/options/assigned", assigned_by_slug),
    ("GET", BASE + "/{attributeId}/options/assigned", assigned_by_id),
]
