"""How each plan step is sent through calapi, and how to tell whether it already happened.

Every action has a ``send`` (the write) and, for writes that are not naturally idempotent, a
``landed`` check that reads the org back. The runner (``flows.importer.apply``) calls ``landed``
after an ambiguous outcome (a write that failed after it may have reached the server) or a
conflict, so a step is never applied twice and never lost. PATCHes and PUTs are idempotent and
simply re-sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from calapi import CalClient, NotFound
from flows.importer.definition_steps import (
    DEFINITION_ACTIONS,
    definition_landed,
    send_definition,
)
from transforms.plan.steps import Step
from transforms.validate.definitions import PLANNED


@dataclass
class RunContext:
    """What steps resolve at run time: user ids by e-mail and option ids by value."""

    cal: CalClient
    user_ids: dict[str, int] = field(default_factory=dict)
    option_ids: dict[tuple[str, str], str] = field(default_factory=dict)
    team_names: dict[int, str] = field(default_factory=dict)
    """Placeholder id (minus the teams sheet row) -> name of a team this run creates."""
    created_teams: dict[str, int] = field(default_factory=dict)
    created_attributes: dict[str, str] = field(default_factory=dict)
    """Slug -> id of each attribute this run created (options are in ``option_ids``)."""
    webhook_secrets: dict[str, str] = field(default_factory=dict, repr=False)
    """Secrets by lower-cased subscriber URL, from the webhooks sheet (never in a plan)."""

    def team_id(self, team_id: int) -> int:
        """A team's id; a placeholder (negative) is the id of the team created this run."""
        if team_id >= 0:
            return team_id
        name = self.team_names[team_id].casefold()
        if name not in self.created_teams:
            raise StepFailed(f"team {self.team_names[team_id]!r} was not created (see its row)")
        return self.created_teams[name]

    async def team_membership(self, p: dict[str, Any], user_id: int | None) -> int | None:
        """The id of a step's team membership. One without an id is the key's user's OWNER
        membership of a team this run creates, looked up once the team exists; None if the API
        made none (Cal.com makes none for an instance admin's key)."""
        if p.get("membership_id") is not None:
            return p["membership_id"]
        members = await self.cal.list_team_memberships(self.team_id(p["team_id"]))
        mine = [int(m["id"]) for m in members if m["userId"] == _need(user_id)]
        return mine[0] if mine else None

    def attribute_id(self, attribute_id: str) -> str:
        """An attribute's id; ``planned:<slug>`` is the id of the attribute created this run."""
        if not attribute_id.startswith(PLANNED):
            return attribute_id
        slug = attribute_id.removeprefix(PLANNED)
        if slug not in self.created_attributes:
            raise StepFailed(f"attribute {slug!r} was not created (see its row)")
        return self.created_attributes[slug]

    def option_id(self, params: dict[str, Any]) -> str:
        if params.get("option_id") and not params["option_id"].startswith(PLANNED):
            return params["option_id"]
        key = (self.attribute_id(params["attribute_id"]), params["value"].casefold())
        if key not in self.option_ids:
            raise LookupError(f"option {params['value']!r} was not created (see prelude)")
        return self.option_ids[key]


class StepFailed(Exception):
    """A step that cannot be done; the message is shown in the receipt (no secrets in it)."""


async def send(step: Step, user_id: int | None, ctx: RunContext) -> int | None:
    """Send one step; returns the user id when the step created the user."""
    cal, p = ctx.cal, step.params
    match step.action:
        case "create_option":
            attribute_id = ctx.attribute_id(p["attribute_id"])
            option = await cal.create_attribute_option(
                attribute_id, value=p["value"], slug=slugify(p["value"])
            )
            ctx.option_ids[(attribute_id, p["value"].casefold())] = str(option["id"])
        case "create_user":
            return int((await cal.create_user(**p))["id"])
        case "update_user":
            await cal.update_user(_need(user_id), **p)
        case "change_org_role":
            await cal.update_membership(p["membership_id"], role=p["role"])
        case "add_team_membership":
            await cal.create_team_membership(
                ctx.team_id(p["team_id"]), userId=_need(user_id), role=p["role"], accepted=True
            )
        case "change_team_role":
            team_id = ctx.team_id(p["team_id"])
            membership_id = await ctx.team_membership(p, user_id)
            if membership_id is None:  # the API made the key's user no member: the sheet's role
                await cal.create_team_membership(team_id, userId=_need(user_id), role=p["role"],
                                                 accepted=True)  # fmt: skip
            else:
                await cal.update_team_membership(team_id, membership_id, role=p["role"])
        case "remove_team_membership":
            if (membership_id := await ctx.team_membership(p, user_id)) is not None:
                await cal.delete_team_membership(ctx.team_id(p["team_id"]), membership_id)
        case "leave_org":  # DELETE membership: the person's Cal.com account stays
            await cal.delete_membership(p["membership_id"])
        case "assign_option":
            await cal.assign_attribute_option(
                _need(user_id), ctx.attribute_id(p["attribute_id"]), option_id=ctx.option_id(p)
            )
        case "unassign_option":
            await cal.unassign_attribute_option(_need(user_id), p["option_id"])
        case "create_ooo":  # a team-wide row's entries carry each member's user_id
            await cal.create_ooo(_need(p.get("user_id") or user_id), **ooo_body(p, ctx))
        case "create_role":
            await _create_role(cal, p, ctx)
        case "update_role":
            await _update_role(cal, p)
        case "add_role_permissions":
            await cal.add_role_permissions(p["role_id"], p["permissions"], team_id=p["team_id"])
        case "set_role_permissions":
            await cal.set_role_permissions(p["role_id"], p["permissions"], team_id=p["team_id"])
        case _ if step.action in DEFINITION_ACTIONS:
            await send_definition(step, ctx)
        case _:
            raise StepFailed(f"unknown action {step.action}")
    return None


