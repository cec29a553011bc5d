"""Custom roles of the org and of its teams, and their permissions (api-notes §9).

Both scopes need ORG_ADMIN. Create needs a ``name`` unique in the scope (duplicate -> 400);
``permissions`` on PATCH replace the whole set; unknown (or other-scope) role -> 404. The
permissions sub-resource adds (POST, 200), lists, replaces (PUT) and removes one or several
(DELETE, 204 without a body).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sandbox._errors import bad_request, not_found
from sandbox._permissions import first_invalid, invalid_message, is_permission_string
from sandbox._request import NO_CONTENT, Reply, Request, created, crud_routes, ok
from sandbox._store import cuid, iso_now, next_seq, owned_row, update_row
from sandbox._validation import Field, validate


def _scope(req: Request) -> tuple[int, bool]:
    """(owning team id, is team scope) after the route's guards."""
    if "teamId" in req.params:
        _, team_id = req.team(team_admin=False)
        return team_id, True
    return req.org("ADMIN"), False


def role_out(row: sqlite3.Row, team: bool) -> dict[str, Any]:
    out = {
        "id": row["id"],
        "name": row["name"],
        "color": row["color"],
        "description": row["description"],
        "type": row["type"],
        "permissions": json.loads(row["permissions"]),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }
    out["teamId" if team else "organizationId"] = row["team_id"]
    return out


def _permissions(data: dict[str, Any], team: bool) -> list[str] | None:
    if "permissions" not in data:
        return None
    bad = first_invalid(data["permissions"], team=team)
    if bad is not None:
        raise bad_request(invalid_message(bad))
    return list(dict.fromkeys(data["permissions"]))


def _role(req: Request, owner_id: int) -> sqlite3.Row:
    role_id = req.params["roleId"]
    row = owned_row(req.conn, "roles", role_id, owner_id)
    if row is None:
        raise not_found(f"Role with id {role_id} within team id {owner_id} not found")
    return row


def _name_taken(conn: sqlite3.Connection, owner_id: int, name: str, role_id: str = "") -> bool:
    row = conn.execute(
        "SELECT 1 FROM roles WHERE team_id = ? AND name = ? AND id != ?", (owner_id, name, role_id)
    ).fetchone()
    return row is not None


ROLE_FIELDS = (
    Field("color", "string"),
    Field("description", "string"),
    Field("permissions", "array"),
)


def list_roles(req: Request) -> Reply:
    owner_id, team = _scope(req)
    rows = req.page_rows("SELECT * FROM roles WHERE team_id = ? ORDER BY seq", [owner_id])
    return ok([role_out(row, team) for row in rows])


def get_role(req: Request) -> Reply:
    owner_id, team = _scope(req)
    return ok(role_out(_role(req, owner_id), team))


def create_role(req: Request) -> Reply:
    owner_id, team = _scope(req)
    data = validate(
        req.json(), (Field("name", "string", required=True, not_empty=True), *ROLE_FIELDS)
    )
    permissions = _permissions(data, team) or []
    conn = req.conn
    if _name_taken(conn, owner_id, data["name"]):
        raise bad_request(f'Role with name "{data["name"]}" already exists')
    role_id, now = cuid(), iso_now()
    conn.execute(
        "INSERT INTO roles (id, seq, team_id, name, color, description, permissions, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            role_id,
            next_seq(conn, "roles"),
            owner_id,
            data["name"],
            data.get("color"),
            data.get("description"),
            json.dumps(permissions),
            now,
            now,
        ),
    )
    return created(role_out(_role_by_id(conn, role_id), team))


def _role_by_id(conn: sqlite3.Connection, role_id: str) -> sqlite3.Row:
    return conn.execute("SELECT * FROM roles WHERE id = ?", (role_id,)).fetchone()


def update_role(req: Request) -> Reply:
    """Only name, color and permissions are written (the service drops description)."""
    owner_id, team = _scope(req)
    row = _role(req, owner_id)
    data = validate(req.json(), (Field("name", "string", not_empty=True), *ROLE_FIELDS))
    permissions = _permissions(data, team)
    if "name" in data and _name_taken(req.conn, owner_id, data["name"], row["id"]):
        raise bad_request(f'Role with name "{data["name"]}" already exists')
    values: dict[str, Any] = {k: data[k] for k in ("name", "color") if k in data}
    if permissions is not None:
        values["permissions"] = json.dumps(permissions)
    values["updated_at"] = iso_now()
    update_row(req.conn, "roles", row["id"], values)
    return ok(role_out(_role_by_id(req.conn, row["id"]), team))


def delete_role(req: Request) -> Reply:
    owner_id, team = _scope(req)
    row = _role(req, owner_id)
    req.conn.execute("DELETE FROM roles WHERE id = ?", (row["id"],))
    return ok(role_out(row, team))


def _set_permissions(req: Request, row: sqlite3.Row, permissions: list[str]) -> None:
    req.conn.execute(
        "UPDATE roles SET permissions = ?, updated_at = ? WHERE id = ?",
        (json.dumps(permissions), iso_now(), row["id"]),
    )


def _body_permissions(req: Request, team: bool) -> list[str]:
    data = validate(req.json(), (Field("permissions", "array", required=True),))
    return _permissions(data, team) or []


def list_permissions(req: Request) -> Reply:
    owner_id, _ = _scope(req)
    return ok(json.loads(_role(req, owner_id)["permissions"]))


def add_permissions(req: Request) -> Reply:
    owner_id, team = _scope(req)
    row = _role(req, owner_id)
    wanted = _body_permissions(req, team)
    merged = list(dict.fromkeys([*json.loads(row["permissions"]), *wanted]))
    _set_permissions(req, row, merged)
    return ok(merged)


def replace_permissions(req: Request) -> Reply:
    owner_id, team = _scope(req)
    row = _role(req, owner_id)
    wanted = _body_permissions(req, team)
    _set_permissions(req, row, wanted)
    return ok(wanted)


def remove_permission(req: Request) -> Reply:
    owner_id, _ = _scope(req)
    row = _role(req, owner_id)
    permission = req.params["permission"]
    if not is_permission_string(permission):
        raise bad_request(invalid_message(permission))
    current = json.loads(row["permissions"])
    _set_permissions(req, row, [p for p in current if p != permission])
    return NO_CONTENT


def remove_permissions(req: Request) -> Reply:
    owner_id, team = _scope(req)
    row = _role(req, owner_id)
    doomed = req.q_list("permissions")
    if not doomed:
        raise bad_request("permissions should not be empty")
    bad = first_invalid(doomed, team=team)
    if bad is not None:
        raise bad_request(invalid_message(bad))
    current = json.loads(row["permissions"])
    _set_permissions(req, row, [p for p in current if p not in doomed])
    return NO_CONTENT


def _routes(base: str) -> list[tuple[str, str, Any]]:
    one = base + "/{roleId}"
    return [
        *crud_routes(base, "roleId", (list_roles, create_role, get_role, update_role, delete_role)),
        ("GET", one + "/permissions", list_permissions),
        ("POST", one + "/permissions", add_permissions),
        ("PUT", one + "/permissions", replace_permissions),
        ("DELETE", one + "/permissions", remove_permissions),
        ("DELETE", one + "/permissions/{permission}", remove_permission),
    ]


ROUTES = [
    *_routes("/v2/organizations/{orgId}/roles"),
    *_routes("/v2/organizations/{orgId}/teams/{teamId}/roles"),
]
