"""The end of `calbulk import` for a person: problems, the dry run's plan, the run's outcome.

- problems in the file: a table (sheet, row as Excel shows it, column, value, what is
  accepted) and where they are written;
- a dry run: steps per action and sheet, the first steps, the plan's path, how long applying
  it takes at the key's limit, and the command that applies it;
- a run: rows per outcome, the failed rows in the API's own words, the receipt and plan, and
  after an interrupt that the same command resumes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flows.cli.output import console, duration, print_table

if TYPE_CHECKING:
    from calapi import Settings

SHOWN_LINES = 40
SHOWN_FAILURES = 10
PROBLEM_COLUMNS = ["sheet", "row", "column", "value", "problem", "accepted", "severity"]


def show_import(outcome: dict, settings: Settings, command: str) -> None:
    out = console()
    if outcome.get("errors"):
        _show_csv(out, Path(outcome["errors"]), "Problems in the file", PROBLEM_COLUMNS)
        out.print(f"problems written to {outcome['errors']}")
    for line in outcome.get("team_owner") or []:  # the key's user in the teams it creates
        out.print(line)
    if outcome.get("plan") and not outcome.get("receipt"):
        _show_dry_run(out, outcome, settings, command)
        return
    if outcome.get("message"):
        out.print(outcome["message"])
    if outcome.get("receipt"):
        _show_run(out, outcome, command)


def _show_dry_run(out, outcome: dict, settings: Settings, command: str) -> None:
    counts = outcome.get("plan_counts") or []
    print_table(out, f"Plan: {outcome['steps']} step(s)", ["sheet", "action", "steps"],
                [(c["sheet"], c["action"], c["steps"]) for c in counts])  # fmt: skip
    first = outcome.get("first_steps") or []
    if first:
        print_table(out, "First steps", ["sheet", "row", "key", "action", "detail"],
                    [(s["sheet"], s["row"], s["key"], s["action"], s["detail"])
                     for s in first])  # fmt: skip
    out.print(f"plan: {outcome['plan']} (every step)")
    if outcome["steps"]:
        requests, seconds = outcome.get("key_rate") or (settings.fallback_rate_limit, 60)
        limit = f"{requests} requests per {seconds:g} s"
        took = duration(outcome.get("apply_seconds") or 0)
        out.print(f"applying it takes about {took} at the key's limit ({limit})")
        out.print(f"to apply it: {command}")
    else:
        out.print("nothing to do: the organization already matches the file")


def _show_run(out, outcome: dict, command: str) -> None:
    counts = ", ".join(f"{n} {k}" for k, n in outcome["counts"].items() if n)
    out.print(f"rows: {counts or 'none'}")
    if outcome["counts"].get("failed"):
        _show_failures(out, Path(outcome["receipt"]))
    out.print(f"plan: {outcome['plan']}")
    out.print(f"receipt: {outcome['receipt']}")
    if outcome.get("interrupted"):
        out.print(f"to resume: {command}")
    elif outcome["counts"].get("failed"):
        out.print(f"next: fix what the receipt says, then run again ({command}); rows already "
                  "done are not sent twice")  # fmt: skip


def _show_failures(out, receipt: Path) -> None:
    import polars as pl

    failed = pl.read_csv(receipt, infer_schema=False).filter(pl.col("outcome") == "failed")
    print_table(
        out,
        f"Failed rows ({failed.height})",
        ["sheet", "row", "email", "error"],
        failed.head(SHOWN_FAILURES).select("sheet", "row", "email", "error").rows(),
    )
    if failed.height > SHOWN_FAILURES:
        out.print(f"... {failed.height - SHOWN_FAILURES} more in {receipt}")


def _show_csv(out, path: Path, title: str, columns: list[str]) -> None:
    import polars as pl

    frame = pl.read_csv(path, infer_schema=False)
    print_table(out, f"{title} ({frame.height} lines)", columns,
                frame.head(SHOWN_LINES).select(columns).rows())  # fmt: skip
    if frame.height > SHOWN_LINES:
        out.print(f"... {frame.height - SHOWN_LINES} more in {path}")
