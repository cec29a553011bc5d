"""Plan the users sheet: desired rows minus the org's current users, memberships and options.

Rules the API forces (api-notes §5-§7):
- ``name`` cannot be set (no such field): reported in the row's notes, never sent. Neither is
  ``week_start`` (the API's ``weekday`` field writes a column that does not exist).
- An empty cell leaves the value as it is. In ``sync`` mode an empty teams or attribute cell
  (in a column the file has) removes what the user holds there; ``add`` never removes.
- A single-valued attribute (SINGLE_SELECT, TEXT, NUMBER) changes by unassign + assign, in both
  modes: assigning never replaces.
- TEXT/NUMBER values reuse the option holding that value; a value no option holds is created
  once, in the prelude, and assigned by id, so re-runs never multiply options.
- Users are never deleted.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from transforms.org_state import Attribute, OrgState
from transforms.plan.steps import RowPlan, Step
from transforms.validate.cells import WantedOption, parse_attribute_cell, parse_teams
from transforms.validate.rules import canonical_number

SINGLE_VALUED = ("SINGLE_SELECT", "TEXT", "NUMBER")
# sheet column -> (API field, how to compare/convert the sheet's text)
USER_FIELDS: dict[str, tuple[str, Any]] = {
    "username": ("username", str),
    "time_zone": ("timeZone", str),
    "locale": ("locale", str),
    "time_format": ("timeFormat", int),
}
NOT_SENT = {
    "name": "name is not settable through the Cal.com API v2; not sent",
    "week_start": "week start is not settable through the Cal.com API v2; not sent",
}


class OptionPrelude:
    """Options to create before any row runs, each (attribute, value) once."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self._seen: set[tuple[str, str]] = set()

    def need(self, wanted: WantedOption, attribute: Attribute) -> None:
        key = (wanted.attribute_id, wanted.value.casefold())
        if key in self._seen:
            return
        self._seen.add(key)
        params = {"attribute_id": wanted.attribute_id, "value": wanted.value}
        self.steps.append(
            Step("create_option", params, f"create option {wanted.value!r} of {attribute.name}")
        )


def plan_users(
    frame: pl.DataFrame,
    state: OrgState,
    attribute_columns: dict[str, Attribute],
    *,
    mode: str,
    create_missing_options: bool,
    skip_rows: set[int],
    prelude: OptionPrelude,
    present: set[str],
) -> list[RowPlan]:
    """One RowPlan per valid users row, in file order (``present``: columns the file has)."""
    plans = []
    for record in frame.iter_rows(named=True):
        if record["row"] in skip_rows:
            continue
        user = state.user(record["email"])
        plan = RowPlan(
            "users",
            record["row"],
            record["email"],
            user["user_id"] if user else None,
            creates=user is None,
        )
        plan.notes += [note for column, note in NOT_SENT.items() if record.get(column)]
        plan.steps += _user_steps(record, user, state)
        if "teams" in present:
            plan.steps += _team_steps(record, plan.user_id, state, mode)
        for header, attribute in attribute_columns.items():
            wanted, _ = parse_attribute_cell(
                attribute, record[header], state, create_missing_options
            )
            for option in wanted:
                if option.option_id is None:
                    prelude.need(option, attribute)
            plan.steps += _attribute_steps(attribute, wanted, plan.user_id, state, mode)
        plans.append(plan)
    return plans


def _user_steps(record: dict, user: dict | None, state: OrgState) -> list[Step]:
    fields = {
        api: convert(record[col])
        for col, (api, convert) in USER_FIELDS.items()
        if record.get(col) is not None
    }
    if user is None:
        body = {
            "email": record["email"],
            **fields,
            "organizationRole": record.get("org_role") or "MEMBER",
            "autoAccept": True,
        }
        return [Step("create_user", body, f"create user {record['email']}")]
    changed = {
        api: value
        for col, (api, _c) in USER_FIELDS.items()
        if (value := fields.get(api)) is not None and _current(user, col) != value
    }
    steps = []
    if changed:
        what = ", ".join(f"{k}={v}" for k, v in changed.items())
        steps.append(Step("update_user", changed, f"update {what}"))
    role = record.get("org_role")
    current_role = state.org_roles.get(user["user_id"])
    if role and current_role and role != current_role:
        params = {"membership_id": state.org_membership_ids[user["user_id"]], "role": role}
        steps.append(Step("change_org_role", params, f"org role {current_role} -> {role}"))
    return steps


def _current(user: dict, column: str) -> Any:
    value = user.get(column)
    if column == "username" and isinstance(value, str):
        return value.lower()
    return value


def _team_steps(record: dict, user_id: int | None, state: OrgState, mode: str) -> list[Step]:
    wanted, _ = parse_teams(record.get("teams"), state)
    held = state.team_memberships.get(user_id, {}) if user_id is not None else {}
    names = {t["team_id"]: t["name"] for t in state.teams_by_name.values()}
    steps = []
    for team_id, role in wanted.items():
        membership = held.get(team_id)
        if membership is None:
            steps.append(
                Step(
                    "add_team_membership",
                    {"team_id": team_id, "role": role},
                    f"join team {names.get(team_id, team_id)} as {role}",
                )
            )
        elif membership["role"] != role:
            params = {
                "team_id": team_id,
                "membership_id": membership["membership_id"],
                "role": role,
            }
            steps.append(
                Step(
                    "change_team_role",
                    params,
                    f"team {names.get(team_id, team_id)} role {membership['role']} -> {role}",
                )
            )
    if mode == "sync":
        for team_id, membership in sorted(held.items()):
            if team_id not in wanted:
                params = {"team_id": team_id, "membership_id": membership["membership_id"]}
                steps.append(
                    Step(
                        "remove_team_membership",
                        params,
                        f"leave team {names.get(team_id, team_id)}",
                    )
                )
    return steps


def _attribute_steps(
    attribute: Attribute,
    wanted: list[WantedOption],
    user_id: int | None,
    state: OrgState,
    mode: str,
) -> list[Step]:
    held = state.assignments.get(user_id, {}).get(attribute.attribute_id, {}) if user_id else {}
    single = attribute.type in SINGLE_VALUED
    kept = {_held_match(attribute, option, held) for option in wanted} - {None}
    steps = []
    if mode == "sync" or (single and wanted):
        for option_id, value in sorted(held.items()):
            if option_id not in kept:
                params = {
                    "attribute_id": attribute.attribute_id,
                    "option_id": option_id,
                    "value": value,
                }
                steps.append(Step("unassign_option", params, f"unset {attribute.name}={value}"))
    for option in wanted:
        if _held_match(attribute, option, held) is not None:
            continue
        params = {
            "attribute_id": attribute.attribute_id,
            "option_id": option.option_id,
            "value": option.value,
        }
        steps.append(Step("assign_option", params, f"set {attribute.name}={option.value}"))
    return steps


def _held_match(attribute: Attribute, option: WantedOption, held: dict[str, str]) -> str | None:
    """The held option that already gives ``option``: the same id or, for TEXT/NUMBER, the same
    value (the API multiplies such options, so a user may hold a twin of the one we pick)."""
    if option.option_id in held:
        return option.option_id
    if attribute.type in ("TEXT", "NUMBER"):
        for option_id, value in sorted(held.items()):
            if _same_value(attribute, value, option.value):
                return option_id
    return None


def _same_value(attribute: Attribute, held: str, wanted: str) -> bool:
    if attribute.type == "NUMBER":
        return canonical_number(held) is not None and canonical_number(held) == canonical_number(
            wanted
        )
    return held.strip().casefold() == wanted.strip().casefold()
