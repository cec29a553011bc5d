"""The migration's parts a user sees without an API: the id map (joined on natural keys, never
on ids), what cannot be carried (said with counts), the sources it accepts and the CLI's
refusals (exit 2, nothing sent)."""

from __future__ import annotations

import dataclasses
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from flows.backup._files import MANIFEST_NAME
from flows.cli.commands import app
from flows.cli.migrate import DEFAULT_OUT as CLI_DEFAULT_OUT
from flows.migrate.creator import CreatorPlan, with_creator_roles
from flows.migrate.idmap import id_map
from flows.migrate.not_carried import not_carried, receipt_with_not_carried
from flows.migrate.pipeline import DEFAULT_OUT, MigrateOutcome
from flows.migrate.source import NotASource, read_source, source_settings
from transforms.snapshot.schemas import TABLE_NAMES, schema_of


def _table(name: str, rows: list[dict]) -> pl.DataFrame:
    schema = schema_of(name)
    return pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema)


def _day(d: int) -> datetime:
    return datetime(2026, 1, d, tzinfo=UTC)


def _org(ids: int, users: list[tuple[int, str]], *, webhook: str = "wh-a") -> dict:
    """A small org whose every id is offset by ``ids`` (the other org numbers alike things
    differently)."""
    return {
        "users": _table("users", [{"user_id": ids + uid, "email": email, "name": f"N{uid}",
                                    "time_zone": "UTC", "week_start": "Monday",
                                    "created_date": _day(1)} for uid, email in users]),
        "teams": _table("teams", [{"team_id": ids + 1, "name": "Sales", "slug": "sales"},
                                  {"team_id": ids + 2, "name": "Support", "slug": "support"}]),
        "attributes": _table("attributes", [{"attribute_id": f"a{ids}", "name": "Dept",
                                             "slug": "dept", "type": "SINGLE_SELECT",
                                             "enabled": True}]),
        "attribute_options": _table("attribute_options", [
            {"option_id": f"o{ids}-1", "attribute_id": f"a{ids}", "value": "Eng", "slug": "eng"},
            {"option_id": f"o{ids}-2", "attribute_id": f"a{ids}", "value": "Ops", "slug": "ops"},
        ]),
        "roles": _table("roles", [
            {"role_id": f"r{ids}-1", "team_id": None, "name": "Auditor", "type": "CUSTOM"},
            {"role_id": f"r{ids}-2", "team_id": ids + 2, "name": "Auditor", "type": "CUSTOM"},
            {"role_id": f"r{ids}-3", "team_id": None, "name": "Admin", "type": "SYSTEM"},
        ]),
        "ooo_entries": _table("ooo_entries", [{"ooo_id": ids + 7, "user_id": ids + users[0][0],
                                               "start": _day(3), "end": _day(5),
                                               "reason": "vacation"}]),
        "webhooks": _table("webhooks", [{"webhook_id": webhook, "subscriber_url": "https://h/1",
                                         "triggers": ["BOOKING_CREATED"], "active": True}]),
    }  # fmt: skip


def test_id_map_pairs_every_entity_by_natural_key_not_by_id() -> None:
    source = _org(0, [(1, "Ann@x.org"), (2, "bob@x.org")])
    target = _org(500, [(9, "ann@x.org"), (1, "carl@x.org")], webhook="wh-b")

    mapped = id_map(source, target)

    pairs = {(k, key): (s, t) for k, key, s, t in mapped.iter_rows()}
    assert pairs[("user", "ann@x.org")] == ("1", "509")  # e-mail case-insensitive
    assert pairs[("user", "bob@x.org")] == ("2", None)  # not in the target
    assert pairs[("team", "Support")] == ("2", "502")
    assert pairs[("attribute", "dept")] == ("a0", "a500")
    assert pairs[("option", "dept: ops")] == ("o0-2", "o500-2")
    assert pairs[("role", "Auditor")] == ("r0-1", "r500-1")  # the org role ...
    assert pairs[("role", "Auditor @ Support")] == ("r0-2", "r500-2")  # ... and the team's
    assert pairs[("ooo", "ann@x.org 2026-01-03 2026-01-05")] == ("7", "507")
    assert pairs[("webhook", "https://h/1")] == ("wh-a", "wh-b")
    assert mapped.height == 2 + 2 + 1 + 2 + 3 + 1 + 1  # every source entity, once


