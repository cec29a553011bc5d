"""The import plan: what the file wants minus what the organization has, as step frames.

``build_plan`` plans the users sheet (``transforms.plan.users``) and out-of-office entries as
joins on natural keys, and custom roles (a handful per org) row by row. It is pure: the same
file against the same state gives the same plan, and a file that has been applied plans nothing.
Rows with validation errors are left out (the receipt reports them as skipped).

OOO entries are whole UTC days; an entry with the same person, first and last day is already
there. Roles are matched by (team, name); ``add`` adds missing permissions, ``sync`` makes the
set equal to the file's. System roles are refused. Custom roles cannot be given to members
through the API (api-notes §9.5): the plan defines them, nothing more.
"""

from __future__ import annotations

import polars as pl

from transforms.org_state import OrgState
from transforms.plan.creator import (
    KeyUser,
    created_teams,
    creator_memberships,
    creator_notes,
    with_notes,
)
from transforms.plan.definitions import OWNER_NOTE, definition_frames
from transforms.plan.leavers import plan_leavers
from transforms.plan.ooo_team import create_ooo_exprs, is_group, plan_groups
from transforms.plan.steps import (
    PRELUDE_SCHEMA,
    ROW_SCHEMA,
    STEP_SCHEMA,
    ImportPlan,
    RowPlan,
    Step,
    frames_from_rows,
    plan_text_type,
    with_text_type,
)
from transforms.plan.users import json_of, plan_users
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
    prune_definitions: bool = False,
    key_user: KeyUser | None = None,
    resumed_teams: set[int] | None = None,
) -> ImportPlan:
    """Plan every valid row of every sheet (users first: OOO rows may need the users).

    ``create_missing_options`` is decided in validation (the typed columns say which options
    are to be created); it is accepted here for callers that pass it. ``key_user`` (the API
    key's user) holds OWNER of every team the file creates (``transforms.plan.creator``);
    ``resumed_teams`` are the teams rows an interrupted run of the file created, for notes.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be add or sync, not {mode!r}")
    rows, steps = [], []
    prelude = pl.DataFrame(schema=PRELUDE_SCHEMA)
    text = plan_text_type()
    definitions = definition_frames(validated, state, prune=mode == "sync" and prune_definitions)
    planned_users = _planned_users(validated)
    created = created_teams(state, validated.frames.get("teams"), resumed_teams or set())
    team_notes, user_notes = creator_notes(planned_users, state, key_user, created, mode=mode)
    if definitions is not None:
        rows.append(with_notes(definitions[0], "teams", team_notes, replace=OWNER_NOTE))
        steps.append(with_text_type(definitions[1], text))
    if "users" in validated.typed:
        users = plan_users(
            validated.typed["users"],
            state,
            validated.attribute_columns,
            mode=mode,
            skip_rows=validated.invalid_rows("users"),
            present=set(validated.sheets["users"].headers),
            text=text,
            creator=creator_memberships(state, key_user),
        )
        rows.append(with_notes(users.rows, "users", user_notes))
        steps.append(users.steps)
        prelude = users.prelude
    if "ooo" in validated.frames:
        ooo_rows, ooo_steps = plan_ooo(
            validated.frames["ooo"], state, validated.invalid_rows("ooo")
        )
        rows.append(ooo_rows)
        steps.append(with_text_type(ooo_steps, text))
    if "roles" in validated.frames:
        role_plans = plan_roles(
            validated.frames["roles"], state, validated.invalid_rows("roles"), mode
        )
        role_rows, role_steps = frames_from_rows(role_plans)
        rows.append(role_rows)
        steps.append(with_text_type(role_steps, text))
    if "leavers" in validated.typed:
        deleted = _deleted_teams(definitions[1]) if definitions is not None else set()
        leaver_rows, leaver_steps = plan_leavers(
            validated.typed["leavers"], state, validated.invalid_rows("leavers"), deleted
        )
        rows.append(leaver_rows)
        steps.append(with_text_type(leaver_steps, text))
    return ImportPlan(
        mode,
        row_frame=pl.concat(rows) if rows else None,
        step_frame=pl.concat(steps) if steps else None,
        prelude_frame=prelude,
    )


def _planned_users(validated: ValidatedImport) -> pl.DataFrame | None:
    """The users sheet's valid rows, when the sheet has a teams column (else None)."""
    if "users" not in validated.typed or "teams" not in validated.sheets["users"].headers:
        return None
    users = validated.typed["users"]
    return users.filter(~pl.col("row").is_in(sorted(validated.invalid_rows("users"))))


def _deleted_teams(steps: pl.DataFrame) -> set[int]:
    """The teams a definitions step frame deletes (``--prune-definitions``)."""
    ids = steps.filter(pl.col("action") == "delete_team").select(
        pl.col("params").str.json_path_match("$.id").cast(pl.Int64)
    )
    return set(ids.to_series().to_list())


def plan_ooo(
    frame: pl.DataFrame, state: OrgState, skip_rows: set[int]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One create per entry the person does not have yet (same first and last day), as a join
    of the entries on (user, first day, last day) with the org's; a row naming a team or ``*``
    expands to its members (``transforms.plan.ooo_team``)."""
    frame = frame.filter(~pl.col("row").is_in(sorted(skip_rows)))
    groups = frame.filter(is_group())
    if not groups.height:
        return _plan_people(frame, state)
    people_rows, people_steps = _plan_people(frame.filter(~is_group()), state)
    group_rows, group_steps = plan_groups(groups, state, ROW_SCHEMA, STEP_SCHEMA, json_of)
    return (
        pl.concat([people_rows, group_rows]).sort("row", maintain_order=True),
        pl.concat([people_steps, group_steps]).sort("row", "step", maintain_order=True),
    )


def _plan_people(frame: pl.DataFrame, state: OrgState) -> tuple[pl.DataFrame, pl.DataFrame]:
    users = state.frame("users").select("email", "user_id")
    entries = frame.join(users, on="email", how="left", maintain_order="left").join(
        state.frame("ooo"), on=["user_id", "start", "end"], how="left", maintain_order="left"
    )
    rows = entries.select(
        sheet=pl.lit("ooo"),
        row="row",
        key="email",
        user_id="user_id",
        creates=pl.lit(False),
        refusal=pl.lit(None, dtype=pl.Utf8),
        notes=pl.lit([], dtype=pl.List(pl.Utf8)),
    ).cast(ROW_SCHEMA)
    steps = entries.filter(pl.col("exists").is_null()).select(
        sheet=pl.lit("ooo"),
        row="row",
        step=pl.lit(1, dtype=pl.Int64),
        action=pl.lit("create_ooo"),
        **create_ooo_exprs(json_of, name_person=False),
    )
    return rows, steps.cast(STEP_SCHEMA)


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
