"""`calbulk import`, `calbulk template` and `calbulk demo` as a person runs them (subprocesses)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest

from tests.cli.conftest import REPO_ROOT, base_env, calbulk


def test_bad_file_exits_2_shows_the_problems_and_writes_them_next_to_it(env, tmp_path):
    path = tmp_path / "hr.csv"
    path.write_text("E-mail,Org Role\nana@example.com,boss\n")

    done = calbulk(env, "import", str(path))

    assert done.returncode == 2
    assert "boss" in done.stdout and "MEMBER, ADMIN or OWNER" in done.stdout
    errors = pl.read_csv(tmp_path / "hr.errors.csv")
    assert errors.select("row", "column", "value").rows() == [(2, "Org Role", "boss")]
    assert not (tmp_path / "hr.receipt.csv").exists()


def test_a_failed_row_exits_1_and_the_receipt_says_why(env, tmp_path):
    path = tmp_path / "away.xlsx"
    book = openpyxl.Workbook()
    users = book.active
    users.title = "users"
    users.append(["email"])
    users.append(["ann@example.com"])
    users.append(["ben@example.com"])
    ooo = book.create_sheet("ooo")
    ooo.append(["email", "start", "end", "covering email"])
    ooo.append(["ann@example.com", "2027-03-01", "2027-03-05", "ben@example.com"])
    ooo.append(["ben@example.com", "2027-03-02", "2027-03-04", "ann@example.com"])
    book.save(path)

    done = calbulk(env, "import", str(path))

    # each covers the other over the same days: the API refuses the second as a redirect loop
    assert done.returncode == 1, done.stdout + done.stderr
    receipt = pl.read_csv(tmp_path / "away.receipt.csv")
    assert sorted(receipt["outcome"].to_list()) == ["created", "created", "created", "failed"]
    failed = receipt.filter(pl.col("outcome") == "failed")
    assert "redirect" in failed["error"][0].lower()
    assert (tmp_path / "away.receipt.xlsx").exists()
    outputs = [done.stdout, done.stderr] + [
        p.read_text(errors="ignore") for p in tmp_path.glob("away.*") if p.suffix != ".xlsx"
    ]
    assert not any(env["CAL_API_KEY"] in text for text in outputs)


def test_dry_run_then_import_then_rerun(env, tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("email,time zone\ncal1@example.com,Europe/Oslo\ncal2@example.com,UTC\n")

    dry = calbulk(env, "import", str(path), "--dry-run")
    assert dry.returncode == 0 and "create_user" in dry.stdout
    assert not (tmp_path / "two.receipt.csv").exists()
    assert calbulk(env, "import", str(path)).returncode == 0
    again = calbulk(env, "import", str(path), "--dry-run")

    assert again.returncode == 0
    assert set(pl.read_csv(tmp_path / "two.receipt.plan.csv")["action"]) == {"none"}


def test_template_has_the_orgs_attribute_columns(env, tmp_path):
    done = calbulk(env, "template", "--out", str(tmp_path / "org.xlsx"))

    assert done.returncode == 0, done.stderr
    headers = [c.value for c in openpyxl.load_workbook(tmp_path / "org.xlsx")["users"][1]]
    assert {"email", "org role", "Department", "Skills", "Level"} <= set(headers)


@pytest.mark.slow
def test_demo_seeds_exports_imports_and_says_where(tmp_path):
    env = base_env(tmp_path)
    done = calbulk(env, "demo", "--out", str(tmp_path / "demo"), cwd=REPO_ROOT)

    assert done.returncode == 0, done.stdout + done.stderr
    lines = dict(line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    receipt = pl.read_csv(lines["receipt"].strip())
    assert receipt.filter(pl.col("sheet") == "users")["outcome"].to_list() == ["created"] * 40
    assert Path(lines["plan"].strip()).exists()
    snapshot = Path(lines["snapshot (before the import)"].strip())
    assert (snapshot / "manifest.json").exists()
