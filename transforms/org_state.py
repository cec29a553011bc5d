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


def _rows(tables: dict[str, pl.DataFrame], name: str) -> list[dict]:
    frame = tables.get(name)
    return [] if frame is None else frame.to_dicts()


def org_state_from_tables(tables: dict[str, pl.DataFrame]) -> OrgState:
    """Index the snapshot tables for validation and planning."""
    state = OrgState()
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
