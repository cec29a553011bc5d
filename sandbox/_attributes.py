"""Org attributes and their options: CRUD (api-notes §7.1, §7.2).

Quirks kept: options in the create body are stored only for SINGLE_SELECT / MULTI_SELECT;
GET of an unknown attribute is ``200`` with ``data: null``; PATCH/DELETE of an unknown one is
the Prisma 404; the slug is unique across the whole database (409); adding an option to an
unknown attribute is the Prisma 400; the options list is not paginated.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sandbox._errors import PrismaError, not_found
from sandbox._request import Reply, Request, created, crud_routes, ok
from sandbox._store import Transaction, cuid, next_seq, owned_row, update_row
from sandbox._validation import Field, validate

TYPES = ("TEXT", "NUMBER", "SINGLE_SELECT", "MULTI_SELECT")
SELECT_TYPES = ("SINGLE_SELECT", "MULTI_SELECT")


def _options_list(prop: str, value: Any) -> dict[str, str]:
    for item in value:
        if not isinstance(item, dict):
            return {"nestedValidation": f"each value in nested property {prop} must be an object"}
        for key in ("value", "slug"):
            if not isinstance(item.get(key), str) or not item[key]:
                return {"nestedValidation": f"{prop}.{key} must be a non-empty string"}
    return {}


CREATE_FIELDS = (
    Field("name", "string", required=True, not_empty=True),
    Field("slug", "string", required=True, not_empty=True),
    Field("type", "enum", required=True, choices=TYPES),
    Field("options", "array", required=True, check=_options_list),
    Field("enabled", "bool"),
)
UPDATE_FIELDS = (
    Field("name", "string", not_empty=True),
    Field("slug", "string", not_empty=True),
    Field("type", "enum", choices=TYPES),
    Field("enabled", "bool"),
)
OPTION_FIELDS = (
    Field("value", "string", required=True, not_empty=True),
    Field("slug", "string", required=True, not_empty=True),
)


def attribute_out(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "teamId": row["team_id"],
        "type": row["type"],
        "name": row["name"],
        "slug": row["slug"],
        "enabled": bool(row["enabled"]),
        "usersCanEditRelation": bool(row["users_can_edit_relation"]),
    }


def option_out(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "attributeId": row["attribute_id"],
        "value": row["value"],
        "slug": row["slug"],
    }


def find_attribute(conn: sqlite3.Connection, org_id: int, attribute_id: str) -> sqlite3.Row | None:
    return owned_row(conn, "attributes", attribute_id, org_id)


def insert_option(conn: sqlite3.Connection, attribute_id: str, value: str, slug: str) -> str:
    option_id = cuid()
    conn.execute(
        "INSERT INTO attribute_options (id, seq, attribute_id, value, slug) VALUES (?, ?, ?, ?, ?)",
        (option_id, next_seq(conn, "attribute_options"), attribute_id, value, slug),
    )
    return option_id


def list_attributes(req: Request) -> Reply:
    org_id = req.org("MEMBER")
    rows = req.page_rows("SELECT * FROM attributes WHERE team_id = ? ORDER BY seq", [org_id])
    return ok([attribute_out(row) for row in rows])


def get_attribute(req: Request) -> Reply:
    org_id = req.org("MEMBER")
    row = find_attribute(req.conn, org_id, req.params["attributeId"])
    return ok(None if row is None else attribute_out(row))


def create_attribute(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    data = validate(req.json(), CREATE_FIELDS)
    conn = req.conn
    if conn.execute("SELECT 1 FROM attributes WHERE slug = ?", (data["slug"],)).fetchone():
        raise PrismaError(409)
    attribute_id = cuid()
    with Transaction(conn):
        conn.execute(
            "INSERT INTO attributes (id, seq, team_id, type, name, slug, enabled)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                attribute_id,
                next_seq(conn, "attributes"),
                org_id,
                data["type"],
                data["name"],
                data["slug"],
                data.get("enabled", True),
            ),
        )
        if data["type"] in SELECT_TYPES:
            for option in data["options"]:
                insert_option(conn, attribute_id, option["value"], option["slug"])
    return created(attribute_out(find_attribute(conn, org_id, attribute_id)))


def update_attribute(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    data = validate(req.json(), UPDATE_FIELDS)
    conn = req.conn
    row = find_attribute(conn, org_id, req.params["attributeId"])
    if row is None:
        raise PrismaError(404)
    if (
        "slug" in data
        and conn.execute(
            "SELECT 1 FROM attributes WHERE slug = ? AND id != ?", (data["slug"], row["id"])
        ).fetchone()
    ):
        raise PrismaError(409)
    update_row(conn, "attributes", row["id"], data)
    return ok(attribute_out(find_attribute(conn, org_id, row["id"])))


def delete_attribute(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    row = find_attribute(req.conn, org_id, req.params["attributeId"])
    if row is None:
        raise PrismaError(404)
    req.conn.execute("DELETE FROM attributes WHERE id = ?", (row["id"],))
    return ok(attribute_out(row))


def _option_row(conn: sqlite3.Connection, attribute_id: str, option_id: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM attribute_options WHERE id = ? AND attribute_id = ?",
        (option_id, attribute_id),
    ).fetchone()


def list_options(req: Request) -> Reply:
    org_id = req.org("MEMBER")
    rows = req.conn.execute(
        "SELECT o.* FROM attribute_options o JOIN attributes a ON a.id = o.attribute_id"
        " WHERE o.attribute_id = ? AND a.team_id = ? ORDER BY o.seq",
        (req.params["attributeId"], org_id),
    ).fetchall()
    return ok([option_out(row) for row in rows])


def create_option(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    data = validate(req.json(), OPTION_FIELDS)
    attribute_id = req.params["attributeId"]
    if find_attribute(req.conn, org_id, attribute_id) is None:
        raise PrismaError(400)
    option_id = insert_option(req.conn, attribute_id, data["value"], data["slug"])
    return created(option_out(_option_row(req.conn, attribute_id, option_id)))


def update_option(req: Request) -> Reply:
    req.org("ADMIN")
    fields = (Field("value", "string", not_empty=True), Field("slug", "string", not_empty=True))
    data = validate(req.json(), fields)
    attribute_id, option_id = req.params["attributeId"], req.params["optionId"]
    if _option_row(req.conn, attribute_id, option_id) is None:
        raise PrismaError(404)
    update_row(req.conn, "attribute_options", option_id, data)
    return ok(option_out(_option_row(req.conn, attribute_id, option_id)))


def delete_option(req: Request) -> Reply:
    req.org("ADMIN")
    row = _option_row(req.conn, req.params["attributeId"], req.params["optionId"])
    if row is None:
        raise not_found("Attribute option not found")
    req.conn.execute("DELETE FROM attribute_options WHERE id = ?", (row["id"],))
    return ok(option_out(row))


BASE = "/v2/organizations/{orgId}/attributes"
ROUTES = [
    *crud_routes(
        BASE,
        "attributeId",
        (list_attributes, create_attribute, get_attribute, update_attribute, delete_attribute),
    ),
    ("GET", BASE + "/{attributeId}/options", list_options),
    ("POST", BASE + "/{attributeId}/options", create_option),
    ("PATCH", BASE + "/{attributeId}/options/{optionId}", update_option),
    ("DELETE", BASE + "/{attributeId}/options/{optionId}", delete_option),
]
