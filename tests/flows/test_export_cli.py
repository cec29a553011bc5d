"""`calbulk export`: config checked before anything is sent; the snapshot read back from disk."""

from __future__ import annotations

from pathlib import Path

import httpx
import polars as pl
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()


def _env(box, **changes: str | None) -> dict:
    env = {
        "CAL_API_KEY": box.api_key,
        "CAL_API_URL": box.base_url,
        "CAL_ORG_ID": str(box.org_id),
        "CAL_RATE_LIMIT": "100000",
        "CAL_CLIENT_ID": None,
        "CAL_SECRET_KEY": None,
    }
    env.update(changes)
    return env


def _requests_seen(box) -> int:
    return httpx.get(f"{box.base_url}/_sandbox/stats", timeout=10).json()["requests"]


def test_bad_config_exits_2_and_sends_nothing(start_sandbox, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    box = start_sandbox(seed_users=5, seed=1)
    cases = [
        (_env(box, CAL_API_KEY=None), [], "CAL_API_KEY"),
        (_env(box, CAL_API_KEY="sk_live_oops"), [], "must start with 'cal_'"),
        (_env(box, CAL_RATE_LIMIT="fast"), [], "CAL_RATE_LIMIT"),
        (_env(box), ["--format", "parquet,pdf"], "unknown format pdf"),
        (_env(box), ["--only", "users,bookings"], "unknown table bookings"),
    ]
    for env, args, message in cases:
        result = runner.invoke(app, ["export", "--out", str(tmp_path), *args], env=env)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output
        assert "sk_live_oops" not in result.output
    assert _requests_seen(box) == 0
    assert not list(tmp_path.glob("*/*"))


def test_export_command_writes_the_snapshot(start_sandbox, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    box = start_sandbox(seed_users=25, seed=9, rate_limit=100000)
    out = tmp_path / "exports"
    args = ["export", "--out", str(out), "--format", "parquet", "--only", "users,memberships"]
    result = runner.invoke(app, args, env=_env(box, PREFECT_API_URL=None))
    assert result.exit_code == 0, result.output
    folder = Path(result.output.strip().splitlines()[-2].removeprefix("snapshot: "))
    assert folder.parent == out / str(box.org_id)
    assert sorted(p.name for p in folder.iterdir()) == [
        "manifest.json", "memberships.parquet", "users.parquet"
    ]  # fmt: skip
    listed = httpx.get(
        f"{box.base_url}/v2/organizations/{box.org_id}/users",
        params={"take": 1000},
        headers={"Authorization": f"Bearer {box.api_key}"},
    ).json()["data"]
    users = pl.read_parquet(folder / "users.parquet")
    assert sorted(users["email"].to_list()) == sorted(u["email"] for u in listed)
    assert box.api_key not in result.output
    assert box.api_key not in (folder / "manifest.json").read_text()
