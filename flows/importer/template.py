"""The ``users_template`` flow: a users workbook for one org, with its attributes and teams.

Reads the org's attributes, their options and its teams (the export's extraction, three
listings plus one per attribute) and writes the users template with one column per attribute
and dropdowns from the org's own options and teams.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from calapi import CalClient
from flows.config import load_settings
from flows.export.fetch import fetch_tables
from flows.progress import TableProgress
from transforms.org_state import org_state_from_tables
from transforms.sheets.templates import write_csv_template, write_xlsx_template

TEMPLATE_TABLES = ["attributes", "attribute_options", "teams"]


@flow(name="users_template", log_prints=False)
async def users_template(org_id: int | None = None, out: str = "users.xlsx") -> str:
    """Write the org's users template (``.xlsx``, or header-only ``.csv``); returns its path."""
    settings = load_settings(org_id)
    async with CalClient(settings) as cal:
        await cal.resolve_org_id()
        tables = await fetch_tables(cal, TEMPLATE_TABLES, TableProgress([], enabled=False))
    state = org_state_from_tables(tables)
    path = Path(out)
    if path.suffix.lower() == ".csv":
        return str(write_csv_template(path, "users", state))
    return str(write_xlsx_template(path, "users", state))


__all__ = ["users_template"]
