"""`calbulk migrate` end to end, as a person runs it: two sandbox processes on loopback (the
source org seeded with people, attributes of every type, teams with team roles, OOO with
coverers, custom org and team roles, a webhook; the target emptied through the API to what a
new org holds: its key holders), the command as a subprocess, and the verdict read from a
fresh export of the target: every table equals the source's on natural keys (ids aside),
compared with polars joins.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import polars as pl
import pytest

from tests.cli.conftest import CALBULK, base_env, calbulk

SOURCE_USERS = 100
# Columns that are not compared, each for a reason the migration states up front
# (not_carried): names and week starts the API cannot set, invitations it cannot keep pending,
# and what the target's server stamps itself (when the address was verified).
NOT_COMPARED = {
    "users": ["name", "week_start", "email_verified"],
    "memberships": ["accepted"],
    "team_memberships": ["accepted"],
}
DECLARED = {"user names", "week starts", "pending invitations"}


def _env(tmp_path: Path, source, target) -> dict[str, str]:
    return {**base_env(tmp_path), "CAL_API_URL": target.base_url, "CAL_API_KEY": target.api_key,
            "CAL_ORG_ID": str(target.org_id), "CAL_RATE_LIMIT": "100000",
            "CAL_SOURCE_API_KEY": source.api_key,
            "CAL_SOURCE_API_URL": source.base_url}  # fmt: skip


def _export(env: dict, out: Path, source: bool = False) -> Path:
    """A fresh snapshot of the target (or, with ``source``, of the source org)."""
    if source:
        env = {**env, "CAL_API_KEY": env["CAL_SOURCE_API_KEY"],
               "CAL_API_URL": env["CAL_SOURCE_API_URL"]}  # fmt: skip
        env.pop("CAL_ORG_ID")
    done = calbulk(env, "export", "--out", str(out), "--format", "parquet", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    return Path(json.loads(done.stdout)["folder"])


def natural(folder: Path) -> dict[str, pl.DataFrame]:
    """Every table of a snapshot on natural keys: ids replaced by what they point at
    (e-mails, team names, attribute slugs, option values, role name + team), sorted."""
    t = {p.stem: pl.read_parquet(p) for p in folder.glob("*.parquet")}
    email = t["users"].select("user_id", pl.col("email").str.to_lowercase())
    team = t["teams"].select("team_id", pl.col("name").alias("team"))
    attribute = t["attributes"].select("attribute_id", pl.col("slug").alias("attribute"))
    option = t["attribute_options"].select("option_id", pl.col("value").alias("option"))
    coverer = email.rename({"user_id": "to_user_id", "email": "covering"})
    role = t["roles"].join(team, on="team_id", how="left").select("role_id", "name", "team")
    keyed = {
        "users": t["users"].drop("user_id", "created_date", "default_schedule_id"),
        "memberships": t["memberships"].join(email, on="user_id").drop("membership_id", "user_id"),
        "attributes": t["attributes"].drop("attribute_id"),
        "attribute_options": t["attribute_options"].join(attribute, on="attribute_id")
        .drop("option_id", "attribute_id", "slug").unique(),  # TEXT values: one per value
        "attribute_assignments": t["attribute_assignments"].join(email, on="user_id")
        .join(attribute, on="attribute_id").join(option, on="option_id", how="left")
        .drop("user_id", "attribute_id", "option_id"),
        "ooo_entries": t["ooo_entries"].join(email, on="user_id")
        .join(coverer, on="to_user_id", how="left").drop("ooo_id", "uuid", "user_id", "to_user_id"),
        "teams": t["teams"].drop("team_id", "parent_id"),
        "team_memberships": t["team_memberships"].join(email, on="user_id").join(team, on="team_id")
        .drop("membership_id", "user_id", "team_id"),
        "roles": t["roles"].join(team, on="team_id", how="left")
        .drop("role_id", "team_id", "created_at", "updated_at"),
        "role_permissions": t["role_permissions"].join(role, on="role_id").drop("role_id"),
        "webhooks": t["webhooks"].drop("webhook_id"),
    }  # fmt: skip
    keyed = {name: frame.drop(NOT_COMPARED.get(name, [])) for name, frame in keyed.items()}
    return {name: frame.sort(frame.columns) for name, frame in keyed.items()}


def differences(source: Path, target: Path) -> dict[str, tuple[pl.DataFrame, pl.DataFrame]]:
    """Per table, the rows only the source has and the rows only the target has (anti-joins
    on every natural column)."""
    old, new = natural(source), natural(target)
    found = {}
    for name, left in old.items():
        right = new[name].select(left.columns)
        keys = [c for c, d in left.schema.items() if not isinstance(d, pl.List)]
        lists = [c for c in left.columns if c not in keys]
        left = left.with_columns(pl.col(c).list.sort() for c in lists)
        right = right.with_columns(pl.col(c).list.sort() for c in lists)
        only_old = left.join(right, on=left.columns if not lists else keys, how="anti",
                             nulls_equal=True)  # fmt: skip
        only_new = right.join(left, on=left.columns if not lists else keys, how="anti",
                              nulls_equal=True)  # fmt: skip
        if only_old.height or only_new.height or left.height != right.height:
            found[name] = (only_old, only_new)
    return found


def _text(path: Path) -> str:
    """A run file as text (a workbook's every sheet as CSV)."""
    if path.suffix == ".xlsx":
        sheets = pl.read_excel(path, sheet_id=0, engine="calamine")
        return "".join(frame.write_csv() for frame in sheets.values())
    return path.read_bytes().decode("utf-8", errors="replace")


def _migrate(env: dict, *args: str) -> subprocess.CompletedProcess:
    return calbulk(env, "migrate", "--from-org", env["SOURCE_ORG"], "--to-org",
                   env["CAL_ORG_ID"], *args)  # fmt: skip


def emptied(box):
    """The sandbox's org reduced through the API itself to what a new org holds: its key
    holders (owner, admin, a member), no teams, attributes, custom roles or webhooks."""
    org = f"{box.base_url}/v2/organizations/{box.org_id}"
    headers = {"Authorization": f"Bearer {box.api_key}"}
    with httpx.Client(headers=headers, timeout=30) as http:

        def clear(listing: str, key: str = "id", keep=lambda item: False) -> None:
            items = http.get(f"{org}/{listing}", params={"take": 250}).json()["data"]
            for item in items:
                if keep(item):
                    continue
                while (gone := http.delete(f"{org}/{listing}/{item[key]}")).status_code == 429:
                    time.sleep(1)  # DELETE team is throttled to 1/s
                assert gone.status_code == 200, gone.text

        clear("teams")  # their roles go with them
        clear("attributes")
        clear("roles", keep=lambda role: role.get("type") == "SYSTEM")
        clear("webhooks")
    return box


def join_first_team(box, user_id: int) -> None:
    """Make a key holder a MEMBER of the source's first team (by name): the migration's key
    user, made OWNER of every team it creates, must end up with the source's role there."""
    org = f"{box.base_url}/v2/organizations/{box.org_id}"
    headers = {"Authorization": f"Bearer {box.api_key}"}
    teams = httpx.get(f"{org}/teams", headers=headers, timeout=30).json()["data"]
    first = min(teams, key=lambda team: team["name"])
    joined = httpx.post(f"{org}/teams/{first['id']}/memberships", headers=headers, timeout=30,
                        json={"userId": user_id, "role": "MEMBER", "accepted": True})  # fmt: skip
    assert joined.status_code in (200, 201), joined.text


@pytest.fixture(params=["key holders and definitions", "empty"])
def orgs(request, start_sandbox, tmp_path):
    """The source, and a target with no people but its key holders: with the source's
    definitions (same seed constants), or emptied of them too."""
    source = start_sandbox(seed_users=SOURCE_USERS, seed=7, rate_limit=100000)
    target = start_sandbox(seed_users=0, seed=8, rate_limit=100000)
    if request.param == "empty":
        emptied(target)
    join_first_team(source, user_id=1)  # the owner, whose key the target is migrated with
    assert source.org_id != target.org_id
    env = {**_env(tmp_path, source, target), "SOURCE_ORG": str(source.org_id)}
    return source, target, env


@pytest.mark.slow
def test_migrating_a_live_org_makes_the_target_equal_on_natural_keys(orgs, tmp_path) -> None:
    _source, _target, env = orgs
    out = tmp_path / "runs"

    dry = _migrate(env, "--out", str(out), "--dry-run", "--json")

    assert dry.returncode == 0, dry.stderr[-3000:]
    planned = json.loads(dry.stdout)
    # --json's keys, in the order scripts have read them since migrate was added
    assert list(planned) == [
        "command", "source", "target_org", "folder", "receipt", "plan", "errors", "journal",
        "id_map", "not_carried", "creator_removals", "creator_removed", "counts", "steps",
        "plan_counts", "apply_seconds", "interrupted", "message", "exit_code",
    ]  # fmt: skip
    assert planned["steps"] > SOURCE_USERS  # every person is created, then their details
    said = {item["what"] for item in planned["not_carried"]}
    assert DECLARED | {"custom-role assignments", "events and bookings"} <= said
    assert not list(Path(planned["folder"]).glob("id-map*")) or planned["id_map"]

    done = _migrate(env, "--out", str(out), "--json")

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    outcome = json.loads(done.stdout)
    # The dry run counted every step, action by action: the key user's membership of a team
    # it creates is planned from the OWNER the API makes them, in both runs.
    assert outcome["steps"] == planned["steps"]

    def per_action(counts: list[dict]) -> list[tuple]:
        return sorted((c["sheet"], c["action"], c["steps"]) for c in counts)

    assert per_action(outcome["plan_counts"]) == per_action(planned["plan_counts"])
    folder = Path(outcome["folder"])
    assert folder.stat().st_mode & 0o777 == 0o700
    secrets = (env["CAL_API_KEY"], env["CAL_SOURCE_API_KEY"], "whsec_")  # keys, webhook secret
    for path in folder.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path
        assert not any(secret in _text(path) for secret in secrets), path.name
    assert not any(s in dry.stdout + dry.stderr + done.stdout + done.stderr for s in secrets)
    source_snapshot = _export(env, tmp_path / "source", source=True)
    target_snapshot = _export(env, tmp_path / "target")
    found = differences(source_snapshot, target_snapshot)
    assert found == {}, {k: (a.head(5), b.head(5)) for k, (a, b) in found.items()}
    ids = pl.read_csv(outcome["id_map"], infer_schema=False)
    assert set(ids["kind"]) == {"user", "team", "attribute", "option", "role", "ooo", "webhook"}
    assert ids.filter(pl.col("kind") == "user").height == SOURCE_USERS + 3
    assert ids.filter(pl.col("target_id").is_null()).height == 0  # every entity has its twin
    assert ids.filter(
        pl.col("source_id") == pl.col("target_id"), pl.col("kind") == "team"
    ).is_empty()
    receipt = pl.read_csv(outcome["receipt"], infer_schema=False)
    assert "user names" in receipt.filter(pl.col("outcome") == "not carried")["email"].to_list()
    assert receipt.filter(pl.col("outcome") == "failed").height == 0

    again = _migrate(env, "--out", str(out), "--dry-run", "--json")

    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads(again.stdout)["steps"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [3, 60], ids=["among-definitions", "among-people"])
def test_a_migration_killed_mid_run_and_rerun_is_exact(start_sandbox, tmp_path, kill_after) -> None:
    source = start_sandbox(seed_users=SOURCE_USERS, seed=7, rate_limit=100000)
    target = emptied(start_sandbox(seed_users=0, seed=8, rate_limit=100000))
    env = {**_env(tmp_path, source, target), "SOURCE_ORG": str(source.org_id)}
    snapshot = _export(env, tmp_path / "source", source=True)
    out = tmp_path / "runs"
    args = [CALBULK, "migrate", "--from", str(snapshot), "--out", str(out), "--json"]
    # a compressed limit so the kill lands mid-apply: 40 writes per second
    slow = {**env, "CAL_RATE_LIMIT": "40"}
    process = subprocess.Popen([*args, "--rate-window", "1"], env=slow, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    folder = out / f"org{source.org_id}-to-org{target.org_id}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        journals = folder.glob("*.journal.jsonl") if folder.is_dir() else []
        if sum(p.read_text().count('"event": "done"') for p in journals) >= kill_after:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the migration ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)

    rerun = subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, text=True,
                           timeout=300)  # fmt: skip

    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    target_snapshot = _export(env, tmp_path / "target")
    assert differences(snapshot, target_snapshot) == {}  # exact: nothing missing, no duplicate
    third = subprocess.run([*args, "--dry-run"], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=300)  # fmt: skip
    assert json.loads(third.stdout)["steps"] == 0
