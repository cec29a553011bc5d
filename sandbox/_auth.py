"""Who is calling, and may they (api-notes §4, §10.3).

Credentials: ``Authorization: Bearer cal_...`` (an API key, looked up by the SHA-256 of the
part after ``cal_``) or the OAuth client pair ``x-cal-client-id`` + ``x-cal-secret-key``
(acts as the org's owner). Roles: org OWNER > ADMIN > MEMBER; an org ADMIN/OWNER passes every
TEAM_ADMIN check; otherwise the team membership must be ADMIN or OWNER.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from sandbox._errors import HttpError, forbidden
from sandbox._ratelimit import sha256

RANK = {"MEMBER": 1, "ADMIN": 2, "OWNER": 3}
NO_CREDENTIALS = (
    "ApiAuthStrategy - No authentication method provided. Either pass an API key as 'Bearer' "
    "header or OAuth client credentials as 'x-cal-secret-key' and 'x-cal-client-id' headers"
)


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    secret_key: str


def user_for_api_key(conn: sqlite3.Connection, token: str) -> int | None:
    """The user id owning ``cal_...`` key ``token``, or None if the key is unknown."""
    row = conn.execute(
        "SELECT user_id FROM api_keys WHERE hashed_key = ?", (sha256(token[len("cal_") :]),)
    ).fetchone()
    return None if row is None else int(row[0])


def authenticate(
    conn: sqlite3.Connection, headers: Mapping[str, str], oauth: OAuthClient, owner_id: int
) -> int:
    """The acting user's id, or 401 as ApiAuthGuard answers."""
    client_id = headers.get("x-cal-client-id")
    secret = headers.get("x-cal-secret-key")
    if client_id and secret:
        if client_id != oauth.client_id:
            raise HttpError(
                401, f"ApiAuthStrategy - oAuth client - Client with ID {client_id} not found"
            )
        if secret != oauth.secret_key:
            raise HttpError(401, "ApiAuthStrategy - oAuth client - Invalid client secret")
        return owner_id
    authorization = headers.get("authorization")
    if authorization:
        token = authorization.replace("Bearer ", "", 1)
        if token.startswith("cal_"):
            user_id = user_for_api_key(conn, token)
            if user_id is None:
                raise HttpError(401, "ApiAuthStrategy - api key - Your api key is not valid")
            return user_id
        raise HttpError(401, "ApiAuthStrategy - access token - Invalid Access Token")
    if client_id or secret:
        which = "x-cal-client-id" if client_id else "x-cal-secret-key"
        raise HttpError(401, f"Only '{which}' header provided. Please provide both headers.")
    raise HttpError(401, NO_CREDENTIALS)


def org_role(conn: sqlite3.Connection, user_id: int, org_id: int) -> str | None:
    row = conn.execute(
        "SELECT role FROM memberships WHERE user_id = ? AND team_id = ?", (user_id, org_id)
    ).fetchone()
    return None if row is None else row[0]


def require_org_role(conn: sqlite3.Connection, user_id: int, org_id: int, minimum: str) -> str:
    """RolesGuard for an org route: the caller's org role, or 403."""
    role = org_role(conn, user_id, org_id)
    if role is None:
        raise forbidden(f"RolesGuard - User is not a member of the organization with id={org_id}.")
    if RANK[role] < RANK[minimum]:
        raise forbidden(
            f"RolesGuard - user with id={user_id} does not have the minimum required "
            f"role=ORG_{minimum} within organization with id={org_id}."
        )
    return role


def require_team_admin(conn: sqlite3.Connection, user_id: int, org_id: int, team_id: int) -> None:
    """RolesGuard for TEAM_ADMIN routes inside an org: org admins pass ("org > team")."""
    role = org_role(conn, user_id, org_id)
    if role is None:
        raise forbidden(f"RolesGuard - User is not a member of the organization with id={org_id}.")
    if RANK[role] >= RANK["ADMIN"]:
        return
    team_role = org_role(conn, user_id, team_id)
    if team_role is None or RANK[team_role] < RANK["ADMIN"]:
        raise forbidden(
            f"RolesGuard - user with id={user_id} does not have the minimum required "
            f"role=TEAM_ADMIN within team with id={team_id}."
        )
