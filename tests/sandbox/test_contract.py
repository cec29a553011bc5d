"""Contract: every implemented operation answers what the official OpenAPI document says.

One sandbox process, one walk through every route (success and the main errors); each
success body is validated against the spec's response schema (documented deviations only,
see tests/sandbox/contract.py and sandbox/README.md). The walk must cover every route.
"""

from __future__ import annotations

import httpx
import pytest

from sandbox._server import all_routes
from tests.sandbox.contract import ContractClient, SchemaBook

ORG = "/v2/organizations/{orgId}"


@pytest.fixture(scope="module")
def api(box, openapi_spec) -> ContractClient:
    client = httpx.Client(
        base_url=box.base_url, headers={"Authorization": f"Bearer {box.api_key}"}, timeout=10
    )
    yield ContractClient(client, SchemaBook(openapi_spec))
    client.close()


def _users_and_memberships(api: ContractClient, org: int) -> tuple[int, int]:
    p = {"orgId": org}
    api.call("GET", "/v2/me", 200)
    api.call(
        "GET",
        ORG + "/users",
        200,
        path=p,
        params={"take": 5, "emails": "owner@acme-sandbox.example"},
    )
    api.call("GET", ORG + "/users", 400, path=p, params={"take": 1001})
    user = api.call(
        "POST", ORG + "/users", 201, path=p, json={"email": "c1@example.com", "bio": "b"}
    )["data"]
    api.call("POST", ORG + "/users", 409, path=p, json={"email": "c1@example.com"})
    api.call("POST", ORG + "/users", 400, path=p, json={"email": "nope"})
    uid = user["id"]
    api.call(
        "PATCH", ORG + "/users/{userId}", 200, path={**p, "userId": uid}, json={"locale": "fr"}
    )
    api.call("PATCH", ORG + "/users/{userId}", 403, path={**p, "userId": 10**6}, json={})
    members = api.call("GET", ORG + "/memberships", 200, path=p, params={"take": 50})["data"]
    mid = next(m["id"] for m in members if m["userId"] == uid)
    mp = {**p, "membershipId": mid}
    api.call("GET", ORG + "/memberships/{membershipId}", 200, path=mp)
    api.call("GET", ORG + "/memberships/{membershipId}", 404, path={**p, "membershipId": 10**6})
    api.call("PATCH", ORG + "/memberships/{membershipId}", 200, path=mp, json={"role": "ADMIN"})
    api.call("DELETE", ORG + "/memberships/{membershipId}", 200, path=mp)
    api.call("POST", ORG + "/memberships", 201, path=p, json={"userId": uid, "accepted": True})
    api.call("POST", ORG + "/memberships", 400, path=p, json={"role": "KING"})
    # uid is back in the org's memberships but has no org profile any more (IsUserInOrg
    # fails for it), so the rest of the walk uses a fresh user; DELETE takes the spare one.
    spare = api.call("POST", ORG + "/users", 201, path=p, json={"email": "c2@example.com"})["data"]
    api.call("DELETE", ORG + "/users/{userId}", 200, path={**p, "userId": spare["id"]})
    member = api.call("POST", ORG + "/users", 201, path=p, json={"email": "c3@example.com"})["data"]
    return member["id"], mid


