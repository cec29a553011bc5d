"""Diff benchmark: `calbulk diff` of two snapshots of a 10,000-user organization.

Builds two snapshots with the export's own writer from API-shaped records (synthetic, seeded:
teams, select/text/number attributes, OOO entries, custom roles, webhooks), the second a week
later with realistic changes (joiners, leavers, role changes, team moves, attribute changes,
OOO added/removed/changed, a new team and option). Then prints, measured in the same run:

- baseline: reading both snapshots' Parquet files with polars (the floor for any diff);
- calbulk (in-process): ``write_change_report`` (read, diff, changes.json/.md/.xlsx);
  also split into read+diff and writing;
- calbulk (CLI): ``calbulk diff OLD NEW --out DIR`` as a subprocess, wall time; next to
  ``calbulk --help`` (interpreter and CLI start-up, the floor of any command), ``python -c
  'import polars'`` and a new interpreter that imports only ``flows.backup.changes`` and
  writes the report (what the command costs once the CLI imports lazily).

Usage: ``python bench/diff.py [--users 10000] [--repeat 3]``. The goal (issue 10) is under 3 s
on 2 cores.
"""

from __future__ import annotations

import argparse
import copy
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import polars as pl  # noqa: E402

from flows.backup.changes import compare_folders, write_change_report  # noqa: E402
from flows.export.snapshot import SnapshotRun, write_snapshot  # noqa: E402
from transforms.snapshot.listing_tables import tables_from_listing  # noqa: E402
from transforms.snapshot.schemas import TABLE_NAMES  # noqa: E402

CALBULK = str(Path(sys.executable).parent / "calbulk")
DEPARTMENTS = [f"Dept {i}" for i in range(12)]
LANGUAGES = ["English", "French", "German", "Spanish", "Italian", "Dutch"]
LOCATIONS = [f"Office {i}" for i in range(20)]
ROLES = ["MEMBER"] * 8 + ["ADMIN"]


def _user(uid: int) -> dict:
    return {"id": uid, "email": f"user{uid}@big.test", "username": f"user{uid}",
            "name": f"User {uid}", "timeZone": "Europe/Paris", "weekStart": "Monday",
            "locale": "en", "timeFormat": 24, "createdDate": "2026-01-05T09:30:00.000Z",
            "verified": True}  # fmt: skip


def _attributes(rng: random.Random) -> list[dict]:
    dept = rng.choice(DEPARTMENTS)
    langs = rng.sample(LANGUAGES, rng.randint(1, 3))
    loc = rng.choice(LOCATIONS)
    return [
        {"id": "a-dept", "name": "Department", "type": "singleSelect", "option": dept,
         "optionId": f"o-{dept}"},
        {"id": "a-lang", "name": "Languages", "type": "multiSelect",
         "options": [{"optionId": f"o-{v}", "option": v} for v in langs]},
        {"id": "a-loc", "name": "Location", "type": "singleSelect", "option": loc,
         "optionId": f"o-{loc}"},
        {"id": "a-desk", "name": "Desk", "type": "text", "option": f"D-{rng.randint(1, 900)}",
         "optionId": "o-desk"},
    ]  # fmt: skip


def _membership(uid: int, rng: random.Random) -> dict:
    return {"id": 100000 + uid, "userId": uid, "teamId": 1, "accepted": True,
            "role": rng.choice(ROLES), "attributes": _attributes(rng)}  # fmt: skip


def _ooo(oid: int, uid: int, rng: random.Random) -> dict:
    start = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 120))
    end = start + timedelta(days=rng.randint(0, 10), hours=23)
    return {"id": oid, "userId": uid, "start": start.isoformat(), "end": end.isoformat(),
            "reason": rng.choice(["vacation", "travel", "sick"])}  # fmt: skip


