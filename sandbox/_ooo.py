"""Out-of-office entries, per user and org-wide (api-notes §8).

Dates must be ``YYYY-MM-DDTHH:mm:ss(.sss)Z`` and become whole UTC days (start 00:00:00.000,
end 23:59:59.999). An identical (start, end) for the same user is a 409 - also when PATCHing
an entry with its own dates. The coverer (``toUserId``) must share a team or the org with the
user through an accepted membership of the user; redirect loops are refused.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import datetime
from typing import Any

from sandbox._errors import ValidationFailed, bad_request, conflict, forbidden
from sandbox._request import Reply, Request, created, ok
from sandbox._store import update_row
from sandbox._users import user_in_org
from sandbox._validation import Field, validate

REASONS = ("unspecified", "vacation", "travel", "sick", "public_holiday")
DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")
FIELDS = (
    Field("notes", "string"),
    Field("toUserId", "int"),
    Field("reason", "enum", choices=REASONS),
)


def ooo_out(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "userId": row["user_id"],
        "toUserId": row["to_user_id"],
        "id": row["id"],
        "uuid": row["uuid"],
        "start": row["start"],
        "end": row["end"],
        "notes": row["notes"],
        "reason": REASONS[row["reason_id"] - 1],
    }


def _day(value: Any, *, end: bool) -> str:
    """The whole-UTC-day bound for an input date, or 400 ``Invalid Date.``."""
    match = DATE_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise bad_request("Invalid Date.")
    try:
        datetime.strptime(match.group(1), "%Y-%m-%d")
    except ValueError:
        raise bad_request("Invalid Date.") from None
    return match.group(1) + ("T23:59:59.999Z" if end else "T00:00:00.000Z")


def _parse(req: Request, *, creating: bool) -> dict[str, Any]:
    body = req.json()
    if creating:
        missing = [name for name in ("start", "end") if body.get(name) is None]
        if missing:
            raise ValidationFailed(
                [
                    {
                        "target": body,
                        "property": name,
                        "children": [],
                        "constraints": {"isDate": f"{name} must be a Date instance"},
                    }
                    for name in missing
                ]
            )
    data = validate(body, FIELDS)
    for name in ("start", "end"):
        if body.get(name) is not None:
            data[name] = _day(body[name], end=name == "end")
    return data


def _check_rules(conn: sqlite3.Connection, user_id: int, data: dict[str, Any]) -> None:
    """OOOService rules, in the service's order."""
    if ("start" in data) != ("end" in data):
        raise bad_request("Please specify both ooo start and end time.")
    to_user = data.get("toUserId")
    if "start" in data:
        if data["start"] > data["end"]:
            raise bad_request("Start date must be before end date.")
        sql = (
            'SELECT 1 FROM ooo WHERE to_user_id = ? AND user_id != ? AND start <= ? AND "end" >= ?'
        )
        args: list[Any] = [user_id, user_id, data["end"], data["start"]]
        if to_user is not None:
            sql += " AND user_id = ?"
            args.append(to_user)
        if conn.execute(sql, args).fetchone():
            raise bad_request("Booking redirect infinite not allowed.")
        if conn.execute(
            'SELECT 1 FROM ooo WHERE user_id = ? AND start = ? AND "end" = ?',
            (user_id, data["start"], data["end"]),
        ).fetchone():
            raise conflict("Ooo entry already exists.")
    if to_user is not None:
        if to_user == user_id:
            raise bad_request("Cannot redirect to self.")
        shared = conn.execute(
            "SELECT 1 FROM memberships mine JOIN memberships theirs ON theirs.team_id ="
            " mine.team_id WHERE mine.user_id = ? AND mine.accepted = 1 AND theirs.user_id = ?",
            (user_id, to_user),
        ).fetchone()
        if shared is None:
            raise bad_request("Cannot redirect to this user.")


def _order(req: Request) -> str:
    sort_start, sort_end = req.q("sortStart"), req.q("sortEnd")
    validate(
        {k: v for k, v in {"sortStart": sort_start, "sortEnd": sort_end}.items() if v},
        (
            Field("sortStart", "enum", choices=("asc", "desc")),
            Field("sortEnd", "enum", choices=("asc", "desc")),
        ),
    )
    if sort_end:
        return f' ORDER BY o."end" {sort_end.upper()}, o.id'
    if sort_start:
        return f" ORDER BY o.start {sort_start.upper()}, o.id"
    return " ORDER BY o.id"


def _listing(req: Request, where: str, args: list[Any]) -> Reply:
    page = req.page()
    sql = "SELECT o.* FROM ooo o JOIN users u ON u.id = o.user_id WHERE " + where + _order(req)
    return ok([ooo_out(row) for row in page.rows(req.conn, sql, args)])


def list_user_ooo(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    user_id = req.int_param("userId")
    user_in_org(req, org_id, user_id)
    return _listing(req, "o.user_id = ?", [user_id])


def list_org_ooo(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    where, args = "u.organization_id = ?", [org_id]
    email = req.q("email")
    if email:
        where += " AND u.email = ?"
        args.append(email.lower())
    return _listing(req, where, args)


def create_ooo(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    user_id = req.int_param("userId")
    user_in_org(req, org_id, user_id)
    data = _parse(req, creating=True)
    _check_rules(req.conn, user_id, data)
    cur = req.conn.execute(
        'INSERT INTO ooo (uuid, user_id, to_user_id, start, "end", notes, reason_id)'
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            str(uuid.uuid4()),
            user_id,
            data.get("toUserId"),
            data["start"],
            data["end"],
            data.get("notes"),
            REASONS.index(data.get("reason", "unspecified")) + 1,
        ),
    )
    row = req.conn.execute("SELECT * FROM ooo WHERE id = ?", (cur.lastrowid,)).fetchone()
    return created(ooo_out(row))


def _own_entry(req: Request, user_id: int) -> sqlite3.Row:
    ooo_id = req.int_param("oooId")
    row = req.conn.execute(
        "SELECT * FROM ooo WHERE id = ? AND user_id = ?", (ooo_id, user_id)
    ).fetchone()
    if row is None:
        raise forbidden("This OOO entry does not belong to this user.")
    return row


def update_ooo(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    user_id = req.int_param("userId")
    user_in_org(req, org_id, user_id)
    row = _own_entry(req, user_id)
    data = _parse(req, creating=False)
    _check_rules(req.conn, user_id, data)
    columns = {"start": "start", "end": '"end"', "notes": "notes", "toUserId": "to_user_id"}
    values = {columns[k]: v for k, v in data.items() if k in columns}
    if "reason" in data:
        values["reason_id"] = REASONS.index(data["reason"]) + 1
    update_row(req.conn, "ooo", row["id"], values)
    fresh = req.conn.execute("SELECT * FROM ooo WHERE id = ?", (row["id"],)).fetchone()
    return ok(ooo_out(fresh))


def delete_ooo(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    user_id = req.int_param("userId")
    user_in_org(req, org_id, user_id)
    row = _own_entry(req, user_id)
    req.conn.execute("DELETE FROM ooo WHERE id = ?", (row["id"],))
    return ok(ooo_out(row))


BASE = "/v2/organizations/{orgId}/users/{userId}/ooo"
ROUTES = [
    ("GET", "/v2/organizations/{orgId}/ooo", list_org_ooo),
    ("GET", BASE, list_user_ooo),
    ("POST", BASE, create_ooo),
    ("PATCH", BASE + "/{oooId}", update_ooo),
    ("DELETE", BASE + "/{oooId}", delete_ooo),
]
