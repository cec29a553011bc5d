"""The plan as step frames: the same steps as the row-by-row planner, built as joins, lazily.

The oracle is the planner calbulk had before (``tests/transforms/reference_plan.py``): on the
corpus, on random files against the sample org and on an onboarding batch against the demo org,
every row's steps (action, parameters, summary, order), notes and the prelude must be identical.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import polars as pl
import pytest

from tests.corpus.sample_org import sample_tables
from tests.transforms.reference_plan import reference_plan
from transforms.org_state import org_state_from_tables
from transforms.plan.build import build_plan
from transforms.plan.steps import ImportPlan, RowPlan, Step
from transforms.sheets.example import demo_state, onboarding_frames
from transforms.sheets.reading import read_workbook
from transforms.validate.sheet import validate_workbook

FILES = Path(__file__).resolve().parents[1] / "corpus" / "files"


def richer_tables() -> dict[str, pl.DataFrame]:
    """The sample org, plus a TEXT twin option (two options valued C-3) and more holdings."""
    tables = sample_tables()
    tables["attribute_options"] = pl.concat(
        [
            tables["attribute_options"],
            pl.DataFrame(
                {
                    "option_id": ["o-desk-c3", "o-desk-c3-twin", "o-4"],
                    "attribute_id": ["att-desk", "att-desk", "att-level"],
                    "value": ["C-3", "c-3", "4"],
                    "slug": ["c-3", "c-3-twin", "4"],
                }
            ),
        ]
    )
    tables["attribute_assignments"] = pl.concat(
        [
            tables["attribute_assignments"],
            pl.DataFrame(
                {
                    "user_id": [11, 11, 11, 10],
                    "attribute_id": ["att-desk", "att-skill", "att-skill", "att-desk"],
                    "option_id": ["o-desk-c3-twin", "o-go", "o-py", "o-desk"],
                    "value": ["c-3", "Go", "Python", "B-12"],
                }
            ),
        ]
    )
    return _with_members(tables, range(20, 40))


def _with_members(tables: dict[str, pl.DataFrame], ids: range) -> dict[str, pl.DataFrame]:
    """Members m20..m39 holding a varied mix of settings, teams and options."""
    ids = list(ids)
    options = tables["attribute_options"].rows(named=True)

    def add(name: str, rows: list[tuple]) -> None:
        frame = pl.DataFrame(rows, schema=tables[name].schema, orient="row")
        tables[name] = pl.concat([tables[name], frame])

    users = tables["users"].schema
    add(
        "users",
        [
            tuple(
                {
                    "user_id": i,
                    "email": f"m{i}@example.com",
                    "username": f"m{i}",
                    "name": f"M {i}",
                    "time_zone": ["UTC", "Europe/Rome"][i % 2],
                    "locale": ["en", "fr", "de"][i % 3],
                    "time_format": [12, 24][i % 2],
                    "week_start": "Monday",
                }[c]
                for c in users
            )
            for i in ids
        ],
    )
    add("memberships", [(1000 + i, i, ["MEMBER", "ADMIN"][i % 2], True) for i in ids])
    add(
        "team_memberships",
        [(2000 + i, 1 + i % 2, i, ["MEMBER", "ADMIN"][i % 3 == 0], True) for i in ids if i % 4],
    )
    add(
        "attribute_assignments",
        [
            (i, o["attribute_id"], o["option_id"], o["value"])
            for i in ids
            for k, o in enumerate(options)
            if (i + k) % 3 == 0
        ],
    )
    return tables


def as_compared(rows: list[RowPlan], prelude: list[Step]) -> tuple[list, list]:
    lines = [
        (
            r.sheet,
            r.row,
            r.key,
            r.user_id,
            r.creates,
            r.refusal,
            list(r.notes),
            [(s.action, s.params, s.summary) for s in r.steps],
        )
        for r in rows
    ]
    return lines, [(s.action, s.params, s.summary) for s in prelude]


def assert_same_plan(path: Path, state, mode: str, create: bool) -> ImportPlan:
    validated = validate_workbook(read_workbook(path), state, create_missing_options=create)
    new = build_plan(validated, state, mode=mode, create_missing_options=create)
    old = reference_plan(validated, state, mode=mode, create_missing_options=create)
    assert as_compared(new.rows, new.prelude) == as_compared(old.rows, old.prelude)
    assert new.step_count == len(old.prelude) + sum(len(r.steps) for r in old.rows)
    return new


@pytest.mark.parametrize("mode", ["add", "sync"])
@pytest.mark.parametrize("name", sorted(p.name for p in FILES.iterdir()))
def test_corpus_plans_the_same_steps_as_the_row_by_row_planner(name, mode):
    for create in (False, True):
        assert_same_plan(FILES / name, org_state_from_tables(richer_tables()), mode, create)


# column -> (values a valid row may hold, values validation refuses: picked now and then)
CELLS = {
    "email": (
        ["new{i}@example.com"] * 8
        + [f"m{n}@example.com" for n in range(20, 40)]
        + ["bob@example.com", "CAROL@example.com"],
        ["bad"],
    ),
    "username": ([None, None, "newbie{i}"], ["bad name", "bob"]),
    "time zone": ([None, "Europe/London", "europe/rome", "UTC"], ["Mars/Base"]),
    "locale": ([None, "en", "de", "fr"], ["xx"]),
    "time format": ([None, "12", "24", "24h"], ["13"]),
    "org role": ([None, "member", "ADMIN", "owner"], ["KING"]),
    "teams": (
        [None, "Sales", "Sales:ADMIN", "Customer Support; Sales:OWNER", "customer-support"],
        ["Nope", "sales;Sales"],
    ),
    "department": ([None, "Sales", "Engineering", "engineering"], ["Enginering", "Sales; Eng"]),
    "skills": ([None, "Python", "Go; Python", "python; PYTHON", "go"], ["Rust"]),
    "level": ([None, "3", "3.0", "4", "4.50", "7"], ["x"]),
    "desk": ([None, "B-12", "b-12", "C-3", "c-3", "Z-9", "z-9"], []),
    "name": ([None, "Someone"], []),
    "week start": ([None, "mon"], ["someday"]),
}


def random_users_csv(path: Path, seed: int, rows: int = 80) -> Path:
    rng = random.Random(seed)
    columns = [c for c in CELLS if c == "email" or rng.random() < 0.8]
    lines = [",".join(columns)]
    for i in range(rows):
        cells = []
        for column in columns:
            valid, invalid = CELLS[column]
            pool = invalid if invalid and rng.random() < 0.02 else valid
            cells.append(rng.choice(pool))
        lines.append(",".join(f'"{(c or "").format(i=i)}"' for c in cells))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("seed", range(12))
def test_random_files_plan_the_same_steps_as_the_row_by_row_planner(tmp_path, seed):
    path = random_users_csv(tmp_path / f"r{seed}.csv", seed)
    for mode in ("add", "sync"):
        for create in (False, True):
            assert_same_plan(path, org_state_from_tables(richer_tables()), mode, create)


def test_an_onboarding_batch_plans_the_same_steps_as_the_row_by_row_planner(tmp_path):
    state = demo_state()
    frames = onboarding_frames(state, 300, seed=3)
    users = tmp_path / "hires.csv"
    frames["users"].write_csv(users)
    ooo = tmp_path / "ooo.csv"
    frames["ooo"].write_csv(ooo)
    for mode in ("add", "sync"):
        plan = assert_same_plan(users, state, mode, create=True)
        assert plan.row_count == 300 and plan.action_counts()["create_user"] == 300
        assert_same_plan(ooo, state, mode, create=False)


def test_the_plan_is_frames_and_rows_are_built_only_when_asked(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text(
        "email,teams,department,level\n"
        "bob@example.com,Customer Support,Engineering,4\n"
        "new@example.com,Sales,Sales,7\n"
    )
    state = org_state_from_tables(richer_tables())
    plan = build_plan(validate_workbook(read_workbook(path), state), state)
    assert plan.step_frame.select("row", "step", "action").rows() == [
        (2, 1, "add_team_membership"),
        (2, 2, "unassign_option"),
        (2, 3, "assign_option"),
        (2, 4, "unassign_option"),
        (2, 5, "assign_option"),
        (3, 1, "create_user"),
        (3, 2, "add_team_membership"),
        (3, 3, "assign_option"),
        (3, 4, "assign_option"),
    ]
    assert plan.row_frame.select("row", "key", "user_id", "creates").rows() == [
        (2, "bob@example.com", 10, False),
        (3, "new@example.com", None, True),
    ]
    assert json.loads(plan.prelude_frame["params"][0]) == {
        "attribute_id": "att-level",
        "value": "7",
    }
    assert plan.step_count == 10 and plan.action_counts()["assign_option"] == 4
    assert plan.to_frame().height == 10
    assert plan._rows is None and plan._prelude is None  # nothing per row built so far
    assert [r.row for r in plan.rows] == [2, 3]


def test_plan_file_lines_come_from_the_frames_in_plan_order(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("email,locale,desk\nbob@example.com,en,\nnew@example.com,de,Q-1\n")
    state = org_state_from_tables(richer_tables())
    plan = build_plan(validate_workbook(read_workbook(path), state), state)
    frame = plan.to_frame()
    assert frame.select("sheet", "row", "step", "action", "detail").rows() == [
        ("prelude", None, 1, "create_option", "create option 'Q-1' of Desk"),
        ("users", 2, 0, "none", "nothing to do"),
        ("users", 3, 1, "create_user", "create user new@example.com"),
        ("users", 3, 2, "assign_option", "set Desk=Q-1"),
    ]
    assert json.loads(frame["params"][2]) == {
        "autoAccept": True,
        "email": "new@example.com",
        "locale": "de",
        "organizationRole": "MEMBER",
    }


def test_a_plan_built_from_objects_offers_the_same_accessors():
    step = Step("create_user", {"email": "a@example.com", "autoAccept": True}, "create user a")
    row = RowPlan("users", 2, "a@example.com", None, steps=[step], creates=True)
    refused = RowPlan("roles", 3, "Admin", None, refusal="a system role cannot be changed")
    plan = ImportPlan("add", prelude=[], rows=[row, refused])
    assert plan.step_count == 1 and plan.action_counts() == {"create_user": 1}
    assert plan.rows == [row, refused]
    assert plan.to_frame().select("row", "action", "detail").rows() == [
        (2, "create_user", "create user a"),
        (3, "refuse", "a system role cannot be changed"),
    ]


def test_the_plan_file_written_in_batches_is_the_plan_frame(tmp_path):
    state = org_state_from_tables(richer_tables())
    path = random_users_csv(tmp_path / "r.csv", seed=4)
    unchanged = tmp_path / "u.csv"
    unchanged.write_text("email,locale\nbob@example.com,en\nm21@example.com,fr\nx@example.com,fr\n")
    for source in (path, unchanged):
        plan = build_plan(validate_workbook(read_workbook(source), state), state, mode="sync")
        whole, batched = tmp_path / "whole.csv", tmp_path / "batched.csv"
        plan.to_frame().write_csv(whole)
        plan.write_csv(batched, batch_rows=7)
        assert batched.read_text() == whole.read_text()
    assert pl.read_csv(batched).select("row", "action").rows() == [
        (2, "none"),
        (3, "update_user"),
        (4, "create_user"),
    ]
