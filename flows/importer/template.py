"""The users-template pipeline: a users workbook for one org, with its attributes and teams.

Reads the org's attributes, their options and its teams (the export's extraction, three
listings plus one per attribute) and writes the users template with one column per attribute
and dropdowns from the org's own options and teams. A plain async function: the CLI runs it
in-process; the ``users_template`` Prefect flow (`flows.importer.flow`) wraps it.
"""

from __future__ import annotations

from pathlib import Path

from calapi import CalClient, Settings
from flows.budget import with_shared_budget
from flows.export.fetch import fetch_tables
from flows.reporter import SILENT, Reporter
from transforms.org_state import org_state_from_tables
from transforms.sheets.templates import write_csv_template, write_xlsx_template

TEMPLATE_TABLES = ["attributes", "attribute_options", "teams"]


async def write_users_template(
    settings: Settings, out: str | Path = "users.xlsx", *, reporter: Reporter = SILENT
) -> Path:
    """Write the org's users template (``.xlsx``, or header-only ``.csv``); returns its path."""
    async with CalClient(with_shared_budget(settings)) as cal:
        reporter.watch(cal)
        await cal.resolve_org_id()
        with reporter.tables(TEMPLATE_TABLES) as progress:
            tables = await fetch_tables(cal, TEMPLATE_TABLES, progress)
    state = org_state_from_tables(tables)
    path = Path(out)
    if path.suffix.lower() == ".csv":
        written = write_csv_template(path, "users", state)
    else:
        written = write_xlsx_template(path, "users", state)
    reporter.info(f"users template written to {written}")
    return Path(written)


__all__ = ["TEMPLATE_TABLES", "write_users_template"]
