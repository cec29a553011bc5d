"""The organization's current state, as the import sees it: lookups over the snapshot tables.

Built from the export's snapshot tables (the contract in ``transforms.snapshot.schemas``: users,
memberships, attributes, attribute_options, attribute_assignments, ooo_entries, teams,
team_memberships, roles, role_permissions). A missing table counts as empty, so validation and
planning also run offline against a partial state. Names are matched case-insensitively.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import polars as pl

from transforms.sheets.columns import normalise_header
from transforms.validate.rules import canonical_number


def _key(text: object) -> str:
    return str(text).strip().casefold()


@dataclass(frozen=True)
class Attribute:
    attribute_id: str
    name: str
    slug: str
    type: str


@dataclass
class OrgState:
    """Lookups by email, name and id over one read of the organization."""

    users_by_email: dict[str, dict] = field(default_factory=dict)
    users_by_username: dict[str, int] = field(default_factory=dict)
    org_roles: dict[int, str] = field(default_factory=dict)
    org_membership_ids: dict[int, int] = field(default_factory=dict)
    accepted: dict[int, bool] = field(default_factory=dict)
    attributes: dict[str, Attribute] = field(default_factory=dict)
    options: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    assignments: dict[int, dict[str, dict[str, str]]] = field(default_factory=dict)
    teams_by_name: dict[str, dict] = field(default_factory=dict)
    team_memberships: dict[int, dict[int, dict]] = field(default_factory=dict)
    ooo_keys: set[tuple[int, str, str]] = field(default_factory=set)
    roles: dict[tuple[int | None, str], dict] = field(default_factory=dict)
    role_permissions: dict[str, set[str]] = field(default_factory=dict)
    _frames: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False, compare=False)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    def attribute_for_header(self, header: str) -> Attribute | None:
        """The org attribute a users-sheet column means (by name or slug, any case/spacing)."""
        wanted = normalise_header(header)
        for attribute in self.attributes.values():
            if wanted in (normalise_header(attribute.name), normalise_header(attribute.slug)):
                return attribute
        return None

    def option_for(self, attribute_id: str, value: str) -> tuple[str, str] | None:
        """(option_id, canonical value) of the option whose value or slug matches ``value``."""
        return self.options.get(attribute_id, {}).get(_key(value))

    def option_values(self, attribute_id: str) -> list[str]:
        return sorted({v for _id, v in self.options.get(attribute_id, {}).values()})

    def team(self, name: str) -> dict | None:
        return self.teams_by_name.get(_key(name))

    def user(self, email: str) -> dict | None:
        return self.users_by_email.get(_key(email))

    def forget_frames(self) -> None:
        """Drop the frames built so far (after planned definitions were added)."""
        self._frames.clear()

    def frame(self, name: str) -> pl.DataFrame:
        """The state as a frame for joins (built once): see :data:`STATE_FRAMES` for the names.

        Keys are the lookups' keys (``email``: trimmed, case-folded), so a join on a file's
        normalised column finds what :meth:`user` or :meth:`team` would.
        """
        if name not in self._frames:
            self._frames[name] = STATE_FRAMES[name](self)
        return self._frames[name]


def _users_frame(state: OrgState) -> pl.DataFrame:
    """One row per member: email key, ids, the fields the import may change, and org role."""
    users = list(state.users_by_email.items())
    ids = [u["user_id"] for _k, u in users]
    return pl.DataFrame(
        {
            "email": [k for k, _u in users],
            "user_id": ids,
            "username": [_lower(u.get("username")) for _k, u in users],
            "time_zone": [u.get("time_zone") for _k, u in users],
            "locale": [u.get("locale") for _k, u in users],
            "time_format": [_int(u.get("time_format")) for _k, u in users],
            "org_role": [state.org_roles.get(i) for i in ids],
            "org_membership_id": [state.org_membership_ids.get(i) for i in ids],
            "pending": [state.accepted.get(i) is False for i in ids],
        },
        schema={
            "email": pl.Utf8,
            "user_id": pl.Int64,
            "username": pl.Utf8,
            "time_zone": pl.Utf8,
            "locale": pl.Utf8,
            "time_format": pl.Int64,
            "org_role": pl.Utf8,
            "org_membership_id": pl.Int64,
            "pending": pl.Boolean,
        },
    )


def _lower(value: object) -> str | None:
    return value.lower() if isinstance(value, str) else None


def _int(value: object) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _usernames_frame(state: OrgState) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "username": list(state.users_by_username),
            "owner_id": list(state.users_by_username.values()),
        },
        schema={"username": pl.Utf8, "owner_id": pl.Int64},
    )


def _team_memberships_frame(state: OrgState) -> pl.DataFrame:
    rows = [
        (user_id, team_id, m["membership_id"], m["role"])
        for user_id, held in state.team_memberships.items()
        for team_id, m in held.items()
    ]
    return pl.DataFrame(
        rows,
        schema={
            "user_id": pl.Int64,
            "team_id": pl.Int64,
            "membership_id": pl.Int64,
            "held_role": pl.Utf8,
        },
        orient="row",
    )


def _team_names_frame(state: OrgState) -> pl.DataFrame:
    names = {t["team_id"]: t["name"] for t in state.teams_by_name.values()}
    return pl.DataFrame(
        {"team_id": list(names), "team_name": list(names.values())},
        schema={"team_id": pl.Int64, "team_name": pl.Utf8},
    )


def _assignments_frame(state: OrgState) -> pl.DataFrame:
    rows = [
        (user_id, attribute_id, option_id, value)
        for user_id, by_attribute in state.assignments.items()
        for attribute_id, held in by_attribute.items()
        for option_id, value in held.items()
    ]
    return pl.DataFrame(
        rows,
        schema={
            "user_id": pl.Int64,
            "attribute_id": pl.Utf8,
            "held_option_id": pl.Utf8,
            "held_value": pl.Utf8,
        },
        orient="row",
    )


def _ooo_frame(state: OrgState) -> pl.DataFrame:
    return pl.DataFrame(
        sorted(state.ooo_keys),
        schema={"user_id": pl.Int64, "start": pl.Utf8, "end": pl.Utf8},
        orient="row",
    ).with_columns(exists=pl.lit(True))


STATE_FRAMES = {
    "users": _users_frame,
    "usernames": _usernames_frame,
    "team_memberships": _team_memberships_frame,
    "team_names": _team_names_frame,
    "assignments": _assignments_frame,
    "ooo": _ooo_frame,
}


def _rows(tables: dict[str, pl.DataFrame], name: str) -> list[dict]:
    frame = tables.get(name)
    return [] if frame is None else frame.to_dicts()


def org_state_from_tables(tables: dict[str, pl.DataFrame]) -> OrgState:
    """Index the snapshot tables for validation and planning."""
    state = OrgState(tables=dict(tables))
    for user in _rows(tables, "users"):
        state.users_by_email[_key(user["email"])] = user
        if user.get("username"):
            state.users_by_username[_key(user["username"])] = user["user_id"]
    for membership in _rows(tables, "memberships"):
        state.org_roles[membership["user_id"]] = membership["role"]
        state.org_membership_ids[membership["user_id"]] = membership["membership_id"]
        state.accepted[membership["user_id"]] = bool(membership.get("accepted", True))
    for row in _rows(tables, "attributes"):
        attribute = Attribute(str(row["attribute_id"]), row["name"], row["slug"], row["type"])
        state.attributes[attribute.attribute_id] = attribute
    _index_options(state, _rows(tables, "attribute_options"))
    _index_assignments(state, _rows(tables, "attribute_assignments"))
    for team in _rows(tables, "teams"):
        state.teams_by_name[_key(team["name"])] = team
        if team.get("slug"):
            state.teams_by_name.setdefault(_key(team["slug"]), team)
    for membership in _rows(tables, "team_memberships"):
        state.team_memberships.setdefault(membership["user_id"], {})[membership["team_id"]] = (
            membership
        )
    for entry in _rows(tables, "ooo_entries"):
        state.ooo_keys.add(
            (entry["user_id"], entry["start"].date().isoformat(), entry["end"].date().isoformat())
        )
    for role in _rows(tables, "roles"):
        state.roles[(role.get("team_id"), _key(role["name"]))] = role
    permissions: dict[str, set[str]] = defaultdict(set)
    for row in _rows(tables, "role_permissions"):
        permissions[str(row["role_id"])].add(row["permission"])
    state.role_permissions = dict(permissions)
    return state


def _index_options(state: OrgState, rows: list[dict]) -> None:
    """Options by attribute, findable by value and by slug (first option wins on clashes)."""
    for row in sorted(rows, key=lambda r: str(r["option_id"])):
        by_key = state.options.setdefault(str(row["attribute_id"]), {})
        entry = (str(row["option_id"]), row["value"])
        by_key.setdefault(_key(row["value"]), entry)
        number = canonical_number(str(row["value"]))
        if number is not None:
            by_key.setdefault(number, entry)
        if row.get("slug"):
            by_key.setdefault(_key(row["slug"]), entry)


def _index_assignments(state: OrgState, rows: list[dict]) -> None:
    """user -> attribute -> {option_id: value}. Options the API gave no id for are looked up."""
    for row in rows:
        attribute_id = str(row["attribute_id"])
        option_id = row.get("option_id")
        if option_id is None and row.get("value") is not None:
            found = state.option_for(attribute_id, str(row["value"]))
            option_id = found[0] if found else None
        if option_id is None:
            continue
        held = state.assignments.setdefault(row["user_id"], {}).setdefault(attribute_id, {})
        held[str(option_id)] = row.get("value") or ""
