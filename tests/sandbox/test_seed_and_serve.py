"""Seeding (deterministic, realistic, awkward) and the two ways to start the sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sandbox import SandboxOptions, build_runtime
from tests.conftest import REPO_ROOT, free_port


def _snapshot(seed: int) -> tuple:
    runtime = build_runtime(SandboxOptions(db=":memory:", seed_users=40, seed=seed))
    conn = runtime.conn
    users = conn.execute("SELECT id, email, name FROM users ORDER BY id").fetchall()
    options = conn.execute("SELECT id, value FROM attribute_options ORDER BY seq").fetchall()
    return runtime.api_keys, [tuple(u) for u in users], [tuple(o) for o in options]


def test_same_seed_same_org_other_seed_other_org() -> None:
    assert _snapshot(5) == _snapshot(5)
    assert _snapshot(5) != _snapshot(6)


def test_seeded_org_is_realistic_and_awkward() -> None:
    conn = build_runtime(SandboxOptions(db=":memory:", seed_users=200, seed=2)).conn
    names = [row[0] for row in conn.execute("SELECT name FROM users")]
    assert any(name.startswith("=") for name in names)
    assert any("'" in name for name in names)
    assert any(not name.isascii() for name in names)
    kinds = {row[0] for row in conn.execute("SELECT type FROM attributes")}
    assert kinds == {"TEXT", "NUMBER", "SINGLE_SELECT", "MULTI_SELECT"}
    assigned = conn.execute("SELECT COUNT(DISTINCT member_id) FROM attribute_to_user").fetchone()
    assert assigned[0] > 150  # most of the 203 members hold options
    team_admins = conn.execute(
        "SELECT COUNT(*) FROM memberships m JOIN teams t ON t.id = m.team_id"
        " WHERE t.parent_id IS NOT NULL AND m.role = 'ADMIN'"
    ).fetchone()
    assert team_admins[0] > 0
    reasons = {row[0] for row in conn.execute("SELECT reason_id FROM ooo")}
    assert len(reasons) > 1
    covered = conn.execute("SELECT user_id, to_user_id FROM ooo WHERE to_user_id IS NOT NULL")
    for user_id, to_user_id in covered.fetchall():
        shared = conn.execute(
            "SELECT 1 FROM memberships a JOIN memberships b ON a.team_id = b.team_id"
            " JOIN teams t ON t.id = a.team_id"
            " WHERE a.user_id = ? AND b.user_id = ? AND t.parent_id IS NOT NULL",
            (user_id, to_user_id),
        ).fetchone()
        assert shared, f"coverer {to_user_id} shares no team with {user_id}"
    assert conn.execute("SELECT COUNT(*) FROM roles").fetchone()[0] >= 3
    assert conn.execute("SELECT COUNT(*) FROM webhooks").fetchone()[0] == 1


def test_existing_db_file_is_reused_not_reseeded(start_sandbox, tmp_path: Path) -> None:
    db = tmp_path / "rehearsal.db"
    first = start_sandbox(db=db, seed_users=4, seed=1)
    headers = {"Authorization": f"Bearer {first.api_key}"}
    created = httpx.post(
        f"{first.base_url}/v2/organizations/{first.org_id}/users",
        json={"email": "survivor@example.com"},
        headers=headers,
    )
    assert created.status_code == 201
    first.stop()
    second = start_sandbox(db=db, seed_users=50, seed=9)  # seed options ignored: db exists
    assert second.api_keys == first.api_keys and second.org_id == first.org_id
    users = httpx.get(
        f"{second.base_url}/v2/organizations/{second.org_id}/users",
        params={"take": 1000},
        headers=headers,
    ).json()["data"]
    assert "survivor@example.com" in {u["email"] for u in users}
    assert len(users) == 3 + 4 + 1


def test_calbulk_sandbox_serve_writes_info_once_listening(tmp_path: Path) -> None:
    info_file = tmp_path / "info.json"
    calbulk = Path(sys.executable).parent / "calbulk"
    args = [str(calbulk), "sandbox", "serve", "--port", str(free_port()), "--seed-users", "2",
            "--info-file", str(info_file)]  # fmt: skip
    proc = subprocess.Popen(args, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not info_file.exists():
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        info = json.loads(info_file.read_text())
        assert set(info) >= {"base_url", "org_id", "api_keys", "oauth_client"}
        me = httpx.get(
            f"{info['base_url']}/v2/me",
            headers={"Authorization": f"Bearer {info['api_keys']['member']}"},
        )
        assert me.status_code == 200
        assert me.json()["data"]["organizationId"] == info["org_id"]
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0].decode()
    assert info["api_keys"]["owner"] in output and str(info["org_id"]) in output


def test_bad_fault_spec_exits_2_with_a_message() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "serve", "--faults", "teapot=1"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "unknown fault 'teapot'" in result.stderr


def test_seeded_ooo_entries_are_ones_the_api_accepts_in_any_order(start_sandbox) -> None:
    """Every seeded entry, deleted and re-created through the API in file order and again in
    reverse order, is accepted: the seed never writes a redirect loop OOOService would refuse
    (a migration or restore re-creates them in whatever order it likes). Seed 7 at 500 users
    used to hold one such loop."""
    box = start_sandbox(seed_users=500, seed=7, rate_limit=100000)
    base = f"{box.base_url}/v2/organizations/{box.org_id}"
    with httpx.Client(headers={"Authorization": f"Bearer {box.api_key}"}, timeout=30) as http:

        def listed() -> list[dict]:
            entries: list[dict] = []
            while True:
                page = http.get(f"{base}/ooo", params={"take": 250, "skip": len(entries)})
                entries += page.json()["data"]
                if len(page.json()["data"]) < 250:
                    return entries

        entries = listed()
        assert len(entries) > 20 and any(e["toUserId"] for e in entries)
        for order in (entries, list(reversed(entries))):
            for entry in listed():
                gone = http.delete(f"{base}/users/{entry['userId']}/ooo/{entry['id']}")
                assert gone.status_code == 200, gone.text
            for entry in order:
                body = {"start": entry["start"], "end": entry["end"], "reason": entry["reason"]}
                if entry["toUserId"]:
                    body["toUserId"] = entry["toUserId"]
                made = http.post(f"{base}/users/{entry['userId']}/ooo", json=body)
                assert made.status_code == 201, (entry, made.text)
