"""Failures as a person meets them: one clean paragraph on stderr (no traceback, no secret),
the documented exit code (2: bad input or config, nothing sent), and the real result checked:
the files written or not, and the sandbox's own request count."""

from __future__ import annotations

import shutil

import httpx
import pytest

from tests.cli.conftest import REPO_ROOT, calbulk, requests_seen
from tests.conftest import free_port

CORPUS = REPO_ROOT / "tests" / "corpus" / "files"
WRONG_KEY = "cal_0123456789abcdef0123456789abcdef"


def assert_clean_failure(done, command: str, code: int, *secrets: str) -> str:
    """Exit ``code``, a ``calbulk COMMAND:`` paragraph, no traceback, no secret; the message."""
    assert done.returncode == code, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert "Traceback" not in output and 'File "' not in output, output
    assert not any(secret in output for secret in secrets)
    messages = [line for line in done.stderr.splitlines() if line.startswith(f"calbulk {command}")]
    assert len(messages) == 1, done.stderr
    return messages[0]


def org_emails(box) -> list[str]:
    listed = httpx.get(f"{box.base_url}/v2/organizations/{box.org_id}/users",
                       params={"take": 1000}, headers={"Authorization": f"Bearer {box.api_key}"},
                       timeout=10).json()["data"]  # fmt: skip
    return sorted(user["email"] for user in listed)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--format", "parquet,pdf"], "unknown format pdf; choose from parquet"),
        (["export", "--only", "users,bookings"], "unknown table bookings; choose from users"),
        (["import", "hr.csv", "--mode", "replace"], "--mode 'replace' is not known; choose from"),
        (["import", "hr.csv", "--kind", "people"], "--kind 'people' is not known; choose from"),
        (["import", "hr.csv", "--rate-limit", "0"], "--rate-limit must be at least 1"),
        (["import", "missing.csv"], "no such file: missing.csv"),
        (["import", "folder"], "folder is a folder; give the CSV or .xlsx file"),
        (["import", "old.xls"], "the Excel 97-2003 format cannot be read; "),
        (["import", "hr.csv", "--receipt", "folder"], "--receipt folder is a folder"),
        (["template", "--out", "users.pdf"], "give a file name ending in .xlsx or .csv"),
    ],
    ids=[
        "format",
        "only",
        "mode",
        "kind",
        "rate-limit",
        "no-file",
        "folder",
        "xls",
        "receipt-folder",
        "template-suffix",
    ],
)
def test_a_bad_option_or_file_exits_2_before_anything_is_sent(
    env, sandbox, tmp_path, args, message
):
    work = tmp_path / "work"
    (work / "folder").mkdir(parents=True)
    (work / "hr.csv").write_text("email\nann@example.com\n")
    (work / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    before = sorted(p.name for p in work.rglob("*"))

    done = calbulk(env, *args, cwd=work)

    assert message in assert_clean_failure(done, args[0], 2, sandbox.api_key)
    assert requests_seen(sandbox)["requests"] == 0
    assert sorted(p.name for p in work.rglob("*")) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"CAL_API_KEY": None}, "no credential: set CAL_API_KEY"),
        ({"CAL_API_KEY": "sk_live_" + WRONG_KEY}, "CAL_API_KEY must start with 'cal_'"),
        ({"CAL_RATE_LIMIT": "fast"}, "CAL_RATE_LIMIT must be an integer"),
        ({"CAL_ORG_ID": "acme"}, "CAL_ORG_ID must be an integer"),
        ({"CAL_API_URL": "api.cal.com"}, "CAL_API_URL must be an http(s) URL"),
    ],
    ids=["no-key", "key-prefix", "rate-limit", "org-id", "url-scheme"],
)
def test_bad_configuration_exits_2_and_sends_nothing(env, sandbox, tmp_path, changes, message):
    env = {**env, **changes}
    env = {k: v for k, v in env.items() if v is not None}

    done = calbulk(env, "template", "--out", str(tmp_path / "users.xlsx"))

    assert message in assert_clean_failure(done, "template", 2, WRONG_KEY, sandbox.api_key)
    assert requests_seen(sandbox)["requests"] == 0
    assert not (tmp_path / "users.xlsx").exists()


@pytest.mark.slow
def test_a_refused_key_exits_2_without_a_snapshot_or_the_key(env, sandbox, tmp_path):
    out = tmp_path / "exports"

    done = calbulk({**env, "CAL_API_KEY": WRONG_KEY}, "export", "--out", str(out))

    message = assert_clean_failure(done, "export", 2, WRONG_KEY)
    assert f"{sandbox.base_url} refused the credential" in message and "CAL_API_KEY" in message
    seen = requests_seen(sandbox)
    assert seen["requests"] > 0 and set(seen["by_status"]) == {"401"}
    assert not out.exists() or not list(out.rglob("manifest.json"))


@pytest.mark.slow
def test_a_member_key_import_exits_2_and_creates_no_one(env, sandbox, tmp_path):
    sheet = tmp_path / "hr.csv"
    sheet.write_text("email\nnew.hire@example.com\n")
    before = org_emails(sandbox)

    done = calbulk(
        {**env, "CAL_API_KEY": sandbox.api_keys["member"]}, "import", str(sheet), "--kind", "users"
    )

    message = assert_clean_failure(done, "import", 2, sandbox.api_keys["member"])
    assert "admin or owner" in message and "403" in message
    assert "201" not in requests_seen(sandbox)["by_status"]
    assert org_emails(sandbox) == before
    assert not (tmp_path / "hr.receipt.csv").exists()


@pytest.mark.slow
def test_an_api_url_nothing_answers_on_exits_2_and_names_it(env, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    sheet = tmp_path / "hr.csv"
    sheet.write_text("email\nnew.hire@example.com\n")

    done = calbulk({**env, "CAL_API_URL": dead}, "import", str(sheet), "--kind", "users")

    message = assert_clean_failure(done, "import", 2, env["CAL_API_KEY"])
    assert f"cannot reach the API at {dead}" in message and "CAL_API_URL" in message
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "prefect") == ["hr.csv"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "reads_the_org"),
    [("not_excel.xlsx", False), ("unknown_options.csv", True)],
)
def test_a_broken_file_exits_2_with_its_problems_and_writes_nothing_to_the_org(
    env, sandbox, tmp_path, name, reads_the_org
):
    sheet = tmp_path / name
    shutil.copyfile(CORPUS / name, sheet)

    done = calbulk(env, "import", str(sheet))

    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "nothing was sent" in done.stdout
    errors = sheet.with_name(f"{sheet.stem}.errors.csv")
    assert errors.exists() and len(errors.read_text().splitlines()) > 1
    assert not sheet.with_name(f"{sheet.stem}.receipt.csv").exists()
    seen = requests_seen(sandbox)
    assert set(seen["by_status"]) == ({"200"} if reads_the_org else set()), seen
