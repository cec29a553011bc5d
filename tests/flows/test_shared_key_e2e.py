"""Issue 12, "one key, many runs", end to end without a Prefect server: an import and a
backup started together on one key (two real `calbulk` processes, one sandbox with a
compressed limit) share the key's budget through the lock file in the data folder.

The sandbox's own counters judge: no 429, and over the time both ran (the backup's export,
from its manifest; the import starts first, the backup once the import is creating users,
and the import is still creating them when the export ends), the two together sent at least
85% of what the key allows. The backup's snapshot is valid although the
import created users and team memberships while it listed.
"""

from __future__ import annotations

import bisect
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from flows.export.snapshot import MANIFEST_NAME, read_manifest
from tests.cli.conftest import CALBULK, base_env

pytestmark = pytest.mark.slow

LIMIT, WINDOW = 10, 2  # the key's limit, compressed: 10 requests per 2 s window


def stats(box) -> dict:
    return httpx.get(f"{box.base_url}/_sandbox/stats", timeout=10).json()


def hires_csv(box, path: Path, rows: int) -> Path:
    """New users, each joining one of the org's teams (read from the sandbox's database, so
    no request is spent on it)."""
    with sqlite3.connect(box.db_path) as db:
        teams = [n for (n,) in db.execute("SELECT name FROM teams WHERE is_organization = 0")]
    lines = ["email,name,time zone,teams"]
    lines += [f"hire{i}@example.com,New Hire {i},Europe/Oslo,{teams[i % len(teams)]}"
              for i in range(rows)]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def start(env: dict, cwd: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([CALBULK, *args], env=env, cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


@dataclass
class Together:
    """Both runs' outcomes, and the sandbox's request count over (wall) time."""

    outcomes: dict[str, tuple[int, str, str]]
    counts: list[tuple[float, int]]  # (time.time(), requests so far)
    ended: dict[str, float]  # run -> when its process ended
    backups: Path  # the backup's --out

    def requests_at(self, moment: float) -> int:
        at = bisect.bisect_right([t for t, _ in self.counts], moment)
        return self.counts[at - 1][1] if at else 0

    def backup_manifest(self) -> dict:
        [manifest] = self.backups.glob(f"*/*/{MANIFEST_NAME}")  # OUT/<org>/<stamp>/
        return read_manifest(manifest.parent)

    def share_of_budget(self, limit: int, window: float) -> tuple[float, int, float]:
        """Over the backup's export (from its manifest's start to its end), while the import
        was running too: the share of the key's budget both used, the requests and seconds."""
        manifest = self.backup_manifest()
        start, end = (datetime.fromisoformat(manifest[k].replace("Z", "+00:00")).timestamp()
                      for k in ("started_at", "finished_at"))  # fmt: skip
        assert self.ended["import"] > end, "the import ended before the backup's export"
        sent = self.requests_at(end) - self.requests_at(start)
        return sent / ((end - start) / window * limit), sent, end - start


def run_together(box, env: dict, tmp_path: Path, rows: int, after: int = 3) -> Together:
    """Start the import, and the backup as soon as the import has created ``after`` users
    (so both send from then on; 0: at once); wait for both, sampling the sandbox's count."""
    csv = hires_csv(box, tmp_path / "hires.csv", rows)
    runs = {"import": start(env, tmp_path, "import", str(csv))}
    counts: list[tuple[float, int]] = []
    ended: dict[str, float] = {}
    deadline = time.monotonic() + 240
    while any(p.poll() is None for p in runs.values()) and time.monotonic() < deadline:
        seen = stats(box)
        counts.append((time.time(), seen["requests"]))
        if "backup" not in runs and seen["by_status"].get("201", 0) >= after:
            runs["backup"] = start(env, tmp_path, "backup", "--out", str(tmp_path / "backups"))
        for name, proc in runs.items():
            if proc.poll() is not None:
                ended.setdefault(name, time.time())
        time.sleep(0.05)
    outcomes = {}
    for name, proc in runs.items():
        if proc.poll() is None:
            proc.kill()
        ended.setdefault(name, time.time())
        out, err = proc.communicate(timeout=30)
        outcomes[name] = (proc.returncode, out, err)
    return Together(outcomes, counts, ended, tmp_path / "backups")


def test_an_import_and_a_backup_on_one_key_share_its_budget(start_sandbox, tmp_path):
    box = start_sandbox(seed_users=8, seed=6, rate_limit=LIMIT, rate_window=WINDOW)
    env = {
        **base_env(tmp_path),
        "CAL_API_URL": box.base_url,
        "CAL_API_KEY": box.api_key,
        "CAL_ORG_ID": str(box.org_id),
    }  # fmt: skip  (no CAL_RATE_LIMIT: headers say it)
    env.pop("PREFECT_API_URL", None)

    together = run_together(box, env, tmp_path, rows=100)  # the import outlasts the backup

    for name, (code, out, err) in together.outcomes.items():
        assert code == 0, f"{name} exited {code}:\n{out[-2000:]}\n{err[-2000:]}"
    seen = stats(box)
    assert seen["rate_limited"] == 0, seen
    assert seen["by_status"].get("201", 0) >= 100  # every hire created
    # the backup's snapshot was validated and published, reconciled or not
    manifest = together.backup_manifest()
    assert isinstance(manifest["reconciled"], list)
    used, sent, seconds = together.share_of_budget(LIMIT, WINDOW)
    print(
        f"overlap: {sent} requests in {seconds:.1f} s = {used:.0%} of {LIMIT}/{WINDOW}s; "
        f"reconciled: {manifest['reconciled']}; whole run: {seen}"
    )
    assert seconds >= 2 * WINDOW  # a real overlap, several windows long
    assert sent > manifest["requests_total"]  # the import sent meanwhile
    assert used >= 0.85, f"{used:.0%} of the key's budget over the overlap"