def org_records(users: int, seed: int = 1) -> dict:
    rng = random.Random(seed)
    teams = [{"id": 10 + t, "name": f"Team {t:02d}", "slug": f"team-{t}"} for t in range(40)]
    options = [{"id": f"o-{v}", "attributeId": a, "value": v, "slug": v.lower().replace(" ", "-")}
               for a, values in (("a-dept", DEPARTMENTS), ("a-lang", LANGUAGES),
                                 ("a-loc", LOCATIONS)) for v in values]  # fmt: skip
    options.append({"id": "o-desk", "attributeId": "a-desk", "value": "desk", "slug": "desk"})
    records = {
        "users": [_user(uid) for uid in range(1, users + 1)],
        "memberships": [_membership(uid, rng) for uid in range(1, users + 1)],
        "attributes": [
            {
                "id": "a-dept",
                "name": "Department",
                "slug": "department",
                "type": "SINGLE_SELECT",
                "enabled": True,
            },
            {
                "id": "a-lang",
                "name": "Languages",
                "slug": "languages",
                "type": "MULTI_SELECT",
                "enabled": True,
            },
            {
                "id": "a-loc",
                "name": "Location",
                "slug": "location",
                "type": "SINGLE_SELECT",
                "enabled": True,
            },
            {"id": "a-desk", "name": "Desk", "slug": "desk", "type": "TEXT", "enabled": True},
        ],
        "attribute_options": options,
        "ooo": [_ooo(oid, rng.randint(1, users), rng) for oid in range(1, users // 3)],
        "teams": teams,
        "team_memberships": [
            {
                "id": uid * 10 + k,
                "userId": uid,
                "teamId": team,
                "accepted": True,
                "role": rng.choice(ROLES),
            }
            for uid in range(1, users + 1)
            for k, team in enumerate(rng.sample(range(10, 50), rng.randint(1, 3)))
        ],
        "roles": [
            {
                "id": f"r-{i}",
                "name": f"Role {i}",
                "type": "CUSTOM",
                "organizationId": 1,
                "permissions": ["booking.read", "ooo.read"][: 1 + i % 2],
            }
            for i in range(5)
        ],
        "webhooks": [
            {
                "id": i,
                "subscriberUrl": f"https://hooks.test/{i}",
                "active": True,
                "triggers": ["BOOKING_CREATED"],
            }
            for i in range(3)
        ],
    }
    return records


def a_week_later(records: dict, seed: int = 2) -> dict:
    """2% leavers and joiners, 1% org role changes, 3% team moves, 5% attribute changes,
    OOO added/removed/changed, a new team and a new option."""
    rng = random.Random(seed)
    new = copy.deepcopy(records)
    users = [u["id"] for u in new["users"]]
    n = len(users)
    leaving = set(rng.sample(users, n // 50))
    new["users"] = [u for u in new["users"] if u["id"] not in leaving]
    new["memberships"] = [m for m in new["memberships"] if m["userId"] not in leaving]
    new["team_memberships"] = [m for m in new["team_memberships"] if m["userId"] not in leaving]
    new["ooo"] = [o for o in new["ooo"] if o["userId"] not in leaving]
    for uid in range(n + 1, n + 1 + n // 50):
        new["users"].append(_user(uid))
        new["memberships"].append(_membership(uid, rng))
        new["team_memberships"].append({"id": uid * 10, "userId": uid, "teamId": 10,
                                        "accepted": False, "role": "MEMBER"})  # fmt: skip
    staying = [m for m in new["memberships"] if m["userId"] <= n]
    for m in rng.sample(staying, n // 100):
        m["role"] = "ADMIN" if m["role"] == "MEMBER" else "MEMBER"
    for m in rng.sample(staying, n // 20):
        m["attributes"] = _attributes(rng)
    for m in rng.sample(new["team_memberships"], n * 3 // 100):
        m["teamId"] = 10 + (m["teamId"] - 10 + 7) % 40
    new["team_memberships"] = list({(m["userId"], m["teamId"]): m
                                    for m in new["team_memberships"]}.values())  # fmt: skip
    for o in rng.sample(new["ooo"], len(new["ooo"]) // 50):
        o["reason"] = "travel" if o["reason"] != "travel" else "vacation"
    new["ooo"] = new["ooo"][len(new["ooo"]) // 100 :]
    top = max(o["id"] for o in records["ooo"])
    new["ooo"] += [_ooo(top + i, rng.randint(1, n), rng) for i in range(1, n // 20)]
    new["ooo"] = [o for o in new["ooo"] if o["userId"] not in leaving]
    new["teams"].append({"id": 99, "name": "Team new", "slug": "team-new"})
    new["attribute_options"].append({"id": "o-Hindi", "attributeId": "a-lang", "value": "Hindi",
                                     "slug": "hindi"})  # fmt: skip
    return new


def write(root: Path, records: dict, moment: datetime) -> Path:
    built = {}
    for listing, rows in records.items():
        built |= tables_from_listing(listing, rows)
    tables = {name: built[name] for name in TABLE_NAMES}
    return write_snapshot(tables, root, SnapshotRun(1, "http://bench", moment), ["parquet"])


def best_of(repeat: int, run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="calbulk-bench-diff-"))
    records = org_records(args.users)
    old = write(work, records, datetime(2026, 11, 23, 2, tzinfo=UTC))
    new = write(work, a_week_later(records), datetime(2026, 11, 30, 2, tzinfo=UTC))
    rows = sum(pl.read_parquet(p).height for p in old.glob("*.parquet"))
    print(f"org: {args.users} users, old snapshot {rows} rows in {len(list(old.glob('*.parquet')))}"
          f" tables; best of {args.repeat}")  # fmt: skip

    def read_both():
        return [pl.read_parquet(p) for folder in (old, new) for p in folder.glob("*.parquet")]

    out = work / "out"
    figures = {
        "baseline: read both snapshots' Parquet (polars)": best_of(args.repeat, read_both)[0],
        "calbulk read + diff (in-process)": best_of(args.repeat, lambda: compare_folders(old, new))[
            0
        ],
    }
    wall, document = best_of(args.repeat, lambda: write_change_report(old, new, out))
    figures["calbulk write_change_report (in-process)"] = wall
    cli = lambda *a: subprocess.run([CALBULK, *a], capture_output=True, check=True)  # noqa: E731
    figures["python -c 'import polars' (interpreter floor)"] = best_of(
        args.repeat, lambda: subprocess.run([sys.executable, "-c", "import polars"], check=True)
    )[0]
    script = ("import sys; from pathlib import Path; from flows.backup.changes import "
              "write_change_report as w; w(*map(Path, sys.argv[1:]))")  # fmt: skip
    figures["new interpreter: import + write_change_report"] = best_of(
        args.repeat,
        lambda: subprocess.run(
            [sys.executable, "-c", script, str(old), str(new), str(out)], check=True, cwd=REPO
        ),
    )[0]
    figures["calbulk --help (CLI start-up floor)"] = best_of(args.repeat, lambda: cli("--help"))[0]
    figures["calbulk diff OLD NEW --out DIR (CLI, wall)"] = best_of(
        args.repeat, lambda: cli("diff", str(old), str(new), "--out", str(out))
    )[0]
    width = max(len(name) for name in figures)
    for name, seconds in figures.items():
        print(f"{name:<{width}}  {seconds:6.2f} s")
    print(
        "(the CLI figures are mostly start-up: the imports every command pays before it runs;"
        " 'new interpreter' is what `calbulk diff` costs once the CLI imports lazily)"
    )
    print(f"changes: {document['counts']}")
    print("goal: calbulk diff under 3 s on 2 cores")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
