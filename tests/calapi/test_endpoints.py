"""Typed calls against the sandbox: each write returns the record, and reads see it."""

from __future__ import annotations

import polars as pl
import pytest

from calapi import Conflict, InvalidRequest, NotFound


@pytest.fixture
async def cal(writable_sandbox, make_client):
    return make_client(writable_sandbox)


async def test_lists_return_records_that_load_into_polars(cal):
    users = await cal.list_users()
    memberships = await cal.list_memberships()
    assert len(users) >= 30
    frame = pl.DataFrame(users)
    assert {"id", "email", "timeZone"} <= set(frame.columns)
    assert {m["userId"] for m in memberships} >= {u["id"] for u in users}
    assert all(isinstance(m["attributes"], list) for m in memberships)


async def test_user_filters_pass_through(cal):
    users = await cal.list_users()
    picked = [u["email"] for u in users[:3]]
    assert sorted(u["email"] for u in await cal.list_users(emails=picked)) == sorted(picked)


async def test_user_lifecycle_and_errors(cal):
    user = await cal.create_user(email="lifecycle@example.com", timeZone="Europe/Paris")
    assert user["email"] == "lifecycle@example.com"
    with pytest.raises(Conflict) as dup:
        await cal.create_user(email="lifecycle@example.com")
    assert dup.value.status == 409 and dup.value.path.endswith("/users")
    with pytest.raises(InvalidRequest) as bad:
        await cal.create_user(email="not-an-email")
    assert bad.value.status == 400 and bad.value.code
    updated = await cal.update_user(user["id"], bio="hello")
    assert updated["bio"] == "hello"
    deleted = await cal.delete_user(user["id"])
    assert deleted["id"] == user["id"]
    assert await cal.list_users(emails=["lifecycle@example.com"]) == []


async def test_attribute_option_assignment_round_trip(cal):
    attribute = await cal.create_attribute(
        name="Calapi Floor",
        slug="calapi-floor",
        type="SINGLE_SELECT",
        options=[{"value": "One", "slug": "one"}],
    )
    options = await cal.list_attribute_options(attribute["id"])
    assert [o["value"] for o in options] == ["One"]
    extra = await cal.create_attribute_option(attribute["id"], value="Two", slug="two")
    user = (await cal.list_users())[0]
    assigned = await cal.assign_attribute_option(user["id"], attribute["id"], option_id=extra["id"])
    assert assigned["attributeOptionId"] == extra["id"]
    assert extra["id"] in {o["id"] for o in await cal.list_user_options(user["id"])}
    holders = await cal.list_assigned_options(attribute["id"])
    assert any(user["id"] in o["assignedUserIds"] for o in holders)
    await cal.unassign_attribute_option(user["id"], extra["id"])
    await cal.delete_attribute(attribute["id"])
    with pytest.raises(NotFound):
        await cal.delete_attribute(attribute["id"])


async def test_teams_memberships_and_ooo(cal):
    team = await cal.create_team(name="Calapi Team")
    users = await cal.list_users()
    already = {m["userId"] for m in await cal.list_team_memberships(team["id"])}  # the creator
    newcomer = next(u for u in users if u["id"] not in already)
    member = await cal.create_team_membership(team["id"], userId=newcomer["id"], role="ADMIN")
    assert member["teamId"] == team["id"] and member["role"] == "ADMIN"
    listed = {m["id"] for m in await cal.list_team_memberships(team["id"])}
    assert member["id"] in listed and len(listed) == len(already) + 1
    assert team["id"] in {t["id"] for t in await cal.list_teams()}
    entry = await cal.create_ooo(
        users[1]["id"], start="2032-03-01T10:00:00Z", end="2032-03-02T10:00:00Z", reason="travel"
    )
    assert entry["start"].startswith("2032-03-01T00:00:00")
    assert entry["id"] in {e["id"] for e in await cal.list_user_ooo(users[1]["id"])}
    assert entry["id"] in {e["id"] for e in await cal.list_org_ooo(email=users[1]["email"])}
    await cal.delete_ooo(users[1]["id"], entry["id"])
    await cal.delete_team_membership(team["id"], member["id"])
    await cal.delete_team(team["id"])


