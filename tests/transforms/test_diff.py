"""The diff stage on small hand-made organizations: every kind of change, joiners and
leavers only as such, and ids that change while natural keys stay are no change at all.

Snapshots are built from API-shaped records (``tests/export_samples.py``) through the
export's own ``tables_from_listing``, so they have exactly the tables an export writes.
"""

from __future__ import annotations

import copy

import polars as pl
import pytest

from tests.export_samples import sample_records, user
from transforms.diff import KINDS, diff_snapshots
from transforms.snapshot.listing_tables import tables_from_listing
from transforms.snapshot.schemas import TABLE_NAMES


def tables_of(records: dict) -> dict[str, pl.DataFrame]:
    built = {}
    for listing, rows in records.items():
        built |= tables_from_listing(listing, rows)
    return {name: built[name] for name in TABLE_NAMES}


def by_id(rows: list[dict], key: str, value) -> dict:
    return next(row for row in rows if row[key] == value)


def dicts(frame: pl.DataFrame) -> list[dict]:
    return frame.to_dicts()


@pytest.fixture
def before() -> dict:
    return sample_records()


@pytest.fixture
def after(before) -> dict:
    return copy.deepcopy(before)


def diff(before: dict, after: dict):
    return diff_snapshots(tables_of(before), tables_of(after))


def test_the_same_snapshot_has_no_changes(before):
    changes = diff(before, before)
    assert changes.counts() == dict.fromkeys(KINDS, 0)
    assert dicts(changes.team_headcounts) == [
        {"team": "Sales", "old": 1, "new": 1},
        {"team": "Support", "old": 2, "new": 2},
    ]


def _renumbered(records: dict) -> dict:
    """Every id changed (as after a restore into another org), rows reordered, e-mails in
    another case: the same organization for a person."""
    new = copy.deepcopy(records)
    uid = lambda old: None if old is None else old + 1000  # noqa: E731
    tid = lambda old: None if old is None else old + 300  # noqa: E731
    for u in new["users"]:
        u["id"] = uid(u["id"])
        u["email"] = u["email"].upper()
    for m in new["memberships"]:
        m["id"] += 7
        m["userId"] = uid(m["userId"])
        for a in m["attributes"]:
            a["id"] = "new-" + a["id"]
            if "optionId" in a:
                a["optionId"] = "new-" + a["optionId"]
            for choice in a.get("options", []):
                choice["optionId"] = "new-" + choice["optionId"]
    for a in new["attributes"]:
        a["id"] = "new-" + a["id"]
    for o in new["attribute_options"]:
        o["id"], o["attributeId"] = "new-" + o["id"], "new-" + o["attributeId"]
    for o in new["ooo"]:
        o["id"] += 50
        o["uuid"] = "other-" + o["uuid"]
        o["userId"], o["toUserId"] = uid(o["userId"]), uid(o.get("toUserId"))
    for t in new["teams"]:
        t["id"] = tid(t["id"])
    for m in new["team_memberships"]:
        m["id"] += 9
        m["userId"], m["teamId"] = uid(m["userId"]), tid(m["teamId"])
    for r in new["roles"]:
        r["id"] = "new-" + r["id"]
        if "teamId" in r:
            r["teamId"] = tid(r["teamId"])
    for w in new["webhooks"]:
        w["id"] = "moved-" + w["id"]
        w["triggers"] = list(reversed(w["triggers"]))
    for rows in new.values():
        rows.reverse()
    return new


def test_ids_that_change_while_natural_keys_stay_are_no_change(before):
    after = _renumbered(before)
    assert (
        tables_of(after)["users"]["user_id"].to_list()
        != tables_of(before)["users"]["user_id"].to_list()
    )
    changes = diff(before, after)
    assert changes.counts() == dict.fromkeys(KINDS, 0)


