"""`calbulk diff`, `calbulk prune` and `calbulk report` run as a person runs them (a
subprocess, no API anywhere), reading the files they write back; bad input is one paragraph
on stderr and exit 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import openpyxl

from tests.cli.conftest import base_env, calbulk
from tests.export_samples import sample_records
from tests.flows.backup_samples import ORG, changed_org, write

OLD = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
NEW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def one_paragraph(stderr: str, command: str) -> str:
    assert stderr.startswith(f"calbulk {command}: "), stderr
    assert "Traceback" not in stderr
    return stderr


def test_diff_writes_the_change_report_into_new_by_default(tmp_path):
    old, new = write(tmp_path, sample_records(), OLD), write(tmp_path, changed_org(), NEW)
    done = calbulk(base_env(tmp_path), "diff", str(old), str(new))
    assert done.returncode == 0, done.stderr
    document = json.loads((new / "changes.json").read_text(encoding="utf-8"))
    assert document["joiners"] == ["dee@acme.test"] and document["leavers"] == ["cy@acme.test"]
    assert document["counts"]["team_membership_changes"] == 2
    assert "joiners 1, leavers 1" in done.stdout
    assert (new / "changes.md").is_file() and (new / "changes.xlsx").is_file()


def test_diff_out_and_bad_folders(tmp_path):
    old, new = write(tmp_path, sample_records(), OLD), write(tmp_path, changed_org(), NEW)
    out = tmp_path / "weekly"
    done = calbulk(base_env(tmp_path), "diff", str(old), str(new), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "changes.json").read_text())["old"] == str(old)
    assert not (new / "changes.json").exists()
    refused = calbulk(base_env(tmp_path), "diff", str(old.parent), str(new))
    assert refused.returncode == 2
    assert "is not a complete calbulk snapshot: it has no manifest.json" in one_paragraph(
        refused.stderr, "diff"
    )


def test_prune_dry_run_then_prune(tmp_path):
    start = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
    for day in range(20):
        write(tmp_path, sample_records(), start + timedelta(days=day), formats=["parquet"])
    org_dir = tmp_path / str(ORG)
    env = base_env(tmp_path)
    args = ["prune", "--org-id", str(ORG), "--out", str(tmp_path), "--keep-daily", "3",
            "--keep-weekly", "2", "--keep-monthly", "1"]  # fmt: skip
    preview = calbulk(env, *args, "--dry-run")
    assert preview.returncode == 0, preview.stderr
    assert len(list(org_dir.iterdir())) == 20
    assert "would delete  20261001T020000Z" in preview.stdout
    done = calbulk(env, *args)
    assert done.returncode == 0, done.stderr
    # days Oct 20, 19, 18; weeks: W43 (Oct 20), W42 (Oct 18); month Oct (Oct 20)
    assert sorted(p.name for p in org_dir.iterdir()) == [
        "20261018T020000Z", "20261019T020000Z", "20261020T020000Z"
    ]  # fmt: skip
    assert "keep    20261018T020000Z  (daily 2026-10-18, weekly 2026-W42)" in done.stdout
    assert f"{org_dir}: kept 3, deleted 17" in done.stdout


def test_prune_refuses_bad_input(tmp_path):
    env = base_env(tmp_path)
    missing = calbulk(env, "prune", "--out", str(tmp_path))
    assert missing.returncode == 2
    assert "Give --org-id N or set CAL_ORG_ID" in one_paragraph(missing.stderr, "prune")
    write(tmp_path, sample_records(), OLD)
    env["CAL_ORG_ID"] = str(ORG)
    negative = calbulk(env, "prune", "--out", str(tmp_path), "--keep-daily", "-1")
    assert negative.returncode == 2
    assert "--keep-daily is -1" in one_paragraph(negative.stderr, "prune")
    other = calbulk(env, "prune", "--out", str(tmp_path), "--org-id", "999")
    assert other.returncode == 2 and "no snapshots of org 999" in other.stderr


def test_report_reads_the_org_folder_from_cal_org_id(tmp_path):
    write(tmp_path, sample_records(), OLD)
    write(tmp_path, changed_org(), NEW)
    env = {**base_env(tmp_path), "CAL_ORG_ID": str(ORG)}
    done = calbulk(env, "report", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    org_dir = tmp_path / str(ORG)
    book = openpyxl.load_workbook(org_dir / "report.xlsx")
    assert [c.value for c in book["headcount"]["C"]] == ["headcount", 3, 3]
    assert "## Headcount over time" in (org_dir / "report.md").read_text(encoding="utf-8")
    assert "2 snapshot(s)" in done.stdout
    empty = calbulk(env, "report", "--out", str(tmp_path / "nothing"))
    assert empty.returncode == 2
    assert "no snapshots of org 42" in one_paragraph(empty.stderr, "report")


def test_json_is_one_object_that_matches_the_files(tmp_path):
    old, new = write(tmp_path, sample_records(), OLD), write(tmp_path, changed_org(), NEW)
    env = {**base_env(tmp_path), "CAL_ORG_ID": str(ORG)}
    diffed = calbulk(env, "diff", str(old), str(new), "--json")
    outcome = json.loads(diffed.stdout)  # the whole of stdout is one JSON object
    document = json.loads((new / "changes.json").read_text(encoding="utf-8"))
    assert (outcome["command"], outcome["exit_code"], diffed.returncode) == ("diff", 0, 0)
    assert outcome["counts"] == document["counts"]
    assert sorted(outcome["files"]) == sorted(str(p) for p in new.glob("changes.*"))

    reported = calbulk(env, "report", "--out", str(tmp_path), "--json")
    summary = json.loads(reported.stdout)
    assert (summary["exit_code"], summary["snapshots"]) == (0, 2)
    assert sorted(summary["files"]) == sorted(str(tmp_path / str(ORG) / name)
                                              for name in ("report.md", "report.xlsx"))  # fmt: skip

    keep_one = ["--keep-daily", "1", "--keep-weekly", "0", "--keep-monthly", "0"]
    preview = calbulk(env, "prune", "--out", str(tmp_path), *keep_one, "--dry-run", "--json")
    pruned = json.loads(preview.stdout)
    assert (pruned["kept"], pruned["deleted"]) == ([new.name], [old.name])
    assert pruned["dry_run"] and old.exists()

    refused = calbulk(env, "diff", str(old.parent), str(new), "--json")
    assert refused.returncode == 2
    assert json.loads(refused.stdout)["exit_code"] == 2
    assert "no manifest.json" in one_paragraph(refused.stderr, "diff")
    missing = calbulk(base_env(tmp_path), "prune", "--out", str(tmp_path), "--json")
    assert missing.returncode == 2 and json.loads(missing.stdout)["exit_code"] == 2
