"""How the definition sheets' steps (teams, attributes, webhooks) are sent, and checked.

``send_definition`` makes the write through calapi's typed calls; ``definition_landed`` reads
the org back after an ambiguous outcome so a create is never made twice. A webhook's secret is
not in the step (plans and journals never hold it): it is taken from the run's context by URL.
What a create makes (a team's id by name, an attribute's by slug, its options' by value) is
noted in the context, for the rows after it that name it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from calapi import CalClient, NotFound
from transforms.plan.steps import Step

if TYPE_CHECKING:
    from flows.importer.steps import RunContext

DEFINITION_ACTIONS = frozenset({
    "create_team", "update_team", "delete_team", "create_attribute", "update_attribute",
    "add_attribute_option", "delete_attribute_option", "delete_attribute", "create_webhook",
    "update_webhook", "delete_webhook",
})  # fmt: skip


def _without(p: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in p.items() if k not in keys}


async def send_definition(step: Step, ctx: RunContext) -> None:
    """Send one definition step; what it creates is noted in ``ctx``."""
    cal, p = ctx.cal, step.params
    match step.action:
        case "create_team":
            team = await cal.create_team(**p)
            ctx.created_teams[p["name"].casefold()] = int(team["id"])
        case "update_team":
            await cal.update_team(p["team_id"], **_without(p, "team_id"))
        case "delete_team":
            await cal.delete_team(p["id"])
        case "create_attribute":
            attribute = await cal.create_attribute(**p)
            await _note_attribute(ctx, p["slug"], str(attribute["id"]))
        case "update_attribute":
            await cal.update_attribute(p["attribute_id"], **_without(p, "attribute_id"))
        case "add_attribute_option":
            option = await cal.create_attribute_option(
                p["attribute_id"], value=p["value"], slug=p["slug"]
            )
            ctx.option_ids[(p["attribute_id"], p["value"].casefold())] = str(option["id"])
        case "delete_attribute_option":
            await cal.delete_attribute_option(p["attribute_id"], p["option_id"])
        case "delete_attribute":
            await cal.delete_attribute(p["id"])
        case "create_webhook":
            body = _without(p, "secret")
            if p.get("secret"):
                body["secret"] = ctx.webhook_secrets[p["subscriberUrl"].lower()]
            await cal.create_webhook(**body)
        case "update_webhook":
            await cal.update_webhook(p["webhook_id"], **_without(p, "webhook_id"))
        case "delete_webhook":
            await cal.delete_webhook(p["id"])


async def _note_attribute(ctx: RunContext, slug: str, attribute_id: str) -> None:
    """The created attribute's id by slug, and its options' ids by value (one listing)."""
    ctx.created_attributes[slug] = attribute_id
    for option in await ctx.cal.list_attribute_options(attribute_id):
        ctx.option_ids[(attribute_id, option["value"].casefold())] = str(option["id"])


async def definition_landed(step: Step, ctx: RunContext) -> bool:
    """Has this step's effect already happened? (creates and deletes; updates are re-sent)"""
    cal, p = ctx.cal, step.params
    match step.action:
        case "create_team":
            name = p["name"].casefold()
            found = [t for t in await cal.list_teams() if t["name"].casefold() == name]
            if found:
                ctx.created_teams[name] = int(found[0]["id"])
            return bool(found)
        case "create_attribute":
            made = [a for a in await cal.list_attributes() if a["slug"] == p["slug"]]
            if made:
                await _note_attribute(ctx, p["slug"], str(made[0]["id"]))
            return bool(made)
        case "add_attribute_option":
            options = await cal.list_attribute_options(p["attribute_id"])
            for option in options:
                if option["value"].casefold() == p["value"].casefold():
                    ctx.option_ids[(p["attribute_id"], p["value"].casefold())] = str(option["id"])
                    return True
            return False
        case "create_webhook":
            url = p["subscriberUrl"].lower()
            return any(w["subscriberUrl"].lower() == url for w in await cal.list_webhooks())
        case "delete_team" | "delete_attribute" | "delete_webhook" | "delete_attribute_option":
            return await _gone(step, cal)
    return False


async def _gone(step: Step, cal: CalClient) -> bool:
    p = step.params
    try:
        match step.action:
            case "delete_team":
                await cal.get_team(p["id"])
            case "delete_attribute":
                return await cal.get_attribute(p["id"]) is None
            case "delete_webhook":
                await cal.get_webhook(p["id"])
            case "delete_attribute_option":
                options = await cal.list_attribute_options(p["attribute_id"])
                return all(str(o["id"]) != p["option_id"] for o in options)
    except NotFound:
        return True
    return False
