"""An instant, quiet CLI (issue 9): without PREFECT_API_URL nothing of Prefect runs or is
written, `--help` loads nothing heavy, `--json` is one object on stdout matching the files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import openpyxl
import polars as pl

from tests.cli.conftest import REPO_ROOT, base_env, calbulk

HEAVY = ("prefect", "polars", "pandera", "calapi", "httpx")
# Run the CLI in a fresh interpreter and report which heavy packages it loaded.
PROBE = f"""
import json, sys
from flows.cli import main
sys.argv = ["calbulk", *sys.argv[1:]]
try:
    main()
except SystemExit as done:
    code = done.code
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))
print(json.dumps({{"loaded": loaded, "code": code}}), file=sys.stderr)
"""


def probe(env: dict, *args: str, cwd: Path) -> tuple[subprocess.CompletedProcess, dict]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return done, report


def without_prefect(env: dict, home: Path) -> dict:
    """A user's environment with no Prefect configuration at all, HOME at ``home``."""
    clean = {k: v for k, v in env.items() if not k.startswith("PREFECT_")}
    home.mkdir(exist_ok=True)
    return {**clean, "HOME": str(home), "PYTHONPATH": str(REPO_ROOT)}


def test_help_loads_nothing_heavy(tmp_path):
    from tests.cli.test_help_and_docs import COMMANDS

    env = without_prefect(base_env(tmp_path), tmp_path / "home")
    assert {("backup",), ("deploy",), ("diff",), ("prune",), ("report",)} <= set(COMMANDS)
    for args in (["--help"], *([*path, "--help"] for path in COMMANDS)):
        done, report = probe(env, *args, cwd=tmp_path)
        assert report == {"loaded": [], "code": 0}, (args, report)
        assert "Usage" in done.stdout


def test_without_prefect_api_url_no_prefect_runs_or_writes_anything(env, tmp_path):
    home = tmp_path / "home"
    quiet = without_prefect(env, home)
    path = tmp_path / "hr.csv"
    path.write_text("email\nquiet1@example.com\n")

    exported, report = probe(quiet, "export", "--out", str(tmp_path / "out"), cwd=tmp_path)
    imported, import_report = probe(quiet, "import", str(path), "--kind", "users", cwd=tmp_path)

    assert report["code"] == 0 and import_report["code"] == 0, exported.stderr + imported.stderr
    assert "prefect" not in report["loaded"] and "prefect" not in import_report["loaded"]
    for done in (exported, imported):
        said = (done.stdout + done.stderr).replace(str(tmp_path), "TMP")  # its name says prefect
        assert "prefect" not in said.lower()
        assert "running on Prefect" not in done.stderr
    assert not (home / ".prefect").exists()
    assert list(home.iterdir()) == []


