"""Cal.com's members CSV imported with no edits into a real sandbox org; team admins stay admins."""

from __future__ import annotations

import pytest

from tests.flows.import_oracle import read_org
from tests.flows.pipelines import run_import


@pytest.fixture
def org(sandbox_org):
    return sandbox_org(seed_users=8, seed=11)


run = run_import


def quoted(text: str) -> str:
    """As Cal.com's sanitizeValue: quote a cell holding a comma."""
    return f'"{text}"' if "," in text else text


def test_the_members_download_imports_as_is_and_never_demotes_a_team_admin(org, tmp_path):
    state = read_org(org)
    first, second = sorted(t["name"] for t in state.teams_by_name.values())[:2]
    multi = next(a for a in state.attributes.values() if a.type == "MULTI_SELECT")
    values = state.option_values(multi.attribute_id)[:2]
    setup = tmp_path / "setup.csv"
    setup.write_text(f"email,username,teams\nlead@example.com,lead,{first}:ADMIN\n")
    assert run(setup)["exit_code"] == 0

    header = f"Members,Link,Role,Teams,{multi.name},Last Active,Member Since"
    lines = [
        header,
        f"lead@example.com,https://acme.cal.com/lead,MEMBER,{quoted(f'{first},{second}')},",
        "fresh@example.com,https://acme.cal.com/fresh,MEMBER,"
        f"{second},{quoted(f'{values[0]} (60%),{values[1]} (40%)')}",
    ]
    download = tmp_path / "members.csv"
    download.write_text("\n".join(lines))  # no trailing newline, no BOM, rows short
    outcome = run(download)
    assert outcome["exit_code"] == 0, outcome

    after = read_org(org)
    lead = after.user("lead@example.com")["user_id"]
    held = {t: m["role"] for t, m in after.team_memberships[lead].items()}
    assert held == {after.team(first)["team_id"]: "ADMIN", after.team(second)["team_id"]: "MEMBER"}
    fresh = after.user("fresh@example.com")
    assert fresh["username"] == "fresh"
    assigned = sorted(after.assignments[fresh["user_id"]][multi.attribute_id].values())
    assert assigned == sorted(values)
    assert run(download)["steps"] == 0  # imported once: a rerun plans nothing
