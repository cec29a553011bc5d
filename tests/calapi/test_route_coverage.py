"""Issue 3: a typed call for every endpoint the sandbox implements, proven by sending them.

One pass through every typed method against a fresh sandbox; the client's own stats then
name each (method, path template) it sent, and that set must hold every sandbox route.
"""

from __future__ import annotations

from sandbox._server import all_routes


async def test_every_sandbox_route_is_reached_by_a_typed_call(start_sandbox, make_client):
    cal = make_client(start_sandbox(seed_users=4, seed=11, rate_limit=100000))
    me = (await cal.me())["id"]
    user = await cal.create_user(email="coverage@example.com")
    user = await cal.update_user(user["id"], timeZone="Europe/Paris")
    others = [u for u in await cal.list_users() if u["id"] not in (user["id"], me)]
    await _attributes(cal, user["id"])
    await _teams_roles_and_ooo(cal, user["id"], others[0]["id"])
    await _org_roles_and_webhooks(cal)
    membership = next(m for m in await cal.list_memberships() if m["userId"] == user["id"])
    assert (await cal.get_membership(membership["id"]))["userId"] == user["id"]
    await cal.update_membership(membership["id"], role="ADMIN")
    await cal.delete_membership(membership["id"])
    again = await cal.create_membership(userId=user["id"], role="MEMBER", accepted=True)
    assert again["userId"] == user["id"]
    await cal.delete_user(others[-1]["id"])

    sent = {(method, template) for method, template, status in cal.stats.requests if status < 300}
    implemented = {(method, template) for method, template, _ in all_routes()}
    assert implemented - sent == set()


async def _attributes(cal, user_id: int) -> None:
    attribute = await cal.create_attribute(name="Cov", slug="cov", type="MULTI_SELECT")
    assert (await cal.get_attribute(attribute["id"]))["slug"] == "cov"
    assert attribute["id"] in {a["id"] for a in await cal.list_attributes()}
    await cal.update_attribute(attribute["id"], name="Coverage")
    option = await cal.create_attribute_option(attribute["id"], value="A", slug="a")
    await cal.update_attribute_option(attribute["id"], option["id"], value="A1")
    assert [o["value"] for o in await cal.list_attribute_options(attribute["id"])] == ["A1"]
    await cal.assign_attribute_option(user_id, attribute["id"], option_id=option["id"])
    assert option["id"] in {o["id"] for o in await cal.list_user_options(user_id)}
    by_id = await cal.list_assigned_options(attribute["id"])
    by_slug = [o async for o in cal.iter_assigned_options_by_slug("cov")]
    assert by_id == by_slug and user_id in by_id[0]["assignedUserIds"]
    await cal.unassign_attribute_option(user_id, option["id"])
    await cal.delete_attribute_option(attribute["id"], option["id"])
    await cal.delete_attribute(attribute["id"])


async def _teams_roles_and_ooo(cal, user_id: int, coverer_id: int) -> None:
    team = await cal.create_team(name="Coverage Team")
    assert (await cal.get_team(team["id"]))["name"] == "Coverage Team"
    assert team["id"] in {t["id"] for t in await cal.list_teams()}
    assert team["id"] in {t["id"] for t in await cal.list_my_teams()}  # its creator's team
    await cal.update_team(team["id"], bio="covered")
    member = await cal.create_team_membership(team["id"], userId=user_id)
    assert (await cal.get_team_membership(team["id"], member["id"]))["userId"] == user_id
    await cal.update_team_membership(team["id"], member["id"], role="ADMIN")
    await cal.create_team_membership(team["id"], userId=coverer_id)
    assert len(await cal.list_team_memberships(team["id"])) == 3  # with the creator
    role = await cal.create_team_role(team["id"], name="Cov Lead", permissions=["team.read"])
    assert (await cal.get_team_role(team["id"], role["id"]))["name"] == "Cov Lead"
    await cal.update_team_role(team["id"], role["id"], color="#000000")
    assert [r["id"] for r in await cal.list_team_roles(team["id"])] == [role["id"]]
    await _permissions(cal, role["id"], team["id"])
    await cal.delete_team_role(team["id"], role["id"])
    entry = await cal.create_ooo(
        user_id, start="2033-01-02T00:00:00Z", end="2033-01-03T00:00:00Z", toUserId=coverer_id
    )
    await cal.update_ooo(user_id, entry["id"], notes="covered")
    assert [e["notes"] for e in await cal.list_user_ooo(user_id)] == ["covered"]
    assert entry["id"] in {e["id"] for e in await cal.list_org_ooo()}
    await cal.delete_ooo(user_id, entry["id"])
    await cal.delete_team_membership(team["id"], member["id"])
    await cal.delete_team(team["id"])


async def _org_roles_and_webhooks(cal) -> None:
    role = await cal.create_org_role(name="Cov Auditor", permissions=["booking.read"])
    assert (await cal.get_org_role(role["id"]))["permissions"] == ["booking.read"]
    await cal.update_org_role(role["id"], name="Cov Auditor 2")
    assert role["id"] in {r["id"] for r in await cal.list_org_roles()}
    await _permissions(cal, role["id"], None)
    await cal.delete_org_role(role["id"])
    hook = await cal.create_webhook(
        subscriberUrl="https://example.com/cov", triggers=["BOOKING_CREATED"], active=True
    )
    assert (await cal.get_webhook(hook["id"]))["subscriberUrl"] == "https://example.com/cov"
    await cal.update_webhook(hook["id"], active=False)
    assert hook["id"] in {w["id"] for w in await cal.list_webhooks()}
    await cal.delete_webhook(hook["id"])


async def _permissions(cal, role_id: str, team_id: int | None) -> None:
    """All five permission calls on an org role (``team_id=None``) or a team role."""
    await cal.add_role_permissions(role_id, ["insights.read", "role.read"], team_id=team_id)
    full = ["insights.read", "role.read", "webhook.read"]
    await cal.set_role_permissions(role_id, full, team_id=team_id)
    await cal.remove_role_permissions(role_id, "webhook.read", team_id=team_id)
    await cal.remove_role_permissions(role_id, ["role.read"], team_id=team_id)
    assert await cal.list_role_permissions(role_id, team_id=team_id) == ["insights.read"]
