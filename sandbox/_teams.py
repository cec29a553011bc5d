"""Teams inside the org and their memberships (api-notes §10).

Team routes: list/create/update/delete need ORG_ADMIN, GET one needs TEAM_ADMIN (org admins
pass), ``/teams/me`` any member. Team memberships need TEAM_ADMIN; the user must belong to
the org (422), a second membership of the same user is the Prisma 409.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from typing import Any

from sandbox._auth import RANK, org_role
from sandbox._errors import HttpError, PrismaError
from sandbox._memberships import (
    MEMBERSHIP_FIELDS,
    MEMBERSHIP_SQL,
    find_membership,
    membership_out,
    update_membership_row,
)
from sandbox._ratelimit import ORG_TEAMS_DELETE, throttled
from sandbox._request import Reply, Request, created, crud_routes, ok
from sandbox._store import Transaction, update_row
from sandbox._validation import Field, validate

TEAM_FIELDS = (
    Field("slug", "string"),
    Field("logoUrl", "string"),
    Field("calVideoLogo", "string"),
    Field("appLogo", "string"),
    Field("appIconLogo", "string"),
    Field("bio", "string"),
    Field("hideBranding", "bool"),
    Field("isPrivate", "bool"),
    Field("hideBookATeamMember", "bool"),
    Field("metadata", "object"),
    Field("theme", "string"),
    Field("brandColor", "string"),
    Field("darkBrandColor", "string"),
    Field("bannerUrl", "string"),
    Field("timeFormat", "int"),
    Field("timeZone", "string"),
    Field("weekStart", "string"),
)
COLUMNS = {
    "name": "name",
    "slug": "slug",
    "bio": "bio",
    "hideBranding": "hide_branding",
    "isPrivate": "is_private",
}


def team_out(row: sqlite3.Row) -> dict[str, Any]:
    extra = json.loads(row["extra"])
    out = {
        "id": row["id"],
        "parentId": row["parent_id"],
        "name": row["name"],
        "slug": row["slug"],
        "bio": row["bio"],
        "hideBranding": bool(row["hide_branding"]),
        "isOrganization": bool(row["is_organization"]),
        "isPrivate": bool(row["is_private"]),
        "hideBookATeamMember": False,
        "metadata": {},
        "theme": None,
        "brandColor": None,
        "darkBrandColor": None,
        "timeFormat": None,
        "timeZone": "Europe/London",
        "weekStart": "Sunday",
    }
    out.update(extra)
    return {k: v for k, v in out.items() if v is not None}


def _write_team(conn: sqlite3.Connection, team_id: int, data: dict[str, Any]) -> None:
    values = {COLUMNS[k]: v for k, v in data.items() if k in COLUMNS}
    row = conn.execute("SELECT extra FROM teams WHERE id = ?", (team_id,)).fetchone()
    extra = json.loads(row["extra"])
    extra.update({k: v for k, v in data.items() if k not in COLUMNS and k != "autoAcceptCreator"})
    values["extra"] = json.dumps(extra)
    update_row(conn, "teams", team_id, values)


def _team_row(conn: sqlite3.Connection, team_id: int) -> sqlite3.Row:
    return conn.execute("SELECT * FROM teams WHERE id = ?", (team_id,)).fetchone()


def list_teams(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    rows = req.page_rows("SELECT * FROM teams WHERE parent_id = ? ORDER BY id", [org_id])
    return ok([team_out(row) for row in rows])


def slugify(text: str) -> str:
    """``@calcom/lib/slugify`` in short: accents dropped, lower case, runs of anything but
    letters and digits become one ``-``, no ``-`` at either end (what create team stores when
    no slug is given: the e2e "with automatically set slug")."""
    plain = unicodedata.normalize("NFD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def my_teams(req: Request) -> Reply:
    """Org admins see every team, members their own; a team the caller belongs to carries
    the caller's ``role`` and ``accepted`` (``OrgMeTeamOutputDto``)."""
    org_id = req.org("MEMBER")
    mine = (
        "LEFT JOIN"
        if RANK[org_role(req.conn, req.user_id, org_id) or "MEMBER"] >= RANK["ADMIN"]
        else "JOIN"
    )
    sql = (
        "SELECT t.*, m.role AS my_role, m.accepted AS my_accepted FROM teams t"
        f" {mine} memberships m ON m.team_id = t.id AND m.user_id = ?"
        " WHERE t.parent_id = ? ORDER BY t.id"
    )
    out = []
    for row in req.page_rows(sql, [req.user_id, org_id]):
        team = team_out(row)
        if row["my_role"] is not None:
            team.update(role=row["my_role"], accepted=bool(row["my_accepted"]))
        out.append(team)
    return ok(out)


