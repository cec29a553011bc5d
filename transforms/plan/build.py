"""The import plan: what the file wants minus what the organization has, as steps per row.

``build_plan`` plans the users sheet (``transforms.plan.users``), out-of-office entries and
custom roles. It is pure: the same file against the same state gives the same plan, and a file
that has been applied plans nothing. Rows with validation errors are left out (the receipt
reports them as skipped).

OOO entries are whole UTC days; an entry with the same person, first and last day is already
there. Roles are matched by (team, name); ``add`` adds missing permissions, ``sync`` makes the
set equal to the file's. System roles are refused. Custom roles cannot be given to members
through the API (api-notes §9.5): the plan defines them, nothing more.
"""

from __future__ import annotations

import polars as pl

from transforms.org_state import OrgState
from transforms.plan.steps import ImportPlan, RowPlan, Step
from transforms.plan.users import OptionPrelude, plan_users
from transforms.validate.rules import split_list
from transforms.validate.sheet import ValidatedImport

MODES = ("add", "sync")
# The API's role update forwards only name and colour (api-notes §9.1): not sent, reported.
DESCRIPTION_NOTE = "the description of an existing role cannot be changed through the API"
# api-notes §9.5: memberships take only MEMBER/ADMIN/OWNER; every role row's receipt says so.
ASSIGNMENT_NOTE = (
    "role defined only: the Cal.com API cannot give a custom role to members "
    "(memberships take MEMBER, ADMIN or OWNER); assign it in Cal.com's settings"
)


def build_plan(
    validated: ValidatedImport,
    state: OrgState,
    *,
    mode: str = "add",
    create_missing_options: bool = False,
) -> ImportPlan:
    """Plan every valid row of every sheet (users first: OOO rows may need the users)."""
    if mode not in MODES:
        raise ValueError(f"mode must be add or sync, not {mode!r}")
    plan = ImportPlan(mode=mode)
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
