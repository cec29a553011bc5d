"""What the sandbox holds, read independently of calapi and transforms: plain httpx paging.

Each reader builds the rows a snapshot table must contain straight from the JSON,
with its own field mapping, so a bug in calapi or transforms cannot hide here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import polars as pl

from tests.export_samples import CONTRACT_COLUMNS

USERS_TAKE = 1000
TAKE = 250


class SandboxReader:
    def __init__(self, base_url: str, api_key: str, org_id: int) -> None:
        self.http = httpx.Client(
            base_url=f"{base_url}/v2/organizations/{org_id}",
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=30,
        )

    def all(self, path: str, take: int = TAKE) -> list[dict]:
        rows: list[dict] = []
        while True:
            response = self.http.get(path, params={"take": take, "skip": len(rows)})
            response.raise_for_status()
            page = response.json()["data"]
            rows += page
            if len(page) < take:
                return rows

    def one(self, path: str) -> list:
        response = self.http.get(path)
        response.raise_for_status()
        return response.json()["data"]


def _text(value: object) -> str:
    return str(value)


def expected_tables(reader: SandboxReader) -> dict[str, set[tuple]]:
    """table -> the set of rows (as tuples of the columns named in ORACLE_COLUMNS)."""
    users = reader.all("/users", USERS_TAKE)
    memberships = reader.all("/memberships")
    attributes = reader.all("/attributes")
    options = [o for a in attributes for o in reader.one(f"/attributes/{a['id']}/options")]
    teams = reader.all("/teams")
    team_members = [m for t in teams for m in reader.all(f"/teams/{t['id']}/memberships")]
    roles = reader.all("/roles") + [r for t in teams for r in reader.all(f"/teams/{t['id']}/roles")]
    assignments = set()
    for m in memberships:
        for a in m["attributes"]:
            choices = a["options"] if a["type"] == "multiSelect" else [a]
            for c in choices:
                assignments.add((m["userId"], a["id"], c.get("optionId"), _text(c["option"])))
    return {
        "users": {
            (u["id"], u["email"], u["username"], u["name"], u["timeZone"], u["weekStart"],
             u["locale"], u["timeFormat"], u["createdDate"])
            for u in users
        },
        "memberships": {
            (m["id"], m["userId"], m["role"], m["accepted"], m["disableImpersonation"])
            for m in memberships
        },
        "attributes": {
            (a["id"], a["name"], a["slug"], a["type"], a["enabled"]) for a in attributes
        },
        "attribute_options": {(o["id"], o["attributeId"], o["value"], o["slug"]) for o in options},
        "attribute_assignments": assignments,
        "ooo_entries": {
            (o["id"], o["userId"], o.get("toUserId"), o["start"], o["end"], o["reason"],
             o.get("notes"))
            for o in reader.all("/ooo")
        },
        "teams": {(t["id"], t["name"], t.get("slug")) for t in teams},
        "team_memberships": {
            (m["id"], m["teamId"], m["userId"], m["role"], m["accepted"]) for m in team_members
        },
        "roles": {
            (r["id"], r.get("teamId"), r["name"], r.get("description"), r.get("color"), r["type"])
            for r in roles
        },
        "role_permissions": {(r["id"], p) for r in roles for p in r["permissions"]},
        "webhooks": {
            (w["id"], w["subscriberUrl"], tuple(w["triggers"]), w["active"],
             w.get("payloadTemplate"))
            for w in reader.all("/webhooks")
        },
    }  # fmt: skip


# The contract columns the oracle reads back independently (not: bio, avatar, verified, uuid).
NOT_COMPARED = {"users": ("bio", "avatar_url", "verified"), "ooo_entries": ("uuid",)}
ORACLE_COLUMNS = {
    table: [c for c in columns if c not in NOT_COMPARED.get(table, ())]
    for table, columns in CONTRACT_COLUMNS.items()
}


def _cell(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if isinstance(value, list):
        return tuple(value)
    return value


def snapshot_rows(data: pl.DataFrame, table: str) -> set[tuple]:
    """A snapshot table's rows in the oracle's representation (ISO ...Z times, tuples)."""
    columns = ORACLE_COLUMNS[table]
    return {tuple(_cell(v) for v in row) for row in data.select(columns).iter_rows()}
