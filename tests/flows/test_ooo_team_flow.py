"""Team-wide out-of-office against a real sandbox: one entry and one receipt line per member."""

from __future__ import annotations

import polars as pl
import pytest

from tests.flows.import_oracle import read_org
from tests.flows.pipelines import run_import


@pytest.fixture
def org(sandbox_org):
    return sandbox_org(seed_users=12, seed=11)


run = run_import


def test_a_team_row_gives_each_member_but_the_coverer_an_entry_and_a_receipt_line(org, tmp_path):
    state = read_org(org)
    emails = {u["user_id"]: e for e, u in state.users_by_email.items()}
    members: dict[str, list[str]] = {}
    invited: dict[str, list[str]] = {}
    for user_id, held in state.team_memberships.items():
        for team_id, membership in held.items():
            name = next(t["name"] for t in state.teams_by_name.values() if t["team_id"] == team_id)
            current = membership["accepted"] and state.accepted.get(user_id) is not False
            (members if current else invited).setdefault(name, []).append(emails[user_id])
    team, people = max(members.items(), key=lambda item: len(item[1]))
    assert len(people) >= 3
    coverer = sorted(people)[0]
    others = sorted(set(people) - {coverer})  # invitees who have not accepted are not members
    path = tmp_path / "away.csv"
    path.write_text(
        f"email,start,end,covering email\nteam:{team},2027-08-02,2027-08-06,{coverer}\n"
    )

    done = run(path)
    assert done["exit_code"] == 0, done
    receipt = pl.read_csv(done["receipt"], infer_schema=False)
    assert sorted(receipt["email"].to_list()) == others
    assert set(receipt["outcome"]) == {"created"}
    assert all(d.startswith("out of office 2027-08-02..2027-08-06") for d in receipt["done"])

    after = read_org(org)
    key = ("2027-08-02", "2027-08-06")
    holders = {emails[u] for u, start, end in after.ooo_keys if (start, end) == key}
    assert holders == set(others)  # the coverer has no entry of their own, nor do invitees
    assert not holders & set(invited.get(team, []))

    again = run(path)
    assert again["steps"] == 0
    rerun = pl.read_csv(again["receipt"], infer_schema=False)
    assert sorted(rerun["email"].to_list()) == others
    assert set(rerun["outcome"]) == {"unchanged"}