def test_joiners_and_leavers_appear_only_as_such(before, after):
    after["users"] = [u for u in after["users"] if u["id"] != 12]  # cy leaves, with an OOO
    after["memberships"] = [m for m in after["memberships"] if m["userId"] != 12]
    after["ooo"] = [o for o in after["ooo"] if o["userId"] != 12]
    after["users"].append(user(13, "Dee@Acme.test", "Dee"))  # a joiner, with everything
    after["memberships"].append(
        {"id": 503, "userId": 13, "teamId": 1, "accepted": True, "role": "ADMIN",
         "user": {"email": "dee@acme.test"},
         "attributes": [{"id": "a-dept", "name": "Department", "type": "singleSelect",
                         "option": "Sales", "optionId": "o-sales"}]}
    )  # fmt: skip
    after["team_memberships"].append(
        {"id": 703, "userId": 13, "teamId": 20, "accepted": True, "role": "MEMBER"}
    )
    after["ooo"].append(
        {"id": 902, "userId": 13, "start": "2026-05-01T00:00:00.000Z",
         "end": "2026-05-02T23:59:59.999Z", "reason": "travel"}
    )  # fmt: skip
    changes = diff(before, after)
    assert dicts(changes.joiners) == [{"email": "dee@acme.test"}]
    assert dicts(changes.leavers) == [{"email": "cy@acme.test"}]
    per_person = [changes.org_role_changes, changes.team_membership_changes,
                  changes.attribute_changes, changes.ooo_changes]  # fmt: skip
    assert all(frame.is_empty() for frame in per_person)
    assert changes.definition_changes.is_empty()
    assert dicts(changes.team_headcounts)[0] == {"team": "Sales", "old": 1, "new": 2}


def test_org_role_changes(before, after):
    by_id(after["memberships"], "userId", 11)["role"] = "ADMIN"
    changes = diff(before, after)
    assert dicts(changes.org_role_changes) == [
        {"email": "bob@acme.test", "from": "MEMBER", "to": "ADMIN"}
    ]
    assert changes.counts()["org_role_changes"] == 1


def test_team_membership_changes_joined_left_and_role(before, after):
    after["team_memberships"] = [m for m in after["team_memberships"] if m["id"] != 700]
    by_id(after["team_memberships"], "id", 701)["role"] = "MEMBER"
    after["team_memberships"].append(
        {"id": 710, "userId": 11, "teamId": 20, "accepted": True, "role": "OWNER"}
    )
    changes = diff(before, after)
    assert dicts(changes.team_membership_changes) == [
        {"email": "ada@acme.test", "team": "Sales", "change": "left", "from": "MEMBER", "to": None},
        {"email": "ada@acme.test", "team": "Support", "change": "role", "from": "ADMIN",
         "to": "MEMBER"},
        {"email": "bob@acme.test", "team": "Sales", "change": "joined", "from": None,
         "to": "OWNER"},
    ]  # fmt: skip
    assert dicts(changes.team_headcounts) == [
        {"team": "Sales", "old": 1, "new": 1},
        {"team": "Support", "old": 2, "new": 2},
    ]


def test_attribute_changes_list_removed_and_added_values(before, after):
    ada = by_id(after["memberships"], "userId", 10)["attributes"]
    ada[0].update(option="Support", optionId="o-support")  # department Sales -> Support
    ada[1]["options"] = [{"optionId": "o-en", "option": "English"}]  # languages lose French
    ada[2]["option"] = "C-3"  # desk text
    bob = by_id(after["memberships"], "userId", 11)["attributes"]
    bob.append({"id": "a-lang", "name": "Languages", "type": "multiSelect",
                "options": [{"optionId": "o-fr", "option": "French"}]})  # fmt: skip
    changes = diff(before, after)
    assert dicts(changes.attribute_changes) == [
        {"email": "ada@acme.test", "attribute": "department", "removed": ["Sales"],
         "added": ["Support"]},
        {"email": "ada@acme.test", "attribute": "desk", "removed": ["B-12"], "added": ["C-3"]},
        {"email": "ada@acme.test", "attribute": "languages", "removed": ["French"], "added": []},
        {"email": "bob@acme.test", "attribute": "languages", "removed": [], "added": ["French"]},
    ]  # fmt: skip