def get_team(req: Request) -> Reply:
    _, team_id = req.team(team_admin=True)
    return ok(team_out(_team_row(req.conn, team_id)))


def create_team(req: Request) -> Reply:
    """The creator becomes an OWNER of the new team (accepted unless autoAcceptCreator=false)."""
    org_id = req.org("ADMIN")
    fields = (
        Field("name", "string", required=True, not_empty=True),
        *TEAM_FIELDS,
        Field("autoAcceptCreator", "bool"),
    )
    data = validate(req.json(), fields)
    with Transaction(req.conn) as conn:
        cur = conn.execute(
            "INSERT INTO teams (parent_id, name, slug) VALUES (?, ?, ?)",
            (org_id, data["name"], data.get("slug") or slugify(data["name"])),
        )
        team_id = int(cur.lastrowid)
        _write_team(conn, team_id, data)
        conn.execute(
            "INSERT INTO memberships (user_id, team_id, role, accepted) VALUES (?, ?, 'OWNER', ?)",
            (req.user_id, team_id, data.get("autoAcceptCreator", True)),
        )
    return created(team_out(_team_row(req.conn, team_id)))


def update_team(req: Request) -> Reply:
    _, team_id = req.team(team_admin=False)
    fields = (
        Field("name", "string", not_empty=True),
        *TEAM_FIELDS,
        Field("bookingLimits", "string"),
        Field("includeManagedEventsInLimits", "bool"),
    )
    data = validate(req.json(), fields)
    _write_team(req.conn, team_id, data)
    return ok(team_out(_team_row(req.conn, team_id)))


@throttled(ORG_TEAMS_DELETE)
def delete_team(req: Request) -> Reply:
    _, team_id = req.team(team_admin=False)
    row = _team_row(req.conn, team_id)
    with Transaction(req.conn) as conn:
        conn.execute("DELETE FROM roles WHERE team_id = ?", (team_id,))
        conn.execute("DELETE FROM teams WHERE id = ?", (team_id,))
    return ok(team_out(row))


def _team_membership(req: Request, team_id: int) -> sqlite3.Row:
    return find_membership(req, team_id, "Organization's Team membership not found")


def list_team_memberships(req: Request) -> Reply:
    _, team_id = req.team(team_admin=True)
    rows = req.page_rows(MEMBERSHIP_SQL + " WHERE m.team_id = ? ORDER BY m.id", [team_id])
    return ok([membership_out(row, None) for row in rows])


def get_team_membership(req: Request) -> Reply:
    _, team_id = req.team(team_admin=True)
    return ok(membership_out(_team_membership(req, team_id), None))


def create_team_membership(req: Request) -> Reply:
    org_id, team_id = req.team(team_admin=True)
    data = validate(req.json(), (Field("userId", "int", required=True), *MEMBERSHIP_FIELDS))
    conn = req.conn
    in_org = conn.execute(
        "SELECT 1 FROM users WHERE id = ? AND organization_id = ?", (data["userId"], org_id)
    ).fetchone()
    if in_org is None:
        raise HttpError(422, "User is not part of the Organization")
    try:
        cur = conn.execute(
            "INSERT INTO memberships (user_id, team_id, role, accepted, disable_impersonation)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                data["userId"],
                team_id,
                data.get("role", "MEMBER"),
                data.get("accepted", False),
                data.get("disableImpersonation", False),
            ),
        )
    except sqlite3.IntegrityError:
        raise PrismaError(409) from None
    row = conn.execute(MEMBERSHIP_SQL + " WHERE m.id = ?", (cur.lastrowid,)).fetchone()
    return created(membership_out(row, None))


def update_team_membership(req: Request) -> Reply:
    _, team_id = req.team(team_admin=True)
    row = _team_membership(req, team_id)
    update_membership_row(req.conn, row["id"], validate(req.json(), MEMBERSHIP_FIELDS))
    return ok(membership_out(_team_membership(req, team_id), None))


def delete_team_membership(req: Request) -> Reply:
    _, team_id = req.team(team_admin=True)
    row = _team_membership(req, team_id)
    req.conn.execute("DELETE FROM memberships WHERE id = ?", (row["id"],))
    return ok(membership_out(row, None))


BASE = "/v2/organizations/{orgId}/teams"
ROUTES = [
    ("GET", BASE + "/me", my_teams),
    *crud_routes(BASE, "teamId", (list_teams, create_team, get_team, update_team, delete_team)),
    *crud_routes(
        BASE + "/{teamId}/memberships",
        "membershipId",
        (
            list_team_memberships,
            create_team_membership,
            get_team_membership,
            update_team_membership,
            delete_team_membership,
        ),
    ),
]
