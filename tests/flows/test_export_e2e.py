"""The export pipeline against a real sandbox process: every table equals what the sandbox holds.

The pipeline runs in-process as the CLI runs it (no Prefect server); that the ``export_org``
flow runs it under Prefect is proven in tests/cli/test_on_prefect.py."""

from __future__ import annotations

import math
import shutil
import sqlite3
from pathlib import Path

import httpx
import openpyxl
import polars as pl
import pytest

from flows.export.snapshot import read_manifest
from tests.flows.export_oracle import SandboxReader, expected_tables, snapshot_rows
from tests.flows.pipelines import RecordingReporter, export_org, import_file
from transforms.snapshot.checks import SnapshotInvalid
from transforms.snapshot.schemas import TABLE_NAMES

INJECTION = '=HYPERLINK("http://x","y")'


@pytest.fixture
def use_sandbox(monkeypatch):
    """Point the flow's configuration (CAL_* variables) at a sandbox."""

    def _use(box) -> None:
        monkeypatch.setenv("CAL_API_KEY", box.api_key)
        monkeypatch.setenv("CAL_API_URL", box.base_url)
        monkeypatch.setenv("CAL_ORG_ID", str(box.org_id))
        monkeypatch.setenv("CAL_RATE_LIMIT", "100000")

    return _use


def sandbox_requests(box) -> int:
    return httpx.get(f"{box.base_url}/_sandbox/stats", timeout=10).json()["requests"]


def sql(box, statement: str, *params: object) -> None:
    """Change the sandbox's data behind its back (what the API cannot set, e.g. a name)."""
    with sqlite3.connect(box.db_path) as conn:
        conn.execute(statement, params)


@pytest.mark.slow
async def test_export_of_a_large_org_matches_the_sandbox(start_sandbox, use_sandbox, tmp_path):
    box = start_sandbox(seed_users=1100, seed=11, rate_limit=100000)
    use_sandbox(box)
    before = sandbox_requests(box)
    folder = Path(await export_org(out=str(tmp_path), format="parquet,csv,xlsx"))
    sent = sandbox_requests(box) - before

    expected = expected_tables(SandboxReader(box.base_url, box.api_key, box.org_id))
    assert len(expected["users"]) > 1000
    assert {row[3] for row in expected["attributes"]} == {
        "TEXT", "NUMBER", "SINGLE_SELECT", "MULTI_SELECT"
    }  # fmt: skip
    for table in ("teams", "team_memberships", "ooo_entries", "roles", "role_permissions"):
        assert expected[table], f"the seeded org has no {table}"
    for table in TABLE_NAMES:
        exported = pl.read_parquet(folder / f"{table}.parquet")
        assert snapshot_rows(exported, table) == expected[table], table
        assert exported.height == len(expected[table]), f"{table} has duplicate rows"

    manifest = read_manifest(folder)
    assert manifest["requests_total"] == sent  # every request the sandbox saw is accounted for
    requests = {t: e["requests"] for t, e in manifest["tables"].items()}
    users = len(expected["users"])
    assert requests["users"] == math.floor(users / 1000) + 1  # 1000 per page, never per user
    assert requests["memberships"] == math.floor(users / 250) + 1
    assert requests["attribute_assignments"] == 0  # carried by the memberships listing
    assert manifest["tables"]["users"]["rows"] == users
    assert openpyxl.load_workbook(folder / "snapshot.xlsx", read_only=True).sheetnames[0] == "users"

    with sqlite3.connect(box.db_path) as conn:
        secrets = [
            r[0] for r in conn.execute("SELECT secret FROM webhooks WHERE secret IS NOT NULL")
        ]
    assert secrets, "the seeded org has no webhook secret to leak"
    for path in folder.iterdir():
        assert path.stat().st_mode & 0o077 == 0, f"{path.name} is readable by others"
        if path.suffix in (".csv", ".json"):
            text = path.read_text(encoding="utf-8")
            assert box.api_key not in text and not any(s in text for s in secrets), path.name


