"""`calbulk import` of a workbook that creates a team and gives the API key's user a role in it,
killed (SIGKILL) right after the team was created: the API made the key's user its OWNER, and
the same command run again gives them the sheet's role, says why in the receipt, and a third
run plans nothing. A real sandbox process, the real CLI, real files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import httpx
import polars as pl

from tests.cli.conftest import CALBULK, calbulk
from tests.workbooks import write_book


def read_org(box) -> dict:
    """The key's user's e-mail, the other members' and each team's members {email: role}."""
    org = f"{box.base_url}/v2/organizations/{box.org_id}"
    with httpx.Client(headers={"Authorization": f"Bearer {box.api_key}"}, timeout=30) as http:
        me = http.get(f"{box.base_url}/v2/me").json()["data"]["email"]
        users = http.get(f"{org}/users", params={"take": 1000}).json()["data"]
        emails = {u["id"]: u["email"] for u in users}
        teams = {}
        for team in http.get(f"{org}/teams").json()["data"]:
            members = http.get(f"{org}/teams/{team['id']}/memberships").json()["data"]
            teams[team["name"]] = {emails[m["userId"]]: m["role"] for m in members}
    return {"me": me, "others": sorted(set(emails.values()) - {me}), "teams": teams}


def create_team_done(journal) -> bool:
    if not journal.exists():
        return False
    for line in journal.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("event") == "done" and entry.get("action") == "create_team":
            return True
    return False


def test_killed_after_creating_the_team_the_rerun_gives_the_key_user_the_sheets_role(
    sandbox, env, tmp_path
):
    before = read_org(sandbox)
    me, other = before["me"], before["others"][0]
    book = tmp_path / "hr.xlsx"
    write_book(book, {
        "teams": [["name"], ["Platform"]],
        "users": [["email", "teams"], [other, "Platform"], [me, "Platform:ADMIN"]],
    })  # fmt: skip
    dry = calbulk(env, "import", str(book), "--dry-run", "--json", cwd=tmp_path)
    planned = json.loads(dry.stdout)
    steps = {(c["sheet"], c["action"]): c["steps"] for c in planned["plan_counts"]}
    assert steps == {("teams", "create_team"): 1, ("users", "change_team_role"): 1,
                     ("users", "add_team_membership"): 1}  # fmt: skip
    said = (f"team Platform: the API makes the key's user {me} an OWNER of a team it creates: "
            "the users sheet (row 3) makes them ADMIN")  # fmt: skip
    assert planned["team_owner"] == [said]
    shown = calbulk(env, "import", str(book), "--dry-run", cwd=tmp_path)
    assert said in " ".join((shown.stdout + shown.stderr).split())  # the summary says it too
    command = [CALBULK, "import", str(book), "--json", "--rate-limit", "2", "--rate-window", "1"]
    journal = tmp_path / "hr.receipt.journal.jsonl"
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 120
    while not create_team_done(journal) and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)  # between the team's creation and the rows after it
    process.communicate(timeout=30)
    killed = read_org(sandbox)["teams"]
    assert killed["Platform"] == {me: "OWNER"}, "the kill did not land right after the creation"

    rerun = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True,
                           timeout=300)  # fmt: skip

    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    outcome = json.loads(rerun.stdout)
    steps = {(c["sheet"], c["action"]): c["steps"] for c in outcome["plan_counts"]}
    assert steps == {("users", "change_team_role"): 1, ("users", "add_team_membership"): 1}
    assert read_org(sandbox)["teams"]["Platform"] == {me: "ADMIN", other: "MEMBER"}
    receipt = pl.read_csv(outcome["receipt"], infer_schema=False)
    team = receipt.filter(pl.col("sheet") == "teams").row(0, named=True)
    assert "create team Platform (interrupted run)" in team["done"]
    assert f"the API makes the key's user {me} an OWNER" in team["notes"]
    assert "the users sheet (row 3) makes them ADMIN" in team["notes"]
    mine = receipt.filter(pl.col("email") == me).row(0, named=True)
    assert mine["outcome"] == "updated"
    assert "team Platform role OWNER -> ADMIN" in mine["done"]
    assert "team Platform: the API made them its OWNER" in mine["notes"]

    again = calbulk(env, "import", str(book), "--dry-run", "--json", cwd=tmp_path)

    assert json.loads(again.stdout)["steps"] == 0