async def landed(step: Step, user_id: int | None, ctx: RunContext) -> tuple[bool, int | None]:
    """Read the org back: has this step's effect already happened? (and the user id it made)"""
    cal, p = ctx.cal, step.params
    match step.action:
        case "create_option":
            attribute_id = ctx.attribute_id(p["attribute_id"])
            for option in await cal.list_attribute_options(attribute_id):
                if option["value"].casefold() == p["value"].casefold():
                    ctx.option_ids[(attribute_id, p["value"].casefold())] = str(option["id"])
                    return True, None
            return False, None
        case "create_user":
            found = await cal.list_users(emails=[p["email"]])
            match = [u for u in found if u["email"].lower() == p["email"].lower()]
            return (True, int(match[0]["id"])) if match else (False, None)
        case "add_team_membership":
            members = await cal.list_team_memberships(ctx.team_id(p["team_id"]))
            return any(m["userId"] == user_id for m in members), None
        case "remove_team_membership":
            members = await cal.list_team_memberships(ctx.team_id(p["team_id"]))
            if p.get("membership_id") is None:  # the key's user's, in a team this run created
                return all(m["userId"] != user_id for m in members), None
            return all(m["id"] != p["membership_id"] for m in members), None
        case "leave_org":
            try:
                await cal.get_membership(p["membership_id"])
            except NotFound:
                return True, None
            return False, None
        case "assign_option" | "unassign_option":
            held = {str(o["id"]) for o in await cal.list_user_options(_need(user_id))}
            option = ctx.option_id(p) if step.action == "assign_option" else p["option_id"]
            return (option in held) == (step.action == "assign_option"), None
        case "create_ooo":
            entries = await cal.list_user_ooo(_need(p.get("user_id") or user_id))
            days = (p["start"][:10], p["end"][:10])
            return any((e["start"][:10], e["end"][:10]) == days for e in entries), None
        case "create_role":
            return await _role_exists(cal, p, ctx), None
        case _ if step.action in DEFINITION_ACTIONS:
            return await definition_landed(step, ctx), None
    return False, None  # PATCH/PUT: idempotent, sending again is the reconciliation


async def _create_role(cal: CalClient, p: dict[str, Any], ctx: RunContext) -> None:
    body = {k: p[k] for k in ("name", "description", "color", "permissions") if p.get(k)}
    if p["team_id"] is None:
        await cal.create_org_role(**body)
    else:  # the team may be one this run created (a placeholder id until then)
        await cal.create_team_role(ctx.team_id(p["team_id"]), **body)


async def _update_role(cal: CalClient, p: dict[str, Any]) -> None:
    body = {k: p[k] for k in ("color",) if p.get(k)}
    if p["team_id"] is None:
        await cal.update_org_role(p["role_id"], **body)
    else:
        await cal.update_team_role(p["team_id"], p["role_id"], **body)


async def _role_exists(cal: CalClient, p: dict[str, Any], ctx: RunContext) -> bool:
    try:
        roles = (
            await cal.list_org_roles()
            if p["team_id"] is None
            else await cal.list_team_roles(ctx.team_id(p["team_id"]))
        )
    except NotFound:
        return False
    return any(r["name"].casefold() == p["name"].casefold() for r in roles)


def ooo_body(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    """The OOO create body; the coverer's id is looked up by e-mail (they may be new)."""
    body = {"start": p["start"], "end": p["end"], "reason": p["reason"]}
    if p.get("notes"):
        body["notes"] = p["notes"]
    if p.get("covering_email"):
        coverer = ctx.user_ids.get(p["covering_email"])
        if coverer is None:
            raise StepFailed(f"covering person {p['covering_email']} is not in the organization")
        body["toUserId"] = coverer
    return body


def slugify(value: str) -> str:
    """An option slug like the API's own (lower case, dashes)."""
    slug = "".join(c if c.isalnum() else "-" for c in value.strip().lower())
    return "-".join(part for part in slug.split("-") if part) or "option"


def _need(user_id: int | None) -> int:
    if user_id is None:
        raise StepFailed("the user does not exist (its creation failed)")
    return user_id
