"""Cal.com's own members CSV (the organization members table's download), read as a users sheet.

Its shape (``generateCsvRawForMembersTable`` in Cal.com's ``packages/lib/csvUtils.ts``): the
header is ``Members,Link,Role,Teams``, then one column per org attribute by its name, then
whatever other columns were visible (``Last Active``, ``Member Since``, ``Last Updated``); rows
carry only the first four cells and the attribute cells, so they may be shorter than the header.
``Members`` is the e-mail, ``Link`` is ``<org domain>/<username>``, ``Role`` is the org role,
``Teams`` holds team names joined by ``,`` in one quoted cell. Attribute cells join the values
of a multi-valued attribute with ``,`` and write a weighted value as ``value (50%)``; which
attribute is multi-valued only the org knows, so those cells are split in validation
(:func:`calcom_attribute_cells`), and a TEXT value keeps its commas.
"""

from __future__ import annotations

import polars as pl

from transforms.sheets.columns import ColumnMap, map_columns, normalise_header

ORIGIN = "calcom_members"
FIRST_HEADERS = ("members", "link", "role", "teams")
_AS_USERS = {"members": "email", "link": "username", "role": "org role", "teams": "teams"}
# the members table's other columns: shown on the page, not importable
DISPLAY_ONLY = frozenset({"last active", "member since", "last updated"})
WEIGHT = r"\s*\(\s*\d+(?:\.\d+)?\s*%\s*\)\s*$"
WEIGHTS_NOT_SENT = (
    "weights such as 'value (50%)' are recognised but not sent: the Cal.com API v2 cannot set "
    "an attribute value's weight; the value is assigned without it"
)


def is_calcom_members(header: list[object]) -> bool:
    """Does this header start like the members table's download (``Members,Link,Role,Teams``)?"""
    cells = [normalise_header(h) for h in header]
    return tuple(cells[: len(FIRST_HEADERS)]) == FIRST_HEADERS


def calcom_columns(header: list[object]) -> ColumnMap:
    """The users columns of the header; messages still name the columns as Cal.com wrote them."""
    renamed: list[object] = []
    for index, cell in enumerate(header):
        key = normalise_header(cell)
        if index < len(FIRST_HEADERS):
            renamed.append(_AS_USERS[key])
        else:
            renamed.append(None if key in DISPLAY_ONLY else cell)
    columns = map_columns("users", renamed)
    shown = {c: str(header[i]).strip() for c, i in columns.positions.items()}
    return ColumnMap(
        kind=columns.kind,
        positions=columns.positions,
        headers=shown,
        attribute_columns=columns.attribute_columns,
        duplicate_headers=columns.duplicate_headers,
        missing_required=columns.missing_required,
    )


def calcom_users_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``Link`` -> the username after its last ``/``; ``Teams`` joined by ``,`` -> ``;``."""
    username = pl.col("username").str.extract(r"([^/]*)$", 1)
    return frame.with_columns(
        username=pl.when(username.is_in(["", "null", "undefined"]).not_()).then(username),
        teams=pl.col("teams").str.replace_all(r"\s*,\s*", "; "),
    )


def calcom_attribute_cells(cells: pl.Series, attribute_type: str) -> tuple[pl.Series, bool]:
    """A Cal.com attribute column as calbulk reads one: ``a,b`` -> ``a; b`` for a MULTI_SELECT,
    weight suffixes of select values dropped; and whether any cell carried a weight. TEXT and
    NUMBER cells are kept whole (a TEXT value may contain commas)."""
    if attribute_type not in ("SINGLE_SELECT", "MULTI_SELECT"):
        return cells, False
    if attribute_type == "MULTI_SELECT":
        items = cells.str.split(",").list.eval(
            pl.element().str.replace(WEIGHT, "").str.strip_chars()
        )
        weighted = bool(cells.str.contains(r"\(\s*\d+(?:\.\d+)?\s*%\s*\)").any())
        return items.list.join("; ").alias(cells.name), weighted
    weighted = bool(cells.str.contains(WEIGHT).any())
    return cells.str.replace(WEIGHT, "").alias(cells.name), weighted