async def test_wide_users_sheet_reads_back_as_exported(start_sandbox, use_sandbox, tmp_path):
    box = start_sandbox(seed_users=40, seed=5, rate_limit=100000)
    use_sandbox(box)
    reporter = RecordingReporter()
    folder = Path(await export_org(out=str(tmp_path), format="xlsx,parquet", reporter=reporter))
    sheet = pl.read_excel(folder / "snapshot.xlsx", sheet_name="users", infer_schema_length=0)
    users = pl.read_parquet(folder / "users.parquet")
    memberships = pl.read_parquet(folder / "memberships.parquet")
    assignments = pl.read_parquet(folder / "attribute_assignments.parquet")
    attributes = pl.read_parquet(folder / "attributes.parquet")
    assert sheet.height == users.height
    assert assignments.height > users.height  # most members hold several attribute values
    assert sorted(sheet["email"].to_list()) == sorted(users["email"].to_list())
    roles = dict(zip(sheet["email"], sheet["org_role"], strict=True))
    by_id = dict(zip(users["user_id"], users["email"], strict=True))
    for user_id, role in memberships.select("user_id", "role").iter_rows():
        assert roles[by_id[user_id]] == role
    names = dict(zip(attributes["attribute_id"], attributes["name"], strict=True))
    assert set(names.values()) <= set(sheet.columns)
    rows = {r["email"]: r for r in sheet.iter_rows(named=True)}
    for (user_id, attribute_id), part in assignments.group_by("user_id", "attribute_id"):
        cell = rows[by_id[user_id]][names[attribute_id]]
        assert sorted(cell.split("; ")) == sorted(part["value"].to_list())

    markdown = reporter.artifacts[f"export-org-{box.org_id}"]
    assert f"| users | {users.height} | 1 |" in markdown
    assert f"| attribute_assignments | {assignments.height} | 0 |" in markdown