def test_not_carried_names_each_gap_with_its_count_and_events_always() -> None:
    source = _org(0, [(1, "a@x.org"), (2, "b@x.org")])
    source["users"] = source["users"].with_columns(
        pl.when(pl.col("user_id") == 2).then(None).otherwise(pl.col("name")).alias("name")
    )

    gaps = {i["what"]: i for i in not_carried(source, {"users", "ooo", "roles", "webhooks"})}

    assert gaps["user names"]["count"] == 1  # only a set name is lost
    assert gaps["webhook secrets"]["count"] == 1
    assert gaps["custom-role assignments"]["count"] == 2  # custom roles only, not system ones
    assert "events and bookings" in gaps
    assert "webhooks" not in gaps  # there is a sheet for them
    assert {"teams", "attributes"} <= gaps.keys()  # no sheet: said, with the count
    assert gaps["teams"]["count"] == 2


def test_receipt_gets_the_not_carried_lines_once_and_stays_owner_only(tmp_path) -> None:
    receipt = tmp_path / "receipt.csv"
    pl.DataFrame({"sheet": ["users"], "row": [2], "email": ["a@x.org"],
                  "outcome": ["created"]}).write_csv(receipt)  # fmt: skip
    gaps = not_carried(_org(0, [(1, "a@x.org")]), {"users"})

    receipt_with_not_carried(receipt, gaps)
    receipt_with_not_carried(receipt, gaps)  # a rerun does not repeat them

    frame = pl.read_csv(receipt, infer_schema=False)
    lines = frame.filter(pl.col("outcome") == "not carried")
    assert lines.height == len(gaps) and "user names" in lines["email"].to_list()
    assert frame.filter(pl.col("outcome") == "created").height == 1
    assert stat.S_IMODE(receipt.stat().st_mode) == 0o600


def _snapshot_folder(tmp_path: Path, tables: dict) -> Path:
    folder = tmp_path / "107" / "20260101T000000Z"
    folder.mkdir(parents=True)
    for name, frame in tables.items():
        frame.write_parquet(folder / f"{name}.parquet")
    entries = {name: {"files": {"parquet": "x"}} for name in tables}
    (folder / MANIFEST_NAME).write_text(json.dumps({"org_id": 107, "tables": entries}))
    return folder


def test_a_snapshot_folder_and_its_workbook_read_as_the_same_source(tmp_path) -> None:
    tables = {name: _table(name, []) for name in TABLE_NAMES}
    tables.update(_org(0, [(1, "a@x.org")]))
    folder = _snapshot_folder(tmp_path, tables)
    (folder / "snapshot.xlsx").write_bytes(b"")  # inside its folder: read from the Parquet

    for path in (folder, folder / "snapshot.xlsx"):
        source = read_source(path)
        assert source.label == "org107"
        assert source.tables["users"]["email"].to_list() == ["a@x.org"]
        assert {"users", "ooo", "roles"} <= source.sheets.keys()


def test_a_path_that_is_no_snapshot_is_refused_saying_what_to_give(tmp_path) -> None:
    (tmp_path / "people.csv").write_text("email\na@x.org\n")
    with pytest.raises(NotASource, match="snapshot folder"):
        read_source(tmp_path / "people.csv")


def test_the_live_source_needs_its_own_key_and_defaults_to_the_targets_url() -> None:
    from calapi import ConfigError, Settings

    target = Settings(api_key="cal_target", api_url="https://cal.example.org", org_id=5)
    with pytest.raises(ConfigError, match="CAL_SOURCE_API_KEY"):
        source_settings(target, 9, environ={})
    live = source_settings(target, 9, environ={"CAL_SOURCE_API_KEY": "cal_source"})
    assert (live.api_key, live.api_url, live.org_id) == ("cal_source", target.api_url, 9)


def test_the_cli_default_out_is_the_pipelines() -> None:
    assert CLI_DEFAULT_OUT == DEFAULT_OUT


