"""What a resource handler sees: the parsed request, its caller and the shared state.

Handlers are plain (synchronous) functions ``handler(req) -> Reply``; SQLite calls are
microseconds, so nothing is gained by awaiting. Guards run in the order the real API runs
them: authentication (401), org and role guards (403), then body/query validation (400).
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox import _auth
from sandbox._errors import HttpError, bad_request, forbidden
from sandbox._pagination import Page, parse_page

if TYPE_CHECKING:
    from sandbox._runtime import Runtime


@dataclass(frozen=True)
class Reply:
    status: int
    data: Any = None
    bare: bool = False  # True: no envelope (204 bodies)

    def body(self) -> Any:
        if self.status == 204:
            return None
        return self.data if self.bare else {"status": "success", "data": self.data}


def ok(data: Any) -> Reply:
    return Reply(200, data)


def created(data: Any) -> Reply:
    return Reply(201, data)


NO_CONTENT = Reply(204)


def crud_routes(
    base: str, item: str, handlers: tuple[Callable[..., Reply], ...]
) -> list[tuple[str, str, Callable[..., Reply]]]:
    """A resource's five routes: list and create on ``base``; get, update and delete on
    ``base/{item}``. ``handlers`` come in that order."""
    one = f"{base}/{{{item}}}"
    methods = (("GET", base), ("POST", base), ("GET", one), ("PATCH", one), ("DELETE", one))
    return [
        (method, path, handler) for (method, path), handler in zip(methods, handlers, strict=True)
    ]


@dataclass
class Request:
    method: str
    path: str
    query_string: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    runtime: Runtime
    params: dict[str, str] = field(default_factory=dict)
    reorder_seed: int | None = None
    _user_id: int | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        return self.runtime.conn

    @property
    def full_path(self) -> str:
        return self.path + ("?" + self.query_string if self.query_string else "")

    def q(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def q_list(self, name: str) -> list[str]:
        """Repeated (``?a=1&a=2``) or comma-separated (``?a=1,2``) values."""
        out: list[str] = []
        for value in self.query.get(name, []):
            out += [part for part in value.split(",") if part != ""]
        return out

    def json(self) -> dict[str, Any]:
        if not self.body.strip():
            return {}
        try:
            data = json.loads(self.body)
        except json.JSONDecodeError as exc:
            raise bad_request(f"Unexpected token in JSON at position {exc.pos}") from None
        if not isinstance(data, dict):
            raise bad_request("Request body must be a JSON object")
        return data

    def int_param(self, name: str) -> int:
        """ParseIntPipe: a non-numeric path segment is a 400."""
        raw = self.params[name]
        if not raw.isdigit():
            raise bad_request("Validation failed (numeric string is expected)")
        return int(raw)

    # --- guards -------------------------------------------------------------------------

    @property
    def user_id(self) -> int:
        if self._user_id is None:
            rt = self.runtime
            self._user_id = _auth.authenticate(self.conn, self.headers, rt.oauth, rt.owner_id)
        return self._user_id

    def org(self, minimum: str) -> int:
        """ApiAuthGuard + IsOrgGuard + RolesGuard(ORG_<minimum>); returns the org id."""
        user_id = self.user_id
        org_id = self._is_org()
        _auth.require_org_role(self.conn, user_id, org_id, minimum)
        self._admin_api_enabled(org_id)
        return org_id

    def _admin_api_enabled(self, org_id: int) -> None:
        """IsAdminAPIEnabledGuard: last of the controller guards (after roles, PlatformPlan)."""
        if not self.runtime.admin_api:
            raise forbidden(
                f"IsAdminAPIEnabledGuard - Organization with id={org_id} does not have Admin API"
                " access. Please contact https://cal.com/sales to upgrade."
            )

    def _is_org(self) -> int:
        """IsOrgGuard: the path's org id must be this sandbox's org (else 403)."""
        org_id = self.int_param("orgId")
        if org_id != self.runtime.org_id:
            raise forbidden(
                f"IsOrgGuard - provided organization id={org_id} does not represent any "
                "existing organization."
            )
        return org_id

    def team(self, *, team_admin: bool) -> tuple[int, int]:
        """Guards of /organizations/{orgId}/teams/{teamId}/...: (org id, team id).

        ``team_admin`` routes need TEAM_ADMIN (org admins pass); the others need ORG_ADMIN.
        """
        user_id = self.user_id
        org_id = self._is_org()
        team_id = self.int_param("teamId")
        row = self.conn.execute("SELECT parent_id FROM teams WHERE id = ?", (team_id,)).fetchone()
        if row is None:
            raise HttpError(404, f"IsTeamInOrg - Team ({team_id}) not found.")
        if row[0] != org_id:
            raise forbidden(f"IsTeamInOrg - Team ({team_id}) is not part of the organization.")
        if team_admin:
            _auth.require_team_admin(self.conn, user_id, org_id, team_id)
        else:
            _auth.require_org_role(self.conn, user_id, org_id, "ADMIN")
        self._admin_api_enabled(org_id)
        return org_id, team_id

    def page(self, maximum: int | None = 250, *, bounded: bool = True) -> Page:
        take, skip = parse_page(
            {k: v[0] for k, v in self.query.items() if v}, maximum=maximum, bounded=bounded
        )
        shuffle = None if self.reorder_seed is None else random.Random(self.reorder_seed)
        return Page(take=take, skip=skip, shuffle=shuffle)

    def page_rows(self, sql: str, args: Sequence[Any], maximum: int = 250) -> list[sqlite3.Row]:
        """The requested page of an ordered query (``take``/``skip`` checked as the API does)."""
        return self.page(maximum).rows(self.conn, sql, args)