async def test_a_formula_name_comes_out_inert_in_csv_and_excel(
    start_sandbox, use_sandbox, tmp_path
):
    box = start_sandbox(seed_users=10, seed=2, rate_limit=100000)
    sql(box, "UPDATE users SET name = ? WHERE email = ?", INJECTION, "owner@acme-sandbox.example")
    use_sandbox(box)
    folder = Path(await export_org(out=str(tmp_path), format="csv,xlsx,parquet"))

    users = pl.read_parquet(folder / "users.parquet")
    assert INJECTION in users["name"].to_list()  # the data itself is kept exactly
    csv_text = (folder / "users.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in csv_text
    assert ",=HYPERLINK(" not in csv_text and ',"=HYPERLINK(' not in csv_text
    book = openpyxl.load_workbook(folder / "snapshot.xlsx")
    for sheet_name in ("users", "users_table"):
        cells = [c for row in book[sheet_name].iter_rows() for c in row if c.value == INJECTION]
        assert cells, sheet_name
        assert all(c.data_type == "s" and c.quotePrefix for c in cells), sheet_name


async def test_invalid_data_stops_the_export_and_publishes_nothing(
    start_sandbox, use_sandbox, tmp_path
):
    box = start_sandbox(seed_users=10, seed=3, rate_limit=100000)
    sql(box, "UPDATE memberships SET role = 'GUEST' WHERE user_id = 2 AND team_id = ?", box.org_id)
    use_sandbox(box)
    with pytest.raises(SnapshotInvalid) as caught:
        await export_org(out=str(tmp_path), only="users,memberships,attribute_assignments")
    [failure] = caught.value.report.failures
    assert (failure.table, failure.values) == ("memberships", ("GUEST",))
    assert failure.check.startswith("role")
    org_folder = tmp_path / str(box.org_id)
    assert not org_folder.exists() or not any(org_folder.iterdir())


async def test_api_failure_mid_export_leaves_no_folder(start_sandbox, use_sandbox, tmp_path):
    box = start_sandbox(seed_users=10, seed=4, rate_limit=100000, faults="500=1")
    use_sandbox(box)
    with pytest.raises(Exception, match="500"):
        await export_org(out=str(tmp_path), only="users")
    org_folder = tmp_path / str(box.org_id)
    assert not org_folder.exists() or not any(org_folder.iterdir())


async def test_exported_workbook_imports_back_as_a_whole_changing_nothing(
    start_sandbox, use_sandbox, tmp_path
):
    box = start_sandbox(seed_users=40, seed=6, rate_limit=100000)
    use_sandbox(box)
    before = Path(await export_org(out=str(tmp_path / "before"), format="xlsx,parquet"))
    workbook = tmp_path / "people.xlsx"  # a copy: the import writes its reports next to it
    shutil.copyfile(before / "snapshot.xlsx", workbook)
    ooo = pl.read_parquet(before / "ooo_entries.parquet").height
    roles = pl.read_parquet(before / "roles.parquet").height
    teams = pl.read_parquet(before / "teams.parquet").height
    attributes = pl.read_parquet(before / "attributes.parquet").height
    webhooks = pl.read_parquet(before / "webhooks.parquet").height
    assert ooo and roles, "the seeded org has no OOO entries or roles to round-trip"
    assert teams and attributes and webhooks, "the seeded org lacks definitions to round-trip"

    dry = await import_file(file=str(workbook), dry_run=True)
    assert dry["exit_code"] == 0, dry["message"]
    plan = pl.read_csv(dry["plan"], infer_schema=False)
    rows = plan.group_by("sheet").agg(pl.col("row").n_unique()).sort("sheet").rows()
    assert rows == [
        ("attributes", attributes),
        ("ooo", ooo),
        ("roles", roles),
        ("teams", teams),
        ("users", 43),
        ("webhooks", webhooks),
    ]  # 40 seeded + 3 key holders; fmt: skip
    assert plan["action"].unique().to_list() == ["none"], plan.filter(pl.col("action") != "none")

    applied = await import_file(file=str(workbook))
    assert applied["exit_code"] == 0, applied["message"]
    receipt = pl.read_csv(applied["receipt"], infer_schema=False)
    assert receipt.height == 43 + ooo + roles + teams + attributes + webhooks
    assert receipt["outcome"].unique().to_list() == ["unchanged"], receipt.filter(
        pl.col("outcome") != "unchanged"
    )

    after = Path(await export_org(out=str(tmp_path / "after"), format="parquet"))
    for table in TABLE_NAMES:
        then, now = (pl.read_parquet(f / f"{table}.parquet") for f in (before, after))
        assert now.equals(then), table


def _restorable(folder: Path) -> dict[str, set[tuple]]:
    """What a migration must carry over: roles, their permissions and OOO entries, without
    the ids and timestamps a re-created entry gets anew."""
    roles = pl.read_parquet(folder / "roles.parquet")
    permissions = pl.read_parquet(folder / "role_permissions.parquet").join(roles, on="role_id")
    ooo = pl.read_parquet(folder / "ooo_entries.parquet")
    return {
        "roles": set(roles.select("team_id", "name", "description", "color", "type").rows()),
        "permissions": set(permissions.select("team_id", "name", "permission").rows()),
        "ooo": set(ooo.select("user_id", "to_user_id", "start", "end", "reason", "notes").rows()),
    }


async def test_workbook_recreates_deleted_team_role_ooo_entry_and_permission(
    start_sandbox, use_sandbox, tmp_path
):
    box = start_sandbox(seed_users=40, seed=6, rate_limit=100000)
    use_sandbox(box)
    before = Path(await export_org(out=str(tmp_path / "before"), format="xlsx,parquet"))
    workbook = tmp_path / "restore.xlsx"
    shutil.copyfile(before / "snapshot.xlsx", workbook)
    roles = pl.read_parquet(before / "roles.parquet")
    team_role = roles.filter(pl.col("team_id").is_not_null()).row(0, named=True)
    org_role = roles.filter(pl.col("team_id").is_null()).row(0, named=True)
    permission = (
        pl.read_parquet(before / "role_permissions.parquet")
        .filter(pl.col("role_id") == org_role["role_id"])
        .item(0, "permission")
    )
    entry = (
        pl.read_parquet(before / "ooo_entries.parquet")
        .filter(pl.col("to_user_id").is_not_null())
        .row(0, named=True)
    )
    users = pl.read_parquet(before / "users.parquet")
    email = users.filter(pl.col("user_id") == entry["user_id"]).item(0, "email")
    org = f"{box.base_url}/v2/organizations/{box.org_id}"
    with httpx.Client(headers={"Authorization": f"Bearer {box.api_key}"}, timeout=10) as http:
        for path in (
            f"/teams/{team_role['team_id']}/roles/{team_role['role_id']}",
            f"/roles/{org_role['role_id']}/permissions/{permission}",
            f"/users/{entry['user_id']}/ooo/{entry['ooo_id']}",
        ):
            assert http.delete(org + path).status_code in (200, 204), path

    outcome = await import_file(file=str(workbook))
    assert outcome["exit_code"] == 0, outcome["message"]
    receipt = pl.read_csv(outcome["receipt"], infer_schema=False)
    changed = receipt.filter(pl.col("outcome") != "unchanged")
    assert sorted(changed.select("sheet", "email", "outcome").rows()) == [
        ("ooo", email, "created"),
        ("roles", org_role["name"], "updated"),
        ("roles", team_role["name"], "created"),
    ], changed
    after = Path(await export_org(out=str(tmp_path / "after"), format="parquet"))
    assert _restorable(after) == _restorable(before)
