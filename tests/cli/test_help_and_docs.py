"""Every command and sub-command explains itself (--help) and is documented in README.md."""

from __future__ import annotations

import re

import click
import pytest
import typer
from typer.testing import CliRunner

from flows.cli import app
from tests.cli.conftest import REPO_ROOT


def command_paths(group: click.Command, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """``[("export",), ("sandbox",), ("sandbox", "serve"), ...]``: every command, nested."""
    found = []
    for name, command in getattr(group, "commands", {}).items():
        found.append((*prefix, name))
        found.extend(command_paths(command, (*prefix, name)))
    return found


ROOT = typer.main.get_command(app)
COMMANDS = command_paths(ROOT)


def find(path: tuple[str, ...]) -> click.Command:
    command = ROOT
    for name in path:
        command = command.commands[name]
    return command


def readme_commands_section() -> str:
    """The text of README.md's "Commands" section (up to the next heading of its level)."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^(#+) Commands\s*$(.*?)(?=^\1 |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, 'README.md has no "Commands" section'
    return match.group(2)


def test_the_cli_has_the_commands_design_md_promises():
    assert set(COMMANDS) >= {("export",), ("import",), ("template",), ("demo",),
                             ("sandbox",), ("sandbox", "serve")}  # fmt: skip


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_and_option_has_help(path):
    command = find(path)
    assert (command.help or "").strip(), f"calbulk {' '.join(path)} has no help text"
    for parameter in command.params:
        if parameter.param_type_name == "option" and parameter.name != "help":
            assert (parameter.help or "").strip(), f"{' '.join(path)} {parameter.opts} lacks help"
    shown = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert command.help.split("\n")[0].strip()[:40] in " ".join(shown.output.split())


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_is_documented_in_the_readme(path):
    section = readme_commands_section()
    assert f"calbulk {' '.join(path)}" in section, (
        f"`calbulk {' '.join(path)}` is not in README.md's Commands section"
    )


def test_the_choices_help_names_are_those_the_code_accepts():
    """The CLI keeps copies so --help loads no polars or pandera; they must not drift."""
    from dataclasses import asdict

    from flows.backup import changes
    from flows.backup.pipeline import DEFAULT_KEEP
    from flows.cli import choices, diff, importer, sandbox
    from flows.export import pipeline, snapshot
    from sandbox import SandboxOptions
    from transforms.plan.build import MODES
    from transforms.sheets.columns import KINDS
    from transforms.snapshot.schemas import TABLE_NAMES

    assert choices.TABLE_NAMES == TABLE_NAMES
    assert (choices.FORMATS, choices.DEFAULT_FORMATS) == (snapshot.FORMATS,
                                                          snapshot.DEFAULT_FORMATS)  # fmt: skip
    assert choices.DEFAULT_OUT == pipeline.DEFAULT_OUT
    assert choices.MODES == MODES and importer.KINDS == KINDS
    assert choices.DEFAULT_KEEP == DEFAULT_KEEP
    assert diff.CHANGE_FILES == (changes.JSON_NAME, changes.MARKDOWN_NAME, changes.WORKBOOK_NAME)
    defaults = {k: v for k, v in asdict(SandboxOptions()).items() if k != "info_file"}
    assert vars(sandbox.DEFAULTS) == defaults


@pytest.mark.parametrize("path", [p for p in COMMANDS if find(p).params], ids=" ".join)
def test_every_command_answers_in_json(path):
    options = {o for p in find(path).params if p.param_type_name == "option" for o in p.opts}
    assert "--json" in options, f"calbulk {' '.join(path)} has no --json"
