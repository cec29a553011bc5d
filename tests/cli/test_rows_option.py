"""`calbulk import --rows`: rehearse on a few rows, then a run without --rows completes the rest."""

from __future__ import annotations

import json

import polars as pl

from tests.cli.conftest import calbulk, requests_seen


def org_emails(box) -> set[str]:
    import httpx

    found: set[str] = set()
    skip = 0
    while True:
        page = httpx.get(
            f"{box.base_url}/v2/organizations/{box.org_id}/users",
            params={"take": 250, "skip": skip},
            headers={"Authorization": f"Bearer {box.api_key}"},
            timeout=10,
        ).json()["data"]
        found |= {u["email"] for u in page}
        if len(page) < 250:
            return found
        skip += 250


def test_rows_runs_only_those_rows_and_a_later_run_completes_the_rest(env, sandbox, tmp_path):
    path = tmp_path / "hires.csv"
    emails = [f"rehearse{i}@example.com" for i in range(2, 8)]  # spreadsheet rows 2..7
    path.write_text("email,username\n" + "".join(f"{e},{e.split('@')[0]}\n" for e in emails))

    dry = calbulk(env, "import", str(path), "--rows", "2-3,6", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    plan = pl.read_csv(json.loads(dry.stdout)["plan"])
    assert sorted(set(plan["row"].to_list())) == [2, 3, 6]

    done = calbulk(env, "import", str(path), "--rows", "2-3,6")
    assert done.returncode == 0, done.stdout + done.stderr
    receipt = pl.read_csv(tmp_path / "hires.receipt.csv", infer_schema=False)
    outcomes = dict(zip(receipt["row"].cast(int), receipt["outcome"], strict=True))
    assert outcomes == {2: "created", 3: "created", 4: "skipped", 5: "skipped", 6: "created",
                        7: "skipped"}  # fmt: skip
    not_run = receipt.filter(pl.col("outcome") == "skipped")["error"].to_list()
    assert not_run == ["not run: outside --rows 2-3,6; the same command without --rows runs it"] * 3
    members = org_emails(sandbox)
    assert {emails[0], emails[1], emails[4]} <= members
    assert not {emails[2], emails[3], emails[5]} & members

    rest = calbulk(env, "import", str(path))
    assert rest.returncode == 0, rest.stdout + rest.stderr
    receipt = pl.read_csv(tmp_path / "hires.receipt.csv", infer_schema=False)
    outcomes = dict(zip(receipt["row"].cast(int), receipt["outcome"], strict=True))
    assert outcomes == {2: "unchanged", 3: "unchanged", 4: "created", 5: "created",
                        6: "unchanged", 7: "created"}  # fmt: skip
    assert set(emails) <= org_emails(sandbox)


def test_a_bad_rows_spec_exits_2_naming_it_before_anything_is_sent(env, sandbox, tmp_path):
    path = tmp_path / "hires.csv"
    path.write_text("email,username\nx@example.com,x\n")
    before = requests_seen(sandbox)["requests"]
    for spec, part in (("2-x", "'2-x'"), ("1-3", "'1-3'"), ("6-2", "'6-2'")):
        done = calbulk(env, "import", str(path), "--rows", spec)
        assert done.returncode == 2
        message = done.stdout + done.stderr
        assert f"--rows {spec!r}" in message and part in message and "e.g. 2-6,15" in message
    assert requests_seen(sandbox)["requests"] == before
