"""The API behaviours that bite a bulk tool, checked against a real sandbox process."""

from __future__ import annotations

import httpx
import pytest


def _new_user(owner: httpx.Client, email: str, **extra: object) -> dict:
    response = owner.post("/users", json={"email": email, **extra})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _membership_of(owner: httpx.Client, user_id: int) -> dict:
    for skip in range(0, 10_000, 250):
        page = owner.get("/memberships", params={"take": 250, "skip": skip}).json()["data"]
        for item in page:
            if item["userId"] == user_id:
                return item
        if len(page) < 250:
            break
    raise AssertionError(f"no membership for user {user_id}")


def test_user_create_ignores_name_and_lowercases_email(owner: httpx.Client) -> None:
    user = _new_user(owner, "New.Hire@Example.COM", name="Ignored Name", bogus=1)
    assert user["email"] == "new.hire@example.com"
    assert user["name"] is None
    assert user["username"] == "new-hire-example"
    assert (
        user["profile"]["organizationId"]
        == owner.get("/memberships?take=1").json()["data"][0]["teamId"]
    )


def test_user_update_ignores_name(owner: httpx.Client) -> None:
    user = _new_user(owner, "rename.me@example.com")
    response = owner.patch(f"/users/{user['id']}", json={"name": "Nope", "bio": "Hi"})
    assert response.status_code == 200
    assert response.json()["data"]["name"] is None
    assert response.json()["data"]["bio"] == "Hi"


def test_duplicate_email_and_username_conflict(owner: httpx.Client) -> None:
    _new_user(owner, "dup@example.com", username="dupe")
    again = owner.post("/users", json={"email": "DUP@example.com"})
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "A user already exists with that email"
    taken = owner.post("/users", json={"email": "other@example.com", "username": "DUPE"})
    assert taken.status_code == 409
    assert taken.json()["error"]["message"] == "Username is already taken"


def test_validation_error_is_class_validator_shaped(owner: httpx.Client) -> None:
    response = owner.post("/users", json={"email": "not-an-email", "timeFormat": 13})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequestException"
    by_property = {item["property"]: item for item in error["details"]["errors"]}
    assert by_property["email"]["constraints"] == {"isEmail": "email must be an email"}
    assert by_property["email"]["value"] == "not-an-email"
    assert "isEnum" in by_property["timeFormat"]["constraints"]


