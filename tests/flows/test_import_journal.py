"""The journal and how a rerun folds in what a killed run did (no network, no Prefect)."""

from __future__ import annotations

import json

from flows.importer.apply import RowResult, merge_history
from flows.importer.journal import Journal
from transforms.plan.steps import RowPlan, Step

CREATE = Step("create_user", {"email": "a@example.com"}, "create user a@example.com")
JOIN = Step("add_team_membership", {"team_id": 1, "role": "MEMBER"}, "join team Sales as MEMBER")
ASSIGN = Step("assign_option", {"attribute_id": "d", "option_id": "o", "value": "X"}, "set D=X")


def test_journal_lines_are_flushed_as_written_and_survive_a_cut_line(tmp_path):
    path = tmp_path / "r.journal.jsonl"
    journal = Journal(path, "sha-1", "add")
    journal.started("users", 2, "create_user", CREATE.summary)
    journal.done("users", 2, "create_user", CREATE.summary, 41)
    journal.started("users", 2, "add_team_membership", JOIN.summary)
    # no close(): as after SIGKILL; and a half-written last line
    with path.open("a") as handle:
        handle.write('{"event": "done", "sheet": "us')
    reopened = Journal(path, "sha-1", "add")
    history = reopened.history[("users", 2)]
    assert history.done == [CREATE.summary]
    assert history.created and history.user_id == 41
    assert ("add_team_membership", JOIN.summary) in history.started
    reopened.close()


def test_a_different_input_starts_a_fresh_journal(tmp_path):
    path = tmp_path / "r.journal.jsonl"
    first = Journal(path, "sha-1", "add")
    first.done("users", 2, "create_user", CREATE.summary, 41)
    first.close()
    second = Journal(path, "sha-2", "add")
    second.close()
    assert second.history == {}
    assert json.loads(path.read_text().splitlines()[0])["input_sha256"] == "sha-2"
    assert (tmp_path / "r.journal.previous.jsonl").exists()


def test_rerun_counts_a_step_in_flight_at_the_kill_as_done_when_no_longer_planned(tmp_path):
    path = tmp_path / "r.journal.jsonl"
    killed = Journal(path, "sha", "add")
    killed.started("users", 2, "create_user", CREATE.summary)
    killed.done("users", 2, "create_user", CREATE.summary, 41)
    killed.started("users", 2, "add_team_membership", JOIN.summary)  # landed, never journaled
    history = Journal(path, "sha", "add").history[("users", 2)]
    plan = RowPlan("users", 2, "a@example.com", 41, steps=[ASSIGN])  # the rerun's plan
    result = RowResult("users", 2, "a@example.com", 41, "unchanged", done=[ASSIGN.summary])

    merged = merge_history(result, plan, history)

    assert merged.outcome == "created"
    resumed = [f"{CREATE.summary} (interrupted run)", f"{JOIN.summary} (interrupted run)"]
    assert merged.done == [*resumed, ASSIGN.summary]
    assert merged.notes[-1] == "resumed: 2 step(s) done by the interrupted run before"


def test_rerun_of_a_finished_file_reports_unchanged_rows_as_unchanged():
    plan = RowPlan("users", 3, "b@example.com", 7)
    result = RowResult("users", 3, "b@example.com", 7, "unchanged")
    assert merge_history(result, plan, None).outcome == "unchanged"


def test_a_failed_row_stays_failed_with_earlier_steps_listed():
    from flows.importer.journal import RowHistory

    history = RowHistory(done=[CREATE.summary], created=True, user_id=41)
    plan = RowPlan("users", 2, "a@example.com", 41, steps=[JOIN])
    result = RowResult("users", 2, "a@example.com", 41, "failed", error="join: boom")
    merged = merge_history(result, plan, history)
    assert merged.outcome == "failed"
    assert merged.done == [f"{CREATE.summary} (interrupted run)"]


def test_a_finished_run_is_history_not_something_to_resume(tmp_path):
    path = tmp_path / "r.journal.jsonl"
    add = Journal(path, "sha", "add")
    add.started("users", 2, "create_user", CREATE.summary)
    add.done("users", 2, "create_user", CREATE.summary, 41)
    add.finished()
    add.close()

    sync = Journal(path, "sha", "sync")  # the same file, run again in sync mode

    assert sync.history == {}
    sync.started("users", 3, "create_user", CREATE.summary)  # this run's own steps are kept
    assert list(sync.this_run) == [("users", 3)]
    sync.close()


def test_journal_and_its_history_are_owner_only(tmp_path):
    path = tmp_path / "r.journal.jsonl"
    Journal(path, "sha", "add").close()
    assert path.stat().st_mode & 0o777 == 0o600
