"""Change an organization through the sandbox's HTTP API, as an admin would in Cal.com, and
say which change report that must produce (natural keys: e-mails, team names, slugs)."""

from __future__ import annotations

import httpx

JOINER = "new.joiner@example.com"
NEW_TEAM = "Night Shift"
OOO = {"start": "2031-03-02T00:00:00Z", "end": "2031-03-06T00:00:00Z"}


def owner_client(box) -> httpx.Client:
    return httpx.Client(
        base_url=f"{box.base_url}/v2/organizations/{box.org_id}",
        headers={"Authorization": f"Bearer {box.api_key}"},
        timeout=30,
    )


def _ok(response: httpx.Response) -> dict:
    assert response.status_code in (200, 201), response.text
    return response.json()["data"]


def change_org(box) -> dict:
    """A joiner, a leaver, a team change, an attribute change, a new OOO entry and a new team;
    returns the change report's lists they must produce, exactly."""
    with owner_client(box) as api:
        users = _ok(api.get("/users", params={"take": 250}))
        owner_email = _ok(httpx.get(f"{box.base_url}/v2/me", headers=api.headers))["email"]
        memberships = _ok(api.get("/memberships", params={"take": 250}))
        members = {m["userId"] for m in memberships if m["accepted"]}  # the API acts on these
        seeded = [u for u in users if "@acme-sandbox.example" not in u["email"]
                  and u["id"] in members]  # fmt: skip
        leaver, stayers = seeded[-1], seeded[:-1]
        _ok(api.post("/users", json={"email": JOINER}))
        _ok(api.delete(f"/users/{leaver['id']}"))

        # team change: someone joins a team they are not in
        mover = team = None
        for candidate in _ok(api.get("/teams")):
            members = _ok(api.get(f"/teams/{candidate['id']}/memberships", params={"take": 250}))
            outside = [u for u in stayers if u["id"] not in {m["userId"] for m in members}]
            if outside:
                mover, team = outside[0], candidate
                break
        assert team is not None, "every seeded user is already in every team"
        holder, traveller = [u for u in stayers if u is not mover][:2]
        body = {"userId": mover["id"], "role": "MEMBER", "accepted": True}
        _ok(api.post(f"/teams/{team['id']}/memberships", json=body))

        # attribute change: the holder gets a multi-select option they do not have
        attribute = next(a for a in _ok(api.get("/attributes")) if a["type"] == "MULTI_SELECT")
        held = {o["id"] for o in _ok(api.get(f"/attributes/options/{holder['id']}"))}
        options = _ok(api.get(f"/attributes/{attribute['id']}/options"))
        option = next(o for o in options if o["id"] not in held)
        body = {"attributeId": attribute["id"], "attributeOptionId": option["id"]}
        _ok(api.post(f"/attributes/options/{holder['id']}", json=body))

        _ok(api.post(f"/users/{traveller['id']}/ooo", json=OOO))
        _ok(api.post("/teams", json={"name": NEW_TEAM}))  # its creator becomes its OWNER

    return {
        "joiners": [JOINER],
        "leavers": [leaver["email"].lower()],
        "org_role_changes": [],
        "team_memberships": {
            (mover["email"].lower(), team["name"], "joined"),
            (owner_email.lower(), NEW_TEAM, "joined"),
        },
        "attribute_changes": [
            {
                "email": holder["email"].lower(),
                "attribute": attribute["slug"],
                "removed": [],
                "added": [option["value"]],
            }
        ],
        "ooo_changes": [(traveller["email"].lower(), "2031-03-02", "2031-03-06", "added")],
        "definitions": {("team", NEW_TEAM, "added")},
    }


def assert_exactly(changes: dict, expected: dict) -> None:
    """``changes.json`` lists exactly the expected changes, nothing more."""
    assert changes["joiners"] == expected["joiners"]
    assert changes["leavers"] == expected["leavers"]
    assert changes["org_role_changes"] == expected["org_role_changes"]
    teams = [(c["email"], c["team"], c["change"]) for c in changes["team_membership_changes"]]
    assert sorted(teams) == sorted(expected["team_memberships"])
    assert changes["attribute_changes"] == expected["attribute_changes"]
    ooo = [(c["email"], c["start"], c["end"], c["change"]) for c in changes["ooo_changes"]]
    assert ooo == expected["ooo_changes"]
    definitions = [(c["kind"], c["key"], c["change"]) for c in changes["definition_changes"]]
    assert sorted(definitions) == sorted(expected["definitions"])


def assert_no_changes(changes: dict) -> None:
    kinds = ["joiners", "leavers", "org_role_changes", "team_membership_changes",
             "attribute_changes", "ooo_changes", "definition_changes"]  # fmt: skip
    assert {kind: changes[kind] for kind in kinds} == {kind: [] for kind in kinds}
    assert not any(changes["counts"].values()), changes["counts"]
