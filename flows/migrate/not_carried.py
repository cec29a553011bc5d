"""What a migration cannot carry through the Cal.com API, said before anything is sent.

- user names: user create/update has no ``name`` field (people keep or set their own);
- week starts other than Cal.com's default (Sunday): the API's ``weekStart`` is not applied;
- pending invitations: the users sheet has no column for them, so invited people who had not
  accepted join the target as accepted members;
- webhook secrets: the API never returns them, so webhooks arrive without a secret;
- custom-role assignments: roles are created with their permissions, but no API assigns them
  to members (memberships take MEMBER, ADMIN or OWNER only);
- events and bookings: out of scope (event types, bookings, schedules, availability);
- any table the import has no sheet for yet (e.g. webhooks) is listed whole.

These are not failures: a migration whose only gaps are these exits 0. The list goes to
``not-carried.csv``, to the summary and, as ``not carried`` lines, to the receipt.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import polars as pl

from flows.importer.outputs import private_file

NOT_CARRIED = "not carried"
DEFAULT_WEEK_START = "Sunday"
DEFINITION_SHEETS = {"teams": "teams", "attributes": "attributes", "webhooks": "webhooks"}


def not_carried(tables: Mapping[str, pl.DataFrame], sheets: Collection[str]) -> list[dict]:
    """``{what, count, why}`` per gap, in a fixed order; counts from the source snapshot."""
    items: list[dict] = []

    def add(what: str, count: int, why: str) -> None:
        if count:
            items.append({"what": what, "count": count, "why": why})

    users = tables.get("users")
    if users is not None:
        named = users.filter(pl.col("name").str.strip_chars().fill_null("") != "")
        add(
            "user names",
            named.height,
            "the API has no name field on user create or update; people set their own",
        )
        week = users.filter(
            pl.col("week_start").fill_null(DEFAULT_WEEK_START) != DEFAULT_WEEK_START
        )
        add(
            "week starts",
            week.height,
            "the API does not set a user's week start; they start on Sunday in the target",
        )
    memberships = tables.get("memberships")
    if memberships is not None:
        add(
            "pending invitations",
            memberships.filter(~pl.col("accepted")).height,
            "invited people who had not accepted join the target as accepted members",
        )
    webhooks = tables.get("webhooks")
    if webhooks is not None and "webhooks" in sheets:
        add(
            "webhook secrets",
            webhooks.height,
            "the API never returns a webhook's secret; set it again on the target's webhooks",
        )
    roles = tables.get("roles")
    if roles is not None:
        add("custom-role assignments", roles.filter(pl.col("type") == "CUSTOM").height,
            "custom roles are created with their permissions, but no API assigns them to "
            "members (memberships take MEMBER, ADMIN or OWNER)")  # fmt: skip
    for table, sheet in DEFINITION_SHEETS.items():
        frame = tables.get(table)
        if frame is not None and sheet not in sheets:
            add(table, frame.height, f"this calbulk has no {sheet} sheet to import them from")
    why = "out of scope: event types, bookings and schedules are not migrated"
    items.append({"what": "events and bookings", "count": 0, "why": why})
    return items


def receipt_with_not_carried(receipt: Path, items: list[dict]) -> None:
    """Append one ``not carried`` line per gap to the receipt (CSV, and .xlsx when there is
    one); owner-only, rewritten; lines of an earlier run are replaced, not repeated."""
    frame = pl.read_csv(receipt, infer_schema=False)
    lines = pl.DataFrame(
        {"sheet": [NOT_CARRIED] * len(items), "email": [i["what"] for i in items],
         "outcome": [NOT_CARRIED] * len(items),
         "notes": [f"{i['count'] or ''} {i['why']}".strip() for i in items]},
    )  # fmt: skip
    frame = pl.concat([frame.filter(pl.col("sheet") != NOT_CARRIED), lines], how="diagonal")
    with private_file(receipt) as target:
        frame.write_csv(target)
    workbook = receipt.with_suffix(".xlsx")
    if workbook.is_file():  # the import wrote one for Excel input: the same lines there
        with private_file(workbook) as target:
            frame.write_excel(target, worksheet="receipt", autofit=True)


__all__ = ["NOT_CARRIED", "not_carried", "receipt_with_not_carried"]
