"""The row-by-row planner calbulk had before the plan became joins: an oracle for the tests.

Kept verbatim (only renamed) from ``transforms/plan/{build,users}.py`` as they were before the
columnar plan, so tests can check that the step frames plan exactly the same steps, in the same
order, with the same parameters and summaries, as the per-row objects did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from transforms.org_state import Attribute, OrgState
from transforms.plan.steps import RowPlan, Step
from transforms.validate.cells import WantedOption, parse_attribute_cell, parse_teams
from transforms.validate.rules import canonical_number, split_list
from transforms.validate.sheet import ValidatedImport


@dataclass
class ReferencePlan:
    mode: str
    prelude: list[Step] = field(default_factory=list)
    rows: list[RowPlan] = field(default_factory=list)


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
            role = role or "MEMBER"  # a team without a role: a new member joins as MEMBER
            steps.append(
                Step(
                    "add_team_membership",
                    {"team_id": team_id, "role": role},
                    f"join team {names.get(team_id, team_id)} as {role}",
                )
            )
        elif role is not None and membership["role"] != role:  # without a role: kept
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


MODES = ("add", "sync")
# The API's role update forwards only name and colour (api-notes §9.1): not sent, reported.
DESCRIPTION_NOTE = "the description of an existing role cannot be changed through the API"
# api-notes §9.5: memberships take only MEMBER/ADMIN/OWNER; every role row's receipt says so.
ASSIGNMENT_NOTE = (
    "role defined only: the Cal.com API cannot give a custom role to members "
    "(memberships take MEMBER, ADMIN or OWNER); assign it in Cal.com's settings"
)


def reference_plan(
    validated: ValidatedImport,
    state: OrgState,
    *,
    mode: str = "add",
    create_missing_options: bool = False,
) -> ReferencePlan:
    """Plan every valid row of every sheet (users first: OOO rows may need the users)."""
    if mode not in MODES:
        raise ValueError(f"mode must be add or sync, not {mode!r}")
    plan = ReferencePlan(mode=mode)
    prelude = OptionPrelude()
    if "users" in validated.frames:
        sheet = validated.sheets["users"]
        plan.rows += plan_users(
            validated.frames["users"],
            state,
            validated.attribute_columns,
            mode=mode,
            create_missing_options=create_missing_options,
            skip_rows=validated.invalid_rows("users"),
            prelude=prelude,
            present=set(sheet.headers),
        )
    if "ooo" in validated.frames:
        plan.rows += plan_ooo(validated.frames["ooo"], state, validated.invalid_rows("ooo"))
    if "roles" in validated.frames:
        plan.rows += plan_roles(
            validated.frames["roles"], state, validated.invalid_rows("roles"), mode
        )
    plan.prelude = prelude.steps
    return plan


def plan_ooo(frame: pl.DataFrame, state: OrgState, skip_rows: set[int]) -> list[RowPlan]:
    """One create per entry the person does not have yet (same first and last day)."""
    plans = []
    for entry in frame.iter_rows(named=True):
        if entry["row"] in skip_rows:
            continue
        user = state.user(entry["email"])
        user_id = user["user_id"] if user else None
        plan = RowPlan("ooo", entry["row"], entry["email"], user_id)
        if user_id is None or (user_id, entry["start"], entry["end"]) not in state.ooo_keys:
            params = {
                "email": entry["email"],
                "start": f"{entry['start']}T00:00:00.000Z",
                "end": f"{entry['end']}T00:00:00.000Z",
                "reason": entry["reason"] or "unspecified",
                "notes": entry["notes"],
                "covering_email": entry["covering_email"],
            }
            cover = f", covered by {entry['covering_email']}" if entry["covering_email"] else ""
            summary = f"out of office {entry['start']}..{entry['end']} ({params['reason']}{cover})"
            plan.steps.append(Step("create_ooo", params, summary))
        plans.append(plan)
    return plans


def plan_roles(
    frame: pl.DataFrame, state: OrgState, skip_rows: set[int], mode: str
) -> list[RowPlan]:
    """Create missing roles with their permissions; update colour, description, permissions."""
    plans = []
    for entry in frame.iter_rows(named=True):
        if entry["row"] in skip_rows:
            continue
        team = state.team(entry["team"]) if entry["team"] else None
        team_id = team["team_id"] if team else None
        permissions = sorted(set(split_list((entry["permissions"] or "").replace(",", ";"))))
        plan = RowPlan("roles", entry["row"], entry["name"], None, notes=[ASSIGNMENT_NOTE])
        role = state.roles.get((team_id, entry["name"].strip().casefold()))
        if role is None:
            params = {
                "team_id": team_id,
                "name": entry["name"].strip(),
                "description": entry["description"],
                "color": entry["color"],
                "permissions": permissions,
            }
            plan.steps.append(
                Step(
                    "create_role",
                    params,
                    f"create role {entry['name']} with {len(permissions)} permission(s)",
                )
            )
        elif role.get("type") == "SYSTEM":
            plan.refusal = "a system role cannot be changed; give the custom role another name"
        else:
            plan.steps += _role_changes(entry, role, team_id, permissions, state, mode)
            if entry["description"] and entry["description"] != role.get("description"):
                plan.notes.append(DESCRIPTION_NOTE)
        plans.append(plan)
    return plans


def _role_changes(
    entry: dict,
    role: dict,
    team_id: int | None,
    permissions: list[str],
    state: OrgState,
    mode: str,
) -> list[Step]:
    role_id = str(role["role_id"])
    steps = []
    fields = {k: entry[k] for k in ("color",) if entry[k] and entry[k] != role.get(k)}
    if fields:
        steps.append(
            Step(
                "update_role",
                {"role_id": role_id, "team_id": team_id, **fields},
                "update " + ", ".join(f"{k}={v}" for k, v in fields.items()),
            )
        )
    held = state.role_permissions.get(role_id, set())
    base = {"role_id": role_id, "team_id": team_id}
    if mode == "sync" and set(permissions) != held:
        steps.append(
            Step(
                "set_role_permissions",
                {**base, "permissions": permissions},
                f"set permissions to {', '.join(permissions) or '(none)'}",
            )
        )
    elif mode == "add" and (missing := sorted(set(permissions) - held)):
        steps.append(
            Step(
                "add_role_permissions",
                {**base, "permissions": missing},
                f"add permissions {', '.join(missing)}",
            )
        )
    return steps
