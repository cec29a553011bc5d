"""How the definition sheets' steps (teams, attributes, webhooks) are sent, and checked.

``send_definition`` makes the write through calapi's typed calls; ``definition_landed`` reads
the org back after an ambiguous outcome so a create is never made twice. A webhook's secret is
not in the step (plans and journals never hold it): it is taken from ``secrets`` by URL.
"""

from __future__ import annotations

from typing import Any

from calapi import CalClient, NotFound
from transforms.plan.steps import Step

DEFINITION_ACTIONS = frozenset({
    "create_team", "update_team", "delete_team", "create_attribute", "update_attribute",
    "add_attribute_option", "delete_attribute_option", "delete_attribute", "create_webhook",
    "update_webhook", "delete_webhook",
})  # fmt: skip


def _without(p: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in p.items() if k not in keys}


async def send_definition(
    step: Step, cal: CalClient, secrets: dict[str, str], created_teams: dict[str, int]
) -> None:
    """Send one definition step; a created team's id is noted by name for the rows after."""
    p = step.params
    match step.action:
        case "create_team":
            team = await cal.create_team(**p)
            created_teams[p["name"].casefold()] = int(team["id"])
        case "update_team":
            await cal.update_team(p["team_id"], **_without(p, "team_id"))
        case "delete_team":
            await cal.delete_team(p["id"])
        case "create_attribute":
            await cal.create_attribute(**p)
        case "update_attribute":
            await cal.update_attribute(p["attribute_id"], **_without(p, "attribute_id"))
        case "add_attribute_option":
            await cal.create_attribute_option(p["attribute_id"], value=p["value"], slug=p["slug"])
        case "delete_attribute_option":
            await cal.delete_attribute_option(p["attribute_id"], p["option_id"])
        case "delete_attribute":
            await cal.delete_attribute(p["id"])
        case "create_webhook":
            body = _without(p, "secret")
            if p.get("secret"):
                body["secret"] = secrets[p["subscriberUrl"].lower()]
            await cal.create_webhook(**body)
        case "update_webhook":
            await cal.update_webhook(p["webhook_id"], **_without(p, "webhook_id"))
        case "delete_webhook":
            await cal.delete_webhook(p["id"])


async def definition_landed(step: Step, cal: CalClient, created_teams: dict[str, int]) -> bool:
    """Has this step's effect already happened? (creates and deletes; updates are re-sent)"""
    p = step.params
    match step.action:
        case "create_team":
            name = p["name"].casefold()
            found = [t for t in await cal.list_teams() if t["name"].casefold() == name]
            if found:
                created_teams[name] = int(found[0]["id"])
            return bool(found)
        case "create_attribute":
            return any(a["slug"] == p["slug"] for a in await cal.list_attributes())
        case "add_attribute_option":
            options = await cal.list_attribute_options(p["attribute_id"])
            return any(o["value"].casefold() == p["value"].casefold() for o in options)
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
