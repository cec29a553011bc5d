"""The receipt: every input row once, with its result or why it was skipped, as joins."""

from __future__ import annotations

import random

import polars as pl
import pytest

from tests.transforms import reference_receipt
from transforms.problems import Problem
from transforms.receipt import outcome_counts, receipt_frame


def scenario(seed: int):
    rng = random.Random(seed)
    frames = {
        "users": pl.DataFrame(
            {"row": list(range(2, 60)), "email": [f"u{i}@x.io" for i in range(58)]}
        ),
        "roles": pl.DataFrame({"row": [2, 3, 4], "name": ["A", "B", "C"]}),
    }
    sources = {"users": "f.xlsx[users]", "roles": "f.xlsx[roles]"}
    results, problems = [], []
    for kind, frame in frames.items():
        key = "email" if kind == "users" else "name"
        for row, value in frame.select("row", key).iter_rows():
            fate = rng.random()
            if fate < 0.5:
                results.append(
                    {
                        "sheet": kind,
                        "row": row,
                        "key": value,
                        "user_id": rng.choice([None, row * 10]),
                        "outcome": rng.choice(["created", "updated", "unchanged", "failed"]),
                        "done": rng.choice([[], ["create user"], ["a", "b"]]),
                        "error": rng.choice([None, "HTTP 400"]),
                        "notes": rng.choice([[], ["name is not settable"]]),
                    }
                )
            elif fate < 0.8:
                for column in rng.sample(["email", "teams", "level"], rng.randint(1, 2)):
                    problems.append(
                        Problem(sources[kind], row, column, rng.choice([None, "x"]), "bad", "ok")
                    )
                if rng.random() < 0.3:
                    problems.append(Problem(sources[kind], row, "name", "n", "w", "ok", "warning"))
    problems.append(Problem(sources["users"], None, "", None, "file problem", "ok"))
    return frames, results, problems, sources


@pytest.mark.parametrize("not_applied", [None, "dry run"])
@pytest.mark.parametrize("seed", range(6))
def test_receipt_is_what_the_row_by_row_receipt_was(seed, not_applied):
    frames, results, problems, sources = scenario(seed)
    new = receipt_frame(frames, results, problems, sources, not_applied)
    old = reference_receipt.receipt_frame(frames, results, problems, sources, not_applied)
    assert new.to_dicts() == old.to_dicts()
    assert new.height == 61 and outcome_counts(new)["skipped"] > 0


def test_a_skipped_row_says_every_problem_it_had():
    frames = {"users": pl.DataFrame({"row": [2, 3], "email": ["a@x.io", "b@x.io"]})}
    problems = [
        Problem("in.csv", 3, "org role", "king", "not a valid org role", "MEMBER"),
        Problem("in.csv", 3, "teams", "Nope", "no such team", "Sales"),
    ]
    results = [{"sheet": "users", "row": 2, "key": "a@x.io", "user_id": 7, "outcome": "created",
                "done": ["create user a@x.io"], "notes": []}]  # fmt: skip
    receipt = receipt_frame(frames, results, problems, {"users": "in.csv"})
    assert receipt.rows() == [
        ("users", 2, "a@x.io", 7, "created", "create user a@x.io", None, None),
        (
            "users",
            3,
            "b@x.io",
            None,
            "skipped",
            None,
            "org role: not a valid org role (king); teams: no such team (Nope)",
            None,
        ),
    ]