def _attributes(api: ContractClient, org: int, uid: int) -> None:
    p = {"orgId": org}
    api.call("GET", ORG + "/attributes", 200, path=p)
    body = {
        "name": "Tier",
        "slug": "tier",
        "type": "SINGLE_SELECT",
        "options": [{"value": "Gold", "slug": "gold"}],
    }
    attr = api.call("POST", ORG + "/attributes", 201, path=p, json=body)["data"]
    api.call("POST", ORG + "/attributes", 409, path=p, json=body)
    api.call("POST", ORG + "/attributes", 400, path=p, json={"name": "x"})
    ap = {**p, "attributeId": attr["id"]}
    api.call("GET", ORG + "/attributes/{attributeId}", 200, path=ap)
    api.call("PATCH", ORG + "/attributes/{attributeId}", 200, path=ap, json={"name": "Tier 2"})
    api.call(
        "PATCH", ORG + "/attributes/{attributeId}", 404, path={**p, "attributeId": "x"}, json={}
    )
    option = api.call(
        "POST",
        ORG + "/attributes/{attributeId}/options",
        201,
        path=ap,
        json={"value": "Silver", "slug": "silver"},
    )["data"]
    api.call("GET", ORG + "/attributes/{attributeId}/options", 200, path=ap)
    op = {**ap, "optionId": option["id"]}
    api.call(
        "PATCH",
        ORG + "/attributes/{attributeId}/options/{optionId}",
        200,
        path=op,
        json={"value": "Silver+"},
    )
    up = {**p, "userId": uid}
    assign = {"attributeId": attr["id"], "attributeOptionId": option["id"]}
    api.call("POST", ORG + "/attributes/options/{userId}", 201, path=up, json=assign)
    api.call("POST", ORG + "/attributes/options/{userId}", 409, path=up, json=assign)
    api.call("GET", ORG + "/attributes/options/{userId}", 200, path=up)
    api.call("GET", ORG + "/attributes/{attributeId}/options/assigned", 200, path=ap)
    api.call(
        "GET",
        ORG + "/attributes/slugs/{attributeSlug}/options/assigned",
        200,
        path={**p, "attributeSlug": "tier"},
        params={"assignedOptionIds": option["id"]},
    )
    api.call(
        "DELETE",
        ORG + "/attributes/options/{userId}/{attributeOptionId}",
        200,
        path={**up, "attributeOptionId": option["id"]},
    )
    api.call(
        "DELETE",
        ORG + "/attributes/options/{userId}/{attributeOptionId}",
        404,
        path={**up, "attributeOptionId": option["id"]},
    )
    api.call("DELETE", ORG + "/attributes/{attributeId}/options/{optionId}", 200, path=op)
    api.call("DELETE", ORG + "/attributes/{attributeId}/options/{optionId}", 404, path=op)
    api.call("DELETE", ORG + "/attributes/{attributeId}", 200, path=ap)


def _teams_and_ooo(api: ContractClient, org: int, uid: int) -> None:
    p = {"orgId": org}
    api.call("GET", ORG + "/teams", 200, path=p)
    api.call("GET", ORG + "/teams/me", 200, path=p)
    team = api.call("POST", ORG + "/teams", 201, path=p, json={"name": "Contract"})["data"]
    tp = {**p, "teamId": team["id"]}
    api.call("GET", ORG + "/teams/{teamId}", 200, path=tp)
    api.call("GET", ORG + "/teams/{teamId}", 404, path={**p, "teamId": 10**6})
    api.call("PATCH", ORG + "/teams/{teamId}", 200, path=tp, json={"bio": "hi"})
    tm = api.call(
        "POST",
        ORG + "/teams/{teamId}/memberships",
        201,
        path=tp,
        json={"userId": uid, "accepted": True},
    )["data"]
    api.call("POST", ORG + "/teams/{teamId}/memberships", 409, path=tp, json={"userId": uid})
    api.call("GET", ORG + "/teams/{teamId}/memberships", 200, path=tp)
    mp = {**tp, "membershipId": tm["id"]}
    api.call("GET", ORG + "/teams/{teamId}/memberships/{membershipId}", 200, path=mp)
    api.call(
        "PATCH",
        ORG + "/teams/{teamId}/memberships/{membershipId}",
        200,
        path=mp,
        json={"role": "ADMIN"},
    )
    up = {**p, "userId": uid}
    entry = api.call(
        "POST",
        ORG + "/users/{userId}/ooo",
        201,
        path=up,
        json={
            "start": "2030-01-01T10:00:00Z",
            "end": "2030-01-03T00:00:00Z",
            "reason": "travel",
            "toUserId": 1,
        },
    )["data"]
    api.call(
        "POST",
        ORG + "/users/{userId}/ooo",
        409,
        path=up,
        json={"start": "2030-01-01T00:00:00Z", "end": "2030-01-03T00:00:00Z"},
    )
    api.call("GET", ORG + "/users/{userId}/ooo", 200, path=up, params={"sortStart": "desc"})
    api.call("GET", ORG + "/ooo", 200, path=p, params={"email": "c3@example.com"})
    op = {**up, "oooId": entry["id"]}
    api.call("PATCH", ORG + "/users/{userId}/ooo/{oooId}", 200, path=op, json={"notes": "n"})
    api.call("DELETE", ORG + "/users/{userId}/ooo/{oooId}", 200, path=op)
    api.call("DELETE", ORG + "/users/{userId}/ooo/{oooId}", 403, path=op)
    api.call("DELETE", ORG + "/teams/{teamId}/memberships/{membershipId}", 200, path=mp)
    _roles(api, ORG + "/teams/{teamId}/roles", tp, ["eventType.read"], "organization.read")
    api.call("DELETE", ORG + "/teams/{teamId}", 200, path=tp)