def test_json_output_is_one_object_that_matches_the_files(env, tmp_path):
    exported = calbulk(env, "export", "--out", str(tmp_path / "out"), "--json")
    assert exported.returncode == 0, exported.stderr
    outcome = json.loads(exported.stdout)  # the whole of stdout is one JSON object
    folder = Path(outcome["folder"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert outcome["exit_code"] == 0
    assert outcome["rows"] == {t: e["rows"] for t, e in manifest["tables"].items()}
    assert outcome["requests_total"] == manifest["requests_total"]
    assert outcome["rows"]["users"] == pl.read_parquet(folder / "users.parquet").height
    assert sorted(outcome["files"]) == sorted(p.name for p in folder.iterdir())

    path = tmp_path / "hr.csv"
    path.write_text("email,time zone\njs1@example.com,UTC\njs2@example.com,Europe/Oslo\n")
    dry = json.loads(calbulk(env, "import", str(path), "--dry-run", "--json").stdout)
    plan = pl.read_csv(dry["plan"])
    assert (dry["exit_code"], dry["receipt"], dry["steps"]) == (0, None, plan.height)
    assert dry["plan_counts"] == [{"sheet": "users", "action": "create_user", "steps": 2}]
    done = calbulk(env, "import", str(path), "--json")
    applied = json.loads(done.stdout)
    receipt = pl.read_csv(applied["receipt"])
    counted = dict(receipt.group_by("outcome").len().iter_rows())
    assert applied["exit_code"] == done.returncode == 0
    assert {k: v for k, v in applied["counts"].items() if v} == counted == {"created": 2}

    bad = calbulk(env, "import", str(tmp_path / "missing.csv"), "--json")
    assert bad.returncode == 2
    assert json.loads(bad.stdout)["exit_code"] == 2
    for command in (["export"], ["import", str(path)], ["migrate", "--from", str(tmp_path)]):
        for option, value in (("--rate-limit", "0"), ("--rate-window", "0")):
            bad = calbulk(env, *command, option, value, "--json")
            answer = json.loads(bad.stdout)  # a bad option answers in JSON too
            assert bad.returncode == answer["exit_code"] == 2, (command, option)
            assert option in json.dumps(answer), answer
    template = json.loads(calbulk(env, "template", "--out", str(tmp_path / "t.xlsx"),
                                  "--json").stdout)  # fmt: skip
    assert "users" in openpyxl.load_workbook(template["template"]).sheetnames


def test_import_outputs_are_owner_only_and_errors_go_next_to_the_receipt(env, tmp_path):
    path = tmp_path / "hr.csv"
    path.write_text("email,org role\nok@example.com,MEMBER\nbad@example.com,KING\n")
    receipt = tmp_path / "out" / "hr.receipt.csv"

    refused = calbulk(env, "import", str(path), "--receipt", str(receipt))
    assert refused.returncode == 2
    assert (tmp_path / "out" / "hr.errors.csv").exists()
    assert not (tmp_path / "hr.errors.csv").exists()

    done = calbulk(env, "import", str(path), "--receipt", str(receipt), "--skip-invalid")
    assert done.returncode == 0, done.stdout + done.stderr
    outputs = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert outputs == ["hr.errors.csv", "hr.receipt.csv", "hr.receipt.journal.jsonl",
                       "hr.receipt.plan.csv"]  # fmt: skip
    for name in outputs:
        assert (tmp_path / "out" / name).stat().st_mode & 0o777 == 0o600, name
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o700


def test_header_only_file_says_so_and_exits_2(env, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("email,time zone\n")
    done = calbulk(env, "import", str(path))
    assert done.returncode == 2
    assert "no data rows" in done.stdout
    assert not (tmp_path / "empty.receipt.csv").exists()


def test_sheet_names_in_brackets_survive_and_long_lines_are_not_folded(env, tmp_path):
    path = tmp_path / "people.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "users"
    sheet.append(["email", "time zone"])
    sheet.append(["ok@example.com", "Atlantis/" + "Lost" * 30])
    book.save(path)

    done = calbulk(env, "import", str(path))

    assert done.returncode == 2
    assert "people.xlsx[users]" in done.stdout  # Rich markup would eat "[users]"
    assert any("Atlantis/" + "Lost" * 30 in line for line in done.stdout.splitlines())


def test_export_takes_the_rate_limit_options(env, tmp_path):
    bad = calbulk(env, "export", "--rate-limit", "0")
    assert bad.returncode == 2 and "--rate-limit" in bad.stderr
    done = calbulk(env, "export", "--out", str(tmp_path / "o"), "--only", "users",
                   "--rate-limit", "50", "--rate-window", "1", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"]["users"] > 0


def test_sandbox_serve_json_is_one_object_with_working_settings(tmp_path):
    from tests.cli.conftest import CALBULK
    from tests.conftest import free_port

    process = subprocess.Popen([CALBULK, "sandbox", "serve", "--port", str(free_port()),
                                "--seed-users", "2", "--json"], env=base_env(tmp_path),
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               cwd=tmp_path)  # fmt: skip
    try:
        outcome = json.loads(process.stdout.readline())
        environment = outcome["environment"]
        assert environment["CAL_API_URL"] == outcome["base_url"]
        auth = {"Authorization": f"Bearer {environment['CAL_API_KEY']}"}
        me = httpx.get(f"{outcome['base_url']}/v2/me", headers=auth, timeout=10)
        assert me.status_code == 200
    finally:
        process.terminate()
        rest, _ = process.communicate(timeout=30)
    assert rest == ""  # nothing but the one object on stdout
