"""`calbulk backup --orgs` in-process (no Prefect server): every org of the orgs file backed up
side by side, each with its own key; one org without Admin API access fails alone, is named
in the summary and makes the exit code 1, while the others' snapshots are exact. A bad orgs
file is refused with exit 2, naming the entry and field, before any request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import polars as pl
import pytest

from tests.flows.export_oracle import SandboxReader, expected_tables, snapshot_rows
from transforms.snapshot.schemas import TABLE_NAMES

CALBULK = str(Path(sys.executable).parent / "calbulk")


def orgs_toml(boxes: dict, **extra: dict) -> str:
    """An orgs file for ``{name: sandbox}``; each key in the variable ``<NAME>_CAL_KEY``."""
    text = ""
    for name, box in boxes.items():
        text += f'[[org]]\nname = "{name}"\norg_id = {box.org_id}\n'
        text += f'api_url = "{box.base_url}"\napi_key_env = "{name.upper()}_CAL_KEY"\n'
        for field, value in extra.get(name, {}).items():
            text += f"{field} = {json.dumps(value)}\n"
        text += "\n"
    return text


def orgs_env(boxes: dict, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAL_", "PREFECT_API"))}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    env.update({f"{name.upper()}_CAL_KEY": box.api_key for name, box in boxes.items()})
    return env


def calbulk(env: dict, cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CALBULK, *args], env=env, text=True, capture_output=True, timeout=timeout, cwd=cwd
    )


class PatientReader(SandboxReader):
    """The oracle's reader, waiting out a 429 (sandboxes with a compressed limit)."""

    def _get(self, path: str, **kwargs) -> httpx.Response:
        while True:
            response = self.http.get(path, **kwargs)
            if response.status_code != 429:
                response.raise_for_status()
                return response
            time.sleep(float(response.headers.get("Retry-After") or 1))

    def all(self, path: str, take: int = 250) -> list[dict]:
        rows: list[dict] = []
        while True:
            page = self._get(path, params={"take": take, "skip": len(rows)}).json()["data"]
            rows += page
            if len(page) < take:
                return rows

    def one(self, path: str) -> list:
        return self._get(path).json()["data"]


def assert_snapshot_exact(folder: Path, box) -> None:
    """Every table of the snapshot equals what the sandbox holds (read independently)."""
    expected = expected_tables(PatientReader(box.base_url, box.api_key, box.org_id))
    for table in TABLE_NAMES:
        exported = pl.read_parquet(folder / f"{table}.parquet")
        assert snapshot_rows(exported, table) == expected[table], (box.org_id, table)


def sandbox_requests(box) -> int:
    return httpx.get(f"{box.base_url}/_sandbox/stats", timeout=10).json()["requests"]


@pytest.mark.slow
def test_three_orgs_one_without_admin_api(start_sandbox, tmp_path: Path) -> None:
    boxes = {
        "acme": start_sandbox(seed_users=12, seed=11, rate_limit=100000),
        "globex": start_sandbox(seed_users=8, seed=12, rate_limit=100000, no_admin_api=True),
        "initech": start_sandbox(seed_users=10, seed=13, rate_limit=100000),
    }
    assert len({box.org_id for box in boxes.values()}) == 3
    (tmp_path / "orgs.toml").write_text(orgs_toml(boxes))
    env, out = orgs_env(boxes, tmp_path), tmp_path / "backups"

    done = calbulk(env, tmp_path, "backup", "--orgs", "orgs.toml", "--out", str(out))
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "1 of 3 organization(s) failed: globex" in lines
    failed = next(x for x in lines if x.startswith("globex: FAILED: "))
    assert "no Admin API access" in failed
    for name in ("acme", "initech"):
        box = boxes[name]
        line = next(x for x in lines if x.startswith(f"{name}: snapshot: "))
        folder = Path(line.removeprefix(f"{name}: snapshot: "))
        assert folder.parent == out / str(box.org_id)
        assert (folder / "manifest.json").is_file()
        assert_snapshot_exact(folder, box)
    assert not (out / str(boxes["globex"].org_id)).exists()
    for box in boxes.values():
        assert box.api_key not in done.stdout + done.stderr

    # --json: each org's outcome, rows, requests and time; the requests the sandboxes saw
    before = {name: sandbox_requests(box) for name, box in boxes.items()}
    again = calbulk(
        env,
        tmp_path,
        "backup",
        "--orgs",
        "orgs.toml",
        "--out",
        str(out),
        "--parallel",
        "1",
        "--json",
    )
    assert again.returncode == 1, again.stderr
    outcome = json.loads(again.stdout)
    assert outcome["exit_code"] == 1 and outcome["failed"] == ["globex"]
    rows = {row["name"]: row for row in outcome["orgs"]}
    assert [row["name"] for row in outcome["orgs"]] == ["acme", "globex", "initech"]
    assert rows["globex"]["outcome"] == "failed"
    assert "no Admin API access" in rows["globex"]["error"]
    for name in ("acme", "initech"):
        row = rows[name]
        assert row["outcome"] == "ok" and row["seconds"] > 0
        manifest = json.loads((Path(row["folder"]) / "manifest.json").read_text())
        assert row["rows"] == sum(t["rows"] for t in manifest["tables"].values())
        assert row["requests"] == sandbox_requests(boxes[name]) - before[name]