def _roles(api: ContractClient, base: str, p: dict, perms: list[str], foreign: str) -> None:
    api.call("GET", base, 200, path=p)
    role = api.call("POST", base, 201, path=p, json={"name": "R", "permissions": perms})["data"]
    api.call("POST", base, 400, path=p, json={"name": "R"})
    api.call("POST", base, 400, path=p, json={"name": "Q", "permissions": [foreign]})
    rp = {**p, "roleId": role["id"]}
    api.call("GET", base + "/{roleId}", 200, path=rp)
    api.call("GET", base + "/{roleId}", 404, path={**p, "roleId": "missing"})
    api.call("PATCH", base + "/{roleId}", 200, path=rp, json={"color": "#ffffff"})
    api.call("GET", base + "/{roleId}/permissions", 200, path=rp)
    api.call(
        "POST",
        base + "/{roleId}/permissions",
        200,
        path=rp,
        json={"permissions": ["booking.read", "webhook.read"]},
    )
    api.call(
        "PUT",
        base + "/{roleId}/permissions",
        200,
        path=rp,
        json={"permissions": ["booking.read", "webhook.read", "role.read"]},
    )
    api.call(
        "DELETE",
        base + "/{roleId}/permissions/{permission}",
        204,
        path={**rp, "permission": "role.read"},
    )
    api.call(
        "DELETE",
        base + "/{roleId}/permissions",
        204,
        path=rp,
        params={"permissions": "booking.read,webhook.read"},
    )
    api.call("DELETE", base + "/{roleId}", 200, path=rp)


def _webhooks(api: ContractClient, org: int) -> None:
    p = {"orgId": org}
    api.call("GET", ORG + "/webhooks", 200, path=p)
    hook = api.call(
        "POST",
        ORG + "/webhooks",
        201,
        path=p,
        json={
            "active": True,
            "subscriberUrl": "https://example.com/h",
            "triggers": ["BOOKING_CREATED"],
        },
    )["data"]
    api.call("POST", ORG + "/webhooks", 400, path=p, json={"active": True})
    wp = {**p, "webhookId": hook["id"]}
    api.call("GET", ORG + "/webhooks/{webhookId}", 200, path=wp)
    api.call("PATCH", ORG + "/webhooks/{webhookId}", 200, path=wp, json={"active": False})
    api.call("DELETE", ORG + "/webhooks/{webhookId}", 200, path=wp)
    api.call("GET", ORG + "/webhooks/{webhookId}", 403, path=wp)  # IsWebhookInOrg


def test_every_operation_matches_the_spec(api: ContractClient, box) -> None:
    org = box.org_id
    uid, _ = _users_and_memberships(api, org)
    _attributes(api, org, uid)
    _teams_and_ooo(api, org, uid)
    _roles(api, ORG + "/roles", {"orgId": org}, ["*.*"], "organization.bogus")
    _webhooks(api, org)
    implemented = {(method, template) for method, template, _ in all_routes()}
    assert implemented - api.covered == set()


def test_seeded_listings_match_the_spec(shared_sandbox, openapi_spec) -> None:
    """The seeded org (unicode names, every attribute type, OOO, roles) validates too."""
    headers = {"Authorization": f"Bearer {shared_sandbox.api_key}"}
    with httpx.Client(base_url=shared_sandbox.base_url, headers=headers, timeout=10) as client:
        api = ContractClient(client, SchemaBook(openapi_spec))
        p = {"orgId": shared_sandbox.org_id}
        members = api.call("GET", ORG + "/memberships", 200, path=p)["data"]
        kinds = {a["type"] for m in members for a in m["attributes"]}
        assert kinds == {"text", "number", "singleSelect", "multiSelect"}
        api.call("GET", ORG + "/users", 200, path=p, params={"take": 1000})
        assert api.call("GET", ORG + "/ooo", 200, path=p)["data"]
        assert api.call("GET", ORG + "/roles", 200, path=p)["data"]
        teams = api.call("GET", ORG + "/teams", 200, path=p)["data"]
        api.call(
            "GET", ORG + "/teams/{teamId}/memberships", 200, path={**p, "teamId": teams[0]["id"]}
        )
        api.call("GET", ORG + "/teams/{teamId}/roles", 200, path={**p, "teamId": teams[0]["id"]})
        api.call("GET", ORG + "/webhooks", 200, path=p)