async def test_roles_and_permissions(cal):
    role = await cal.create_org_role(name="Calapi Auditor", permissions=["booking.read"])
    assert role["permissions"] == ["booking.read"]
    added = await cal.add_role_permissions(role["id"], ["insights.read"])
    assert sorted(added) == ["booking.read", "insights.read"]
    assert await cal.set_role_permissions(role["id"], ["role.read"]) == ["role.read"]
    await cal.remove_role_permissions(role["id"], "role.read")
    assert await cal.list_role_permissions(role["id"]) == []
    assert role["id"] in {r["id"] for r in await cal.list_org_roles()}
    await cal.delete_org_role(role["id"])


async def test_team_roles_and_webhooks(cal):
    team = await cal.create_team(name="Calapi Roles Team")
    role = await cal.create_team_role(team["id"], name="Calapi Lead", permissions=["team.read"])
    assert role["id"] in {r["id"] for r in await cal.list_team_roles(team["id"])}
    perms = await cal.add_role_permissions(role["id"], ["booking.read"], team_id=team["id"])
    assert sorted(perms) == ["booking.read", "team.read"]
    await cal.remove_role_permissions(role["id"], ["booking.read", "team.read"], team_id=team["id"])
    assert await cal.list_role_permissions(role["id"], team_id=team["id"]) == []
    renamed = await cal.update_team_role(team["id"], role["id"], name="Calapi Lead 2")
    assert renamed["name"] == "Calapi Lead 2"
    await cal.delete_team_role(team["id"], role["id"])

    hook = await cal.create_webhook(
        subscriberUrl="https://example.com/hook", triggers=["BOOKING_CREATED"], active=True
    )
    assert hook["id"] in {w["id"] for w in await cal.list_webhooks()}
    assert (await cal.update_webhook(hook["id"], active=False))["active"] is False
    await cal.delete_webhook(hook["id"])


async def test_org_membership_update_and_delete_keeps_the_account(cal):
    user = await cal.create_user(email="member-only@example.com")
    membership = next(m for m in await cal.list_memberships() if m["userId"] == user["id"])
    assert (await cal.get_membership(membership["id"]))["userId"] == user["id"]
    promoted = await cal.update_membership(membership["id"], role="ADMIN")
    assert promoted["role"] == "ADMIN"
    await cal.delete_membership(membership["id"])
    assert user["id"] not in {m["userId"] for m in await cal.list_memberships()}


async def test_me_checks_the_credential_and_finds_the_org(shared_sandbox):
    from calapi import AuthError, CalClient
    from tests.calapi.conftest import settings_for

    async with CalClient(settings_for(shared_sandbox, org_id=None)) as cal:
        me = await cal.me()
        assert me["email"]
        assert await cal.resolve_org_id() == shared_sandbox.org_id
        assert cal.org_id == shared_sandbox.org_id
    async with CalClient(settings_for(shared_sandbox, api_key="cal_not_a_real_key")) as bad:
        with pytest.raises(AuthError) as refused:
            await bad.me()
        assert refused.value.status == 401 and refused.value.path == "/v2/me"


async def test_oauth_client_credentials_work(shared_sandbox):
    from calapi import CalClient
    from tests.calapi.conftest import settings_for

    oauth = shared_sandbox.oauth_client
    settings = settings_for(
        shared_sandbox,
        api_key=None,
        client_id=oauth["client_id"],
        secret_key=oauth["secret_key"],
    )
    assert settings.credential_kind == "oauth_client"
    async with CalClient(settings) as cal:
        assert await cal.list_attributes()


async def test_a_member_key_is_forbidden_admin_routes_with_the_servers_message(shared_sandbox):
    from calapi import CalClient, Forbidden
    from tests.calapi.conftest import settings_for

    member_key = shared_sandbox.api_keys["member"]
    async with CalClient(settings_for(shared_sandbox, api_key=member_key)) as member:
        with pytest.raises(Forbidden) as refused:
            await member.list_users()
    err = refused.value
    assert (err.status, err.method) == (403, "GET")
    assert err.path == f"/v2/organizations/{shared_sandbox.org_id}/users"
    assert err.code and err.message
    assert member_key not in str(err)