BAD_FILES = [
    ({"acme": {"colour": "red"}}, "[[org]] #1 (acme): unknown field 'colour'"),
    ({"beta": {"api_key_block": "b"}}, "[[org]] #2 (beta): both 'api_key_env' and 'api_key_block'"),
    ({"gamma": {"rate_limit": 0}}, "[[org]] #3 (gamma): field 'rate_limit' is 0"),
]


def test_a_bad_orgs_file_is_refused_before_any_request(start_sandbox, tmp_path: Path) -> None:
    box = start_sandbox(seed_users=2, seed=1, rate_limit=100000)
    boxes = {"acme": box, "beta": box, "gamma": box}
    env, out = orgs_env({"acme": box, "beta": box, "gamma": box}, tmp_path), tmp_path / "out"
    good = orgs_toml({"acme": box})
    cases = [(orgs_toml(boxes, **extra), message) for extra, message in BAD_FILES]
    cases += [
        # the three org ids are the same sandbox's
        (orgs_toml(boxes), "[[org]] #2 (beta): field 'org_id' is"),
        (
            good + good.replace("org_id = ", "org_id = 9"),
            "[[org]] #2 (acme): field 'name' is 'acme', the same as [[org]] #1",
        ),
        (
            good.replace("ACME_CAL_KEY", "NOBODY_SET_THIS"),
            "[[org]] #1 (acme): field 'api_key_env' names NOBODY_SET_THIS, which is not set",
        ),
        (
            good.replace('api_key_env = "ACME_CAL_KEY"\n', ""),
            "[[org]] #1 (acme): no key source; give 'api_key_env' or 'api_key_block'",
        ),
        (
            good.replace(f"org_id = {box.org_id}", 'org_id = "x"'),
            "[[org]] #1 (acme): field 'org_id' is 'x'",
        ),
        ("[[orgs]]\nname = 'a'\n", "unknown top-level key 'orgs'"),
    ]
    for text, message in cases:
        (tmp_path / "orgs.toml").write_text(text)
        done = calbulk(env, tmp_path, "backup", "--orgs", "orgs.toml", "--out", str(out))
        assert done.returncode == 2, (text, done.stdout, done.stderr)
        assert message in done.stderr, (message, done.stderr)
    (tmp_path / "orgs.toml").write_text(good)
    done = calbulk(env, tmp_path, "backup", "--orgs", "orgs.toml", "--parallel", "0")
    assert done.returncode == 2 and "--parallel is 0" in done.stderr, done.stderr
    done = calbulk(env, tmp_path, "backup", "--orgs", "missing.toml")
    assert done.returncode == 2 and "missing.toml does not exist" in done.stderr, done.stderr
    assert sandbox_requests(box) == 0
    assert not out.exists()