def test_the_outcome_lists_where_the_run_went_first_and_the_creators_removals_last() -> None:
    """The order the migrate_org flow's result (on the Prefect server) has always had: it is
    built from the passes' import outcome, whose fields come in their own order."""
    from flows.migrate.passes import Combined

    imported = Combined(exit_code=1, counts={"ok": 2}, receipt="r.csv", steps=3, key_rate=[9, 1])
    outcome = MigrateOutcome(source="42-2026", target_org=7, folder="runs/x", id_map="m.csv",
                             **dataclasses.asdict(imported))  # fmt: skip

    result = outcome.to_dict()

    assert list(result) == [
        "exit_code", "source", "target_org", "folder", "counts", "receipt", "plan", "errors",
        "journal", "id_map", "not_carried", "message", "interrupted", "steps", "plan_counts",
        "first_steps", "apply_seconds", "key_rate", "creator_removals", "creator_removed",
    ]  # fmt: skip
    assert (result["exit_code"], result["counts"], result["steps"], result["key_rate"]) == (
        1, {"ok": 2}, 3, [9, 1],
    )  # fmt: skip
    assert (result["source"], result["target_org"], result["id_map"]) == ("42-2026", 7, "m.csv")


@pytest.mark.parametrize(
    "args, said",
    [
        ([], "exactly one source"),
        (["--from", "x", "--from-org", "3"], "exactly one source"),
        (["--from", "no-such-folder"], "no such folder or file"),
    ],
)
def test_the_cli_refuses_a_missing_or_double_source_with_exit_2(args, said, tmp_path) -> None:
    result = CliRunner().invoke(app, ["migrate", *args, "--out", str(tmp_path / "out")],
                                env={"CAL_API_KEY": "cal_x", "COLUMNS": "200"})  # fmt: skip
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert not (tmp_path / "out").exists()


def test_a_workbook_on_its_own_reads_back_the_snapshots_tables(tmp_path) -> None:
    from flows.export.workbook import write_workbook
    from transforms.sheets.snapshot_sheets import import_sheets

    tables = {name: _table(name, []) for name in TABLE_NAMES}
    tables.update(_org(0, [(1, "a@x.org"), (2, "b@x.org")]))
    moved = tmp_path / "mailed" / "acme.xlsx"  # no manifest next to it: read from its sheets
    moved.parent.mkdir()
    write_workbook(moved, tables, import_sheets(tables))

    source = read_source(moved)

    assert source.label == "acme"
    for name, frame in tables.items():
        back = source.tables[name]
        assert back.schema == frame.schema, name
        assert back.equals(frame), name
    assert {"teams", "attributes", "webhooks", "users", "ooo", "roles"} <= source.sheets.keys()


def test_the_cli_refuses_a_file_that_is_no_snapshot_before_any_request(tmp_path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("email\na@x.org\n")
    result = CliRunner().invoke(
        app,
        ["migrate", "--from", str(people), "--out", str(tmp_path / "out")],
        env={"CAL_API_KEY": "cal_x", "CAL_API_URL": "http://127.0.0.1:9", "COLUMNS": "200"},
    )  # fmt: skip  (port 9: nothing listens; a request would fail differently)
    assert result.exit_code == 2, result.output
    assert "give a snapshot folder" in result.output
    assert not (tmp_path / "out").exists()


def test_the_key_users_member_teams_held_by_creation_get_their_role_spelled_out() -> None:
    """The teams the migration creates make the key's user their OWNER; the import plans the
    change to the source's role, which a role-less team (how a snapshot writes MEMBER) would
    not ask for. Only the key user's cell changes, and only for the teams held by creation."""
    users = pl.DataFrame({
        "email": ["Owner@Acme.example", "ann@acme.example", "bob@acme.example"],
        "teams": ["Engineering; Ops:ADMIN; Sales:OWNER; Support", "Engineering; Ops:ADMIN", None],
    })  # fmt: skip
    held = {"Engineering": "MEMBER", "Ops": "ADMIN", "Sales": "OWNER"}
    plan = CreatorPlan(1, "owner@acme.example", held=held)

    sheets = with_creator_roles({"users": users, "teams": pl.DataFrame({"name": ["x"]})}, plan)

    assert sheets["users"]["teams"].to_list() == [
        "Engineering:MEMBER; Ops:ADMIN; Sales:OWNER; Support", "Engineering; Ops:ADMIN", None
    ]  # fmt: skip
    assert sheets["teams"].equals(pl.DataFrame({"name": ["x"]}))
    every = CreatorPlan(1, "owner@acme.example", held={**held, "Support": "MEMBER"})
    assert with_creator_roles({"users": users.head(1)}, every)["users"]["teams"].to_list() == [
        "Engineering:MEMBER; Ops:ADMIN; Sales:OWNER; Support:MEMBER"
    ]
    none = CreatorPlan(1, "owner@acme.example", held={"Sales": "OWNER"})
    assert with_creator_roles({"users": users}, none)["users"].equals(users)
