"""List filters, assigned-option listings, team guards and membership upserts."""

from __future__ import annotations

import httpx


def _user(owner: httpx.Client, email: str) -> dict:
    response = owner.post("/users", json={"email": email})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _ids(response: httpx.Response) -> set[int]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["data"]}


def test_user_filters_by_option_team_and_email(owner: httpx.Client) -> None:
    attribute = owner.post(
        "/attributes",
        json={"name": "Shift", "slug": "shift", "type": "MULTI_SELECT",
              "options": [{"value": "Early", "slug": "early"}, {"value": "Late", "slug": "late"}]},
    ).json()["data"]  # fmt: skip
    early, late = owner.get(f"/attributes/{attribute['id']}/options").json()["data"]
    both, only_early, nothing = (_user(owner, f"{n}@shift.example") for n in ("b", "e", "n"))
    for user, options in ((both, (early, late)), (only_early, (early,))):
        for option in options:
            body = {"attributeId": attribute["id"], "attributeOptionId": option["id"]}
            assert owner.post(f"/attributes/options/{user['id']}", json=body).status_code == 201
    ids = f"{early['id']},{late['id']}"
    assert _ids(owner.get("/users", params={"assignedOptionIds": ids})) == {both["id"]}
    either = owner.get("/users", params={"assignedOptionIds": ids, "attributeQueryOperator": "OR"})
    assert {both["id"], only_early["id"]} <= _ids(either) and nothing["id"] not in _ids(either)
    none = owner.get(
        "/users", params={"assignedOptionIds": late["id"], "attributeQueryOperator": "NONE"}
    )
    # NONE runs over assignment rows: users without assignments never appear, and a user
    # holding another option of the list's complement does
    assert nothing["id"] not in _ids(none) and {both["id"], only_early["id"]} <= _ids(none)
    emails = owner.get(
        "/users", params=[("emails", "b@shift.example"), ("emails", "n@shift.example")]
    )
    assert _ids(emails) == {both["id"], nothing["id"]}
    assert owner.get("/users", params={"emails": "not-an-email"}).status_code == 400

    assigned = owner.get(f"/attributes/{attribute['id']}/options/assigned").json()["data"]
    holders = {item["slug"]: sorted(item["assignedUserIds"]) for item in assigned}
    assert holders == {"early": sorted([both["id"], only_early["id"]]), "late": [both["id"]]}
    team = owner.post("/teams", json={"name": "Nobody here"}).json()["data"]
    missing = owner.get(
        "/attributes/slugs/shift/options/assigned", params={"teamIds": str(team["id"])}
    )
    # the 404 is only for assignedOptionIds nobody holds (getOrganizationAttributeAssignedOptions):
    # a teamIds filter that matches no holder is an empty list
    assert missing.status_code == 200 and missing.json()["data"] == []
    unheld = owner.get(
        "/attributes/slugs/shift/options/assigned",
        params={"assignedOptionIds": early["id"], "teamIds": str(team["id"])},
    )
    assert unheld.status_code == 404
    by_team = owner.get("/users", params={"teamIds": str(team["id"])})
    assert _ids(by_team) == {1}  # only its creator, the owner, made team OWNER on create


def test_team_admin_guard_and_422_for_outsiders(owner: httpx.Client, client_for, box) -> None:
    team = owner.post("/teams", json={"name": "Guarded"}).json()["data"]
    member = client_for("member")
    path = f"/teams/{team['id']}/memberships"
    assert member.get(path).status_code == 403
    member_id = httpx.get(f"{box.base_url}/v2/me", headers=member.headers).json()["data"]["id"]
    made = owner.post(path, json={"userId": member_id, "role": "ADMIN", "accepted": True})
    assert made.status_code == 201
    assert member.get(path).status_code == 200  # a team ADMIN passes TEAM_ADMIN routes
    assert member.patch(f"/teams/{team['id']}", json={"bio": "x"}).status_code == 403  # ORG_ADMIN
    assert {t["id"] for t in member.get("/teams/me").json()["data"]} == {team["id"]}

    outsider = _user(owner, "outsider-team@example.com")
    membership = next(
        m
        for m in owner.get("/memberships", params={"take": 250}).json()["data"]
        if m["userId"] == outsider["id"]
    )
    owner.delete(f"/memberships/{membership['id']}")
    refused = owner.post(path, json={"userId": outsider["id"]})
    assert refused.status_code == 422
    assert refused.json()["error"]["message"] == "User is not part of the Organization"


def test_membership_post_is_an_upsert(owner: httpx.Client) -> None:
    user = _user(owner, "upsert@example.com")
    first = owner.post("/memberships", json={"userId": user["id"], "role": "ADMIN"})
    assert first.status_code == 201
    assert (first.json()["data"]["role"], first.json()["data"]["accepted"]) == ("ADMIN", False)
    listed = owner.get("/memberships", params={"take": 250}).json()["data"]
    assert sum(1 for m in listed if m["userId"] == user["id"]) == 1


def test_org_wide_ooo_sorting_and_email(owner: httpx.Client) -> None:
    user = _user(owner, "sorted-ooo@example.com")
    for day in ("2032-05-10", "2032-05-01", "2032-05-20"):
        body = {"start": f"{day}T00:00:00Z", "end": f"{day}T00:00:00Z"}
        assert owner.post(f"/users/{user['id']}/ooo", json=body).status_code == 201
    listed = owner.get(
        "/ooo", params={"email": "sorted-ooo@example.com", "sortStart": "asc"}
    ).json()["data"]
    assert [e["start"][:10] for e in listed] == ["2032-05-01", "2032-05-10", "2032-05-20"]
    by_end = owner.get(
        "/ooo", params={"email": "sorted-ooo@example.com", "sortStart": "asc", "sortEnd": "desc"}
    ).json()["data"]
    assert [e["end"][:10] for e in by_end] == ["2032-05-20", "2032-05-10", "2032-05-01"]
