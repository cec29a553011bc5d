"""What a resource handler sees: the parsed request, its caller and the shared state.

Handlers are plain (synchronous) functions ``handler(req) -> Reply``; SQLite calls are
microseconds, so nothing is gained by awaiting. Guards run in the order the real API runs
them: authentication (401), org and role guards (403), then body/query validation (400).
"""

from __future__ import annotations

import json
import math
import random
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox import _auth
from sandbox._errors import HttpError, ValidationFailed, bad_request, forbidden
from sandbox._pagination import Page, parse_page

if TYPE_CHECKING:
    from sandbox._runtime import Runtime


INT64_MAX = 2**63 - 1
_INT_TEXT = re.compile(r"^-?[0-9]+$")


def is_int64_text(text: str) -> bool:
    """ASCII digits (``str.isdigit`` also takes '²' and '١') of a number that fits 64 bits."""
    return bool(_INT_TEXT.match(text)) and abs(int(text)) <= INT64_MAX


def _not_json(constant: str) -> Any:
    raise ValueError(f"Unexpected token {constant[0]} in JSON: {constant} is not JSON")


def _check_numbers(value: Any, where: str) -> None:
    """400 for a value no column or JSON reader keeps (walks the parsed body): a number
    outside 64 bits, a string with a lone surrogate (``"\\ud800"``: not storable as UTF-8)."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, where)
            _check_numbers(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_numbers(item, f"{where}[{index}]")
    elif isinstance(value, str):
        _check_text(value, where)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int) and abs(value) > INT64_MAX:
        raise bad_request(f"{where}: the number {value} is outside the 64-bit integer range")
    elif isinstance(value, float) and not math.isfinite(value):
        raise bad_request(f"{where}: the number is too large")


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise bad_request(
            f"{where or 'body'}: text with an unpaired surrogate is not valid"
        ) from None


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
        """The body as a JSON object; anything the API could not store is a 400 here: bytes
        that are not UTF-8, ``NaN``/``Infinity`` (not JSON), and numbers outside the 64-bit
        range (Prisma's columns and JSON reads cannot hold them)."""
        if not self.body.strip():
            return {}
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise bad_request(f"Request body is not valid UTF-8 (byte {exc.start})") from None
        try:
            data = json.loads(text, parse_constant=_not_json)
        except json.JSONDecodeError as exc:
            raise bad_request(f"Unexpected token in JSON at position {exc.pos}") from None
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        if not isinstance(data, dict):
            raise bad_request("Request body must be a JSON object")
        _check_numbers(data, "")
        return data

    def int_param(self, name: str) -> int:
        """ParseIntPipe: a non-numeric (or not 64-bit) path segment is a 400."""
        raw = self.params[name]
        if not is_int64_text(raw):
            raise bad_request("Validation failed (numeric string is expected)")
        return int(raw)

    def id_list(self, name: str) -> list[int] | None:
        """A list filter of numeric ids (``?teamIds=1,2``): each must be a 64-bit integer."""
        values = self.q_list(name)
        if not values:
            return None
        if not all(is_int64_text(v) for v in values):
            raise ValidationFailed(
                [
                    {
                        "target": {name: values},
                        "value": values,
                        "property": name,
                        "children": [],
                        "constraints": {"isInt": f"each value in {name} must be an integer number"},
                    }
                ]
            )
        return [int(v) for v in values]

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