def test_ooo_changes_keyed_on_person_and_dates(before, after):
    by_id(after["ooo"], "id", 900)["reason"] = "travel"  # changed
    by_id(after["ooo"], "id", 901)["end"] = "2026-04-02T23:59:59.999Z"  # new dates: -/+
    after["ooo"].append({"id": 950, "userId": 11, "start": "2026-06-10T00:00:00.000Z",
                         "end": "2026-06-12T00:00:00.000Z", "reason": "vacation"})  # fmt: skip
    changes = diff(before, after)
    rows = dicts(changes.ooo_changes)
    assert [{k: r[k] for k in ("email", "start", "end", "change")} for r in rows] == [
        {"email": "ada@acme.test", "start": "2026-03-01", "end": "2026-03-05", "change": "changed"},
        {"email": "bob@acme.test", "start": "2026-06-10", "end": "2026-06-12", "change": "added"},
        {"email": "cy@acme.test", "start": "2026-04-01", "end": "2026-04-01", "change": "removed"},
        {"email": "cy@acme.test", "start": "2026-04-01", "end": "2026-04-02", "change": "added"},
    ]  # fmt: skip
    assert rows[0]["detail"] == "reason: vacation -> travel"


def test_definition_changes_of_every_kind(before, after):
    by_id(after["teams"], "id", 20)["slug"] = "sales-emea"  # team changed
    after["teams"].append({"id": 22, "name": "Legal", "slug": "legal"})  # team added
    by_id(after["attributes"], "id", "a-level")["enabled"] = True  # attribute changed
    after["attribute_options"] = [o for o in after["attribute_options"] if o["id"] != "o-support"]
    for m in after["memberships"]:  # nobody holds the removed option any more
        m["attributes"] = [a for a in m["attributes"] if a.get("optionId") != "o-support"]
    after["attribute_options"].append(
        {"id": "o-de", "attributeId": "a-lang", "value": "German", "slug": "german"}
    )
    after["roles"] = [r for r in after["roles"] if r["id"] != "r-team"]  # role removed
    by_id(after["roles"], "id", "r-org")["permissions"] = ["booking.read", "team.invite"]
    planner = {"id": "r-new", "name": "Planner", "organizationId": 1, "type": "CUSTOM"}
    after["roles"].append({**planner, "permissions": ["webhook.read", "booking.read"]})
    hook = after["webhooks"][0]
    hook["triggers"] = ["BOOKING_CREATED"]
    after["webhooks"].append({"id": "w6", "subscriberUrl": "https://hooks.test/b", "active": False,
                              "triggers": ["OOO_CREATED"]})  # fmt: skip
    changes = diff(before, after)
    assert dicts(changes.definition_changes) == [
        {"kind": "team", "key": "Legal", "change": "added", "detail": ""},
        {"kind": "team", "key": "Sales", "change": "changed",
         "detail": "slug: sales -> sales-emea"},
        {"kind": "attribute", "key": "level", "change": "changed",
         "detail": "enabled: false -> true"},
        {"kind": "option", "key": "department: Support", "change": "removed", "detail": ""},
        {"kind": "option", "key": "languages: German", "change": "added", "detail": ""},
        {"kind": "role", "key": "Lead (team Support)", "change": "removed",
         "detail": "permissions: eventType.update"},
        {"kind": "role", "key": "Planner", "change": "added",
         "detail": "permissions: booking.read, webhook.read"},
        {"kind": "permission", "key": "Auditor: team.invite", "change": "added", "detail": ""},
        {"kind": "permission", "key": "Auditor: webhook.read", "change": "removed", "detail": ""},
        {"kind": "webhook", "key": "https://hooks.test/a", "change": "changed",
         "detail": "triggers: BOOKING_CREATED, OOO_CREATED -> BOOKING_CREATED"},
        {"kind": "webhook", "key": "https://hooks.test/b", "change": "added", "detail": ""},
    ]  # fmt: skip
    assert changes.counts()["definition_changes"] == 11
    bob = dicts(changes.attribute_changes)
    assert bob == [{"email": "bob@acme.test", "attribute": "department",
                    "removed": ["Support"], "added": []}]  # fmt: skip


def test_a_missing_table_reads_as_empty(before):
    tables = tables_of(before)
    without = {k: v for k, v in tables.items() if k not in ("webhooks", "ooo_entries")}
    changes = diff_snapshots(without, without)
    assert changes.counts() == dict.fromkeys(KINDS, 0)
