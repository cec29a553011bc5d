"""The nightly backup as an operated service, with the README's commands: a real Prefect
server, `calbulk deploy`, a real `prefect worker start --pool calbulk` and a sandbox org.
Triggered now, the run completes, writes snapshot, manifest and changes.*, and publishes
artifacts the API serves; after changes made through the sandbox's API, the next run's
changes.json lists exactly them. The worker's API key comes from a Prefect Secret block
(CAL_API_KEY_BLOCK) and appears in no parameter, artifact or log. A run that fails ends
Failed with the reason in a markdown artifact."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.flows.test_backup_cli import snapshot_folder
from tests.prefect.conftest import (
    REPO_ROOT,
    PrefectServer,
    artifacts_of,
    flow_run_id,
    wait_for_final_state,
)
from tests.prefect.org_changes import assert_exactly, assert_no_changes, change_org

pytestmark = pytest.mark.slow
CHANGE_FILES = ("changes.json", "changes.md", "changes.xlsx")
BLOCK = "calbulk-api-key"


def trigger(server: PrefectServer, out: Path, **params: str) -> dict:
    """`prefect deployment run backup_org/nightly-backup --param out=OUT`, run to its end."""
    args = ["--param", f"out={out}"]
    for name, value in params.items():
        args += ["--param", f"{name}={value}"]
    done = server.run("prefect", "deployment", "run", "backup_org/nightly-backup", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return wait_for_final_state(server, flow_run_id(done.stdout))


def logs_of(server: PrefectServer, run_id: str) -> str:
    body = {"logs": {"flow_run_id": {"any_": [run_id]}}, "limit": 200}
    return "\n".join(
        item["message"] for item in server.api("POST", "/logs/filter", json=body).json()
    )


def save_secret_block(server: PrefectServer, value: str) -> None:
    code = ("import os; from prefect.blocks.system import Secret; "
            f"Secret(value=os.environ['KEY']).save({BLOCK!r}, overwrite=True)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], env=server.env(KEY=value),
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_nightly_backup_on_a_real_server_and_worker(
    prefect_server: PrefectServer, start_worker, start_sandbox, tmp_path: Path
) -> None:
    server = prefect_server
    box = start_sandbox(seed_users=6, seed=4, rate_limit=100000)
    out = tmp_path / "backups"

    deployed = server.run("calbulk", "deploy")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    save_secret_block(server, box.api_key)
    worker_env = server.env(
        CAL_API_URL=box.base_url, CAL_ORG_ID=str(box.org_id), CAL_RATE_LIMIT="100000",
        CAL_API_KEY_BLOCK=BLOCK, CALBULK_HOME=str(REPO_ROOT), PREFECT_WORKER_QUERY_SECONDS="1",
    )  # fmt: skip
    start_worker(worker_env)

    # first run: nothing to compare with
    first = trigger(server, out)
    assert first["state"]["type"] == "COMPLETED", first["state"]
    org_dir = out / str(box.org_id)
    (first_folder,) = org_dir.iterdir()
    assert not [name for name in CHANGE_FILES if (first_folder / name).exists()]
    notes = {a["key"]: a for a in artifacts_of(server, first["id"])}
    assert "Nothing to compare with" in notes[f"backup-org-{box.org_id}-changes"]["data"]

    # second run: compared with the first, changes.* in its own folder
    second = trigger(server, out)
    assert second["state"]["type"] == "COMPLETED", second["state"]
    second_folder = next(p for p in org_dir.iterdir() if p.name != first_folder.name)
    assert (second_folder / "manifest.json").is_file()
    for name in CHANGE_FILES:
        assert (second_folder / name).is_file(), name
    assert_no_changes(json.loads((second_folder / "changes.json").read_text()))

    artifacts = {a["key"]: a for a in artifacts_of(server, second["id"])}
    table = artifacts[f"backup-org-{box.org_id}-tables"]
    assert table["type"] == "table"
    rows = {row["table"]: row for row in json.loads(table["data"])}
    manifest = json.loads((second_folder / "manifest.json").read_text())
    for name, entry in manifest["tables"].items():
        assert rows[name]["rows"] == entry["rows"], name
    assert sum(row["requests"] for row in rows.values()) > 0
    changes_md = artifacts[f"backup-org-{box.org_id}-changes"]
    assert changes_md["type"] == "markdown"
    assert changes_md["data"] == (second_folder / "changes.md").read_text()
    link = artifacts[f"backup-org-{box.org_id}-snapshot"]
    # Prefect stores a link artifact as a markdown link
    assert link["data"] == f"[{second_folder}]({second_folder.resolve().as_uri()})"

    # change the org through the sandbox's API; the next run lists exactly those changes
    expected = change_org(box)
    third = trigger(server, out)
    assert third["state"]["type"] == "COMPLETED", third["state"]
    changes_path = sorted(org_dir.glob("*/changes.json"))[-1]
    changes = json.loads(changes_path.read_text())
    assert changes["old"] == str(second_folder)
    assert_exactly(changes, expected)

    # the key came from the Secret block: in no parameter, artifact or log of any run
    for run in (first, second, third):
        assert box.api_key not in json.dumps(run["parameters"])
        assert box.api_key not in json.dumps(artifacts_of(server, run["id"]))
        assert box.api_key not in logs_of(server, run["id"])
    # the weekly report over the kept snapshots, on the same worker
    done = server.run("prefect", "deployment", "run", "report_org/weekly-report",
                      "--param", f"out={out}")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = wait_for_final_state(server, flow_run_id(done.stdout))
    assert report["state"]["type"] == "COMPLETED", report["state"]
    assert (org_dir / "report.xlsx").is_file() and (org_dir / "report.md").is_file()
    notes = {a["key"]: a for a in artifacts_of(server, report["id"])}
    assert notes[f"report-org-{box.org_id}"]["data"] == (org_dir / "report.md").read_text()

    listed = server.run("prefect", "flow-run", "ls")
    assert listed.returncode == 0 and listed.stdout.count("COMPLETED") >= 4, listed.stdout


def test_the_readme_shows_the_commands_these_tests_run() -> None:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Run nightly backups") :]
    for command in (
        "prefect server start --host 127.0.0.1 --port",
        "calbulk deploy",
        f"Secret(value=os.environ['KEY']).save('{BLOCK}', overwrite=True)",
        f"CAL_API_KEY_BLOCK={BLOCK}",
        "prefect worker start --pool calbulk",
        "prefect deployment run backup_org/nightly-backup --param out=",
        "prefect automation create --from-file",
    ):
        assert command in section, command


def readme_automation_yaml() -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    (automation,) = [b for b in blocks if b.startswith("automations:")]
    return automation


class Inbox(BaseHTTPRequestHandler):
    """A loopback webhook receiver standing in for Slack/e-mail."""

    received: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        Inbox.received.append(self.rfile.read(length).decode("utf-8", "replace"))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def inbox() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Inbox)
    Inbox.received.clear()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/notify"
    server.shutdown()
    server.server_close()


def register_readme_automation(server: PrefectServer, url: str, tmp_path: Path) -> None:
    """The README's "notify on failure" automation, pointed at a real notification block."""
    code = ("import sys; from prefect.blocks.notifications import "
            "CustomWebhookNotificationBlock as C; print(C(name='it', url=sys.argv[1], "
            "allow_private_urls=True, json_data={'text': '{{subject}}: {{body}}'})"
            ".save('it-webhook', overwrite=True))")  # fmt: skip
    saved = subprocess.run([sys.executable, "-c", code, url], env=server.env(),
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert saved.returncode == 0, saved.stderr
    block_id = saved.stdout.strip().splitlines()[-1]
    snippet = readme_automation_yaml()
    assert "YOUR-NOTIFICATION-BLOCK-ID" in snippet
    path = tmp_path / "notify-on-failure.yaml"
    path.write_text(snippet.replace("YOUR-NOTIFICATION-BLOCK-ID", block_id))
    created = server.run("prefect", "automation", "create", "--from-file", str(path))
    assert created.returncode == 0, created.stdout + created.stderr


def test_a_failed_backup_ends_failed_with_the_reason_and_notifies(
    prefect_server: PrefectServer, start_worker, start_sandbox, inbox: str, tmp_path: Path
) -> None:
    server = prefect_server
    box = start_sandbox(seed_users=2, seed=1, rate_limit=100000)
    deployed = server.run("calbulk", "deploy")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    register_readme_automation(server, inbox, tmp_path)
    worker_env = server.env(
        CAL_API_URL=box.base_url, CAL_ORG_ID=str(box.org_id), CAL_RATE_LIMIT="100000",
        CAL_API_KEY="cal_" + "0" * 32, CALBULK_HOME=str(REPO_ROOT),
        PREFECT_WORKER_QUERY_SECONDS="1",
    )  # fmt: skip
    start_worker(worker_env)
    run = trigger(server, tmp_path / "backups")
    assert run["state"]["type"] == "FAILED", run["state"]
    artifacts = {a["key"]: a for a in artifacts_of(server, run["id"])}
    failed = artifacts[f"backup-org-{box.org_id}-failed"]
    assert failed["type"] == "markdown"
    assert "# Backup failed" in failed["data"] and "Reason: " in failed["data"]
    assert "cal_" + "0" * 32 not in failed["data"]
    assert not (tmp_path / "backups" / str(box.org_id)).exists()
    # the README's automation told IT
    deadline = time.monotonic() + 60
    while not Inbox.received and time.monotonic() < deadline:
        time.sleep(0.5)
    assert Inbox.received, "the failure automation sent no notification"
    message = Inbox.received[0]
    assert f"calbulk backup {run['name']} Failed" in message and "Invalid API Key" in message


def test_calbulk_backup_with_prefect_api_url_is_a_run_on_that_server(
    prefect_server: PrefectServer, start_sandbox, tmp_path: Path
) -> None:
    server = prefect_server
    box = start_sandbox(seed_users=3, seed=2, rate_limit=100000)
    env = server.env(CAL_API_URL=box.base_url, CAL_API_KEY=box.api_key,
                     CAL_ORG_ID=str(box.org_id), CAL_RATE_LIMIT="100000")  # fmt: skip
    out = tmp_path / "backups"
    done = server.run("calbulk", "backup", "--out", str(out), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"running on Prefect at {server.api_url}" in done.stderr
    folder = snapshot_folder(done)
    assert "first backup of this organization: nothing to compare with" in done.stdout
    assert "retention: applied by the backup_org run (its log says why); 1 snapshot(s)" in (
        done.stdout
    )
    assert folder.parent == out / str(box.org_id) and (folder / "manifest.json").is_file()
    body = {"flows": {"name": {"any_": ["backup_org"]}}, "limit": 50}
    runs = server.api("POST", "/flow_runs/filter", json=body).json()
    run = next(r for r in runs if r["parameters"].get("out") == str(out))
    assert run["state"]["type"] == "COMPLETED"
    keys = {a["key"] for a in artifacts_of(server, run["id"])}
    assert {f"backup-org-{box.org_id}-{k}" for k in ("tables", "changes", "snapshot")} <= keys
    assert box.api_key not in json.dumps(run["parameters"])