def test_delete_user_deletes_the_account_but_delete_membership_keeps_it(
    owner: httpx.Client,
) -> None:
    gone = _new_user(owner, "gone@example.com")
    assert owner.delete(f"/users/{gone['id']}").status_code == 200
    # the account is gone: the e-mail is free again for a brand-new user
    assert _new_user(owner, "gone@example.com")["id"] != gone["id"]

    kept = _new_user(owner, "kept@example.com")
    membership = _membership_of(owner, kept["id"])
    assert owner.delete(f"/memberships/{membership['id']}").status_code == 200
    listed = owner.get("/users", params={"emails": "kept@example.com"}).json()["data"]
    assert listed == []
    # the account survives outside the org: the same e-mail is a Prisma-level conflict
    again = owner.post("/users", json={"email": "kept@example.com"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "CONFLICT"


def _attribute(owner: httpx.Client, kind: str, slug: str, options: list[str]) -> dict:
    body = {
        "name": slug.title(),
        "slug": slug,
        "type": kind,
        "options": [{"value": v, "slug": v.lower()} for v in options],
    }
    response = owner.post("/attributes", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def test_single_select_assign_does_not_replace(owner: httpx.Client) -> None:
    attribute = _attribute(owner, "SINGLE_SELECT", "team-colour", ["Red", "Blue"])
    red, blue = owner.get(f"/attributes/{attribute['id']}/options").json()["data"]
    user = _new_user(owner, "colour@example.com")
    for option in (red, blue):
        body = {"attributeId": attribute["id"], "attributeOptionId": option["id"]}
        assert owner.post(f"/attributes/options/{user['id']}", json=body).status_code == 201
    held = owner.get(f"/attributes/options/{user['id']}").json()["data"]
    assert {o["id"] for o in held} == {red["id"], blue["id"]}
    # memberships show only the first value of a single select
    shown = _membership_of(owner, user["id"])["attributes"]
    assert shown == [
        {
            "id": attribute["id"],
            "name": "Team-Colour",
            "type": "singleSelect",
            "option": "Red",
            "optionId": red["id"],
        }
    ]
    duplicate = owner.post(
        f"/attributes/options/{user['id']}",
        json={"attributeId": attribute["id"], "attributeOptionId": red["id"]},
    )
    assert duplicate.status_code == 409


@pytest.mark.parametrize("kind", ["TEXT", "NUMBER"])
def test_value_creates_a_new_option_each_time(owner: httpx.Client, kind: str) -> None:
    attribute = _attribute(owner, kind, f"free-{kind.lower()}", ["ignored"])
    assert owner.get(f"/attributes/{attribute['id']}/options").json()["data"] == []
    first, second = _new_user(owner, f"a-{kind}@example.com"), _new_user(owner, f"b-{kind}@x.io")
    for user in (first, second):
        body = {"attributeId": attribute["id"], "value": "42"}
        assert owner.post(f"/attributes/options/{user['id']}", json=body).status_code == 201
    options = owner.get(f"/attributes/{attribute['id']}/options").json()["data"]
    assert [o["value"] for o in options] == ["42", "42"]
    assert options[0]["id"] != options[1]["id"]


def test_value_on_select_attribute_is_refused(owner: httpx.Client) -> None:
    attribute = _attribute(owner, "MULTI_SELECT", "langs", ["Go"])
    user = _new_user(owner, "langs@example.com")
    response = owner.post(
        f"/attributes/options/{user['id']}", json={"attributeId": attribute["id"], "value": "Go"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Attribute type does not support value"


def _two_users_in_team(owner: httpx.Client) -> tuple[dict, dict]:
    away, cover = _new_user(owner, "away@example.com"), _new_user(owner, "cover@example.com")
    team = owner.post("/teams", json={"name": "OOO squad"}).json()["data"]
    for user in (away, cover):
        body = {"userId": user["id"], "accepted": True}
        assert owner.post(f"/teams/{team['id']}/memberships", json=body).status_code == 201
    return away, cover


def test_ooo_whole_days_duplicate_and_coverer(owner: httpx.Client) -> None:
    away, cover = _two_users_in_team(owner)
    body = {
        "start": "2030-03-02T15:30:00.000Z",
        "end": "2030-03-04T08:00:00Z",
        "reason": "vacation",
        "toUserId": cover["id"],
    }
    response = owner.post(f"/users/{away['id']}/ooo", json=body)
    assert response.status_code == 201, response.text
    entry = response.json()["data"]
    assert (entry["start"], entry["end"]) == (
        "2030-03-02T00:00:00.000Z",
        "2030-03-04T23:59:59.999Z",
    )
    again = owner.post(f"/users/{away['id']}/ooo", json={**body, "start": "2030-03-02T01:00:00Z"})
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "Ooo entry already exists."
    bad_date = owner.post(f"/users/{away['id']}/ooo", json={**body, "start": "2030-03-02"})
    assert bad_date.json()["error"]["message"] == "Invalid Date."
    to_self = owner.post(
        f"/users/{away['id']}/ooo",
        json={**body, "end": "2030-04-01T00:00:00Z", "toUserId": away["id"]},
    )
    assert to_self.json()["error"]["message"] == "Cannot redirect to self."


def test_ooo_coverer_must_share_a_team(owner: httpx.Client) -> None:
    away = _new_user(owner, "loner@example.com")
    outsider = _new_user(owner, "outsider@example.com")
    membership = _membership_of(owner, outsider["id"])
    owner.delete(f"/memberships/{membership['id']}")  # outsider now shares no team or org
    body = {
        "start": "2031-01-01T00:00:00Z",
        "end": "2031-01-02T00:00:00Z",
        "toUserId": outsider["id"],
    }
    response = owner.post(f"/users/{away['id']}/ooo", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Cannot redirect to this user."


def test_member_key_is_forbidden_on_admin_routes(client_for) -> None:
    member = client_for("member")
    response = member.get("/users")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "ForbiddenException"
    assert member.get("/attributes").status_code == 200  # ORG_MEMBER route
    admin = client_for("admin")
    assert admin.get("/users", params={"take": 1}).status_code == 200


def test_missing_or_wrong_credentials_are_401_after_the_throttler(box) -> None:
    url = f"{box.base_url}/v2/organizations/{box.org_id}/attributes"
    bare = httpx.get(url)
    assert bare.status_code == 401
    assert bare.json()["error"]["message"].startswith(
        "ApiAuthStrategy - No authentication method provided"
    )
    assert "X-RateLimit-Remaining-Default" in bare.headers  # counted (by IP) before auth
    client_id = box.oauth_client["client_id"]
    wrong_secret = httpx.get(url, headers={"x-cal-client-id": client_id, "x-cal-secret-key": "x"})
    assert wrong_secret.status_code == 401
    assert wrong_secret.json()["error"]["message"].endswith("Invalid client secret")


def test_unknown_ids_and_org(owner: httpx.Client, box) -> None:
    assert owner.get("/memberships/999999").status_code == 404
    assert owner.get("/attributes/nope").json() == {"status": "success", "data": None}
    assert owner.patch("/attributes/nope", json={"name": "x"}).json()["error"]["code"] == (
        "NOT_FOUND"
    )
    assert owner.patch("/users/999999", json={"bio": "x"}).status_code == 403
    other_org = httpx.get(
        f"{box.base_url}/v2/organizations/{box.org_id + 1}/users",
        headers={"Authorization": f"Bearer {box.api_key}"},
    )
    assert other_org.status_code == 403


def test_pagination_bounds_and_no_pagination_object(owner: httpx.Client) -> None:
    assert owner.get("/memberships", params={"take": 251}).status_code == 400
    assert owner.get("/memberships", params={"take": 0}).status_code == 400
    assert owner.get("/users", params={"take": 1000}).status_code == 200
    assert owner.get("/users", params={"take": 1001}).status_code == 400
    body = owner.get("/memberships", params={"take": 5, "skip": 2}).json()
    assert set(body) == {"status", "data"}
    everything = owner.get("/memberships", params={"take": 250}).json()["data"]
    assert [m["id"] for m in body["data"]] == [m["id"] for m in everything[2:7]]


def test_custom_role_permissions(owner: httpx.Client) -> None:
    role = owner.post("/roles", json={"name": "Bulk Editor", "permissions": ["role.read"]})
    assert role.status_code == 201
    role_id = role.json()["data"]["id"]
    duplicate = owner.post("/roles", json={"name": "Bulk Editor"})
    assert duplicate.json()["error"]["message"] == 'Role with name "Bulk Editor" already exists'
    added = owner.post(f"/roles/{role_id}/permissions", json={"permissions": ["booking.read"]})
    assert (added.status_code, added.json()["data"]) == (200, ["role.read", "booking.read"])
    bad = owner.put(f"/roles/{role_id}/permissions", json={"permissions": ["nope"]})
    assert bad.status_code == 400
    assert bad.json()["error"]["message"].startswith("Permission 'nope' must be a valid")
    assert owner.delete(f"/roles/{role_id}/permissions/role.read").status_code == 204
    assert owner.get(f"/roles/{role_id}/permissions").json()["data"] == ["booking.read"]
