"""Snapshots for the backup tests, written by the export's own writer from API-shaped
records (``tests/export_samples.py``), and a second state of the same org with one change
of each kind a person would notice."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path

import polars as pl

from flows.export.snapshot import SnapshotRun, write_snapshot
from tests.export_samples import sample_records, user
from transforms.snapshot.listing_tables import tables_from_listing
from transforms.snapshot.schemas import TABLE_NAMES

ORG = 42


def tables_of(records: dict) -> dict[str, pl.DataFrame]:
    built = {}
    for listing, rows in records.items():
        built |= tables_from_listing(listing, rows)
    return {name: built[name] for name in TABLE_NAMES}


def write(root: Path, records: dict, moment: datetime, only=None, formats=("parquet", "csv")):
    tables = tables_of(records)
    if only is not None:
        tables = {name: tables[name] for name in only}
    return write_snapshot(tables, root, SnapshotRun(ORG, "http://api.test", moment), formats)


def changed_org() -> dict:
    """The sample org after a week: dee joined (into Sales), cy left, bob moved to Sales,
    ada's department changed, bob booked an OOO, a team Legal was created."""
    records = copy.deepcopy(sample_records())
    records["users"] = [u for u in records["users"] if u["id"] != 12]
    records["memberships"] = [m for m in records["memberships"] if m["userId"] != 12]
    records["ooo"] = [o for o in records["ooo"] if o["userId"] != 12]
    records["users"].append(user(13, "dee@acme.test", "Dee"))
    records["memberships"].append({"id": 503, "userId": 13, "teamId": 1, "accepted": True,
                                   "role": "MEMBER", "attributes": []})  # fmt: skip
    records["team_memberships"].append(
        {"id": 703, "userId": 13, "teamId": 20, "accepted": True, "role": "MEMBER"}
    )
    bob_support = next(m for m in records["team_memberships"] if m["id"] == 702)
    bob_support["teamId"] = 20
    ada = next(m for m in records["memberships"] if m["userId"] == 10)
    ada["attributes"][0].update(option="Support", optionId="o-support")
    records["ooo"].append({"id": 960, "userId": 11, "start": "2026-12-01T00:00:00.000Z",
                           "end": "2026-12-04T23:59:59.999Z", "reason": "vacation"})  # fmt: skip
    records["teams"].append({"id": 22, "name": "Legal", "slug": "legal"})
    return records


__all__ = ["ORG", "changed_org", "tables_of", "write"]
