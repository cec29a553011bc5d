"""`calbulk import` of a definition sheet as a person runs it: --prune-definitions needs sync."""

from __future__ import annotations

from tests.cli.conftest import calbulk


def test_prune_definitions_without_sync_is_refused_before_anything_is_read(env, tmp_path):
    path = tmp_path / "teams.csv"
    path.write_text("name,slug\nPlatform,platform\n")

    done = calbulk(env, "import", str(path), "--prune-definitions")

    assert done.returncode == 2
    assert "--prune-definitions deletes only with --mode sync" in done.stdout + done.stderr
    assert not (tmp_path / "teams.receipt.csv").exists()


def test_dry_run_of_a_pruning_sync_lists_the_deletes_and_sends_nothing(env, tmp_path):
    path = tmp_path / "teams.csv"
    path.write_text("name,slug\nPlatform,platform\n")

    done = calbulk(env, "import", str(path), "--mode", "sync", "--prune-definitions", "--dry-run")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "delete_team" in done.stdout and "create_team" in done.stdout
    again = calbulk(env, "import", str(path), "--mode", "sync", "--prune-definitions", "--dry-run")
    assert "delete_team" in again.stdout  # the dry run sent nothing: the teams are still there
