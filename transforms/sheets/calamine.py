"""Excel sheets read with calamine (fastexcel): every cell as the text a person means, fast.

calamine reads the values Excel cached; it cannot tell a formula without a value from an empty
cell, nor an error cell (``#N/A``) from an empty one. So each sheet's XML is looked at first: a
sheet with formulas or error cells is left to the openpyxl reader, which reports them cell by
cell. calamine also starts a sheet at its first non-empty cell; the XML says which row that is,
so row numbers stay the ones Excel shows.

Cells come back as text and are spelled the way ``reading.cell_text`` spells them: whole numbers
without ``.0``, midnight datetimes as ISO days, other datetimes as ``YYYY-MM-DDTHH:MM:SS``, times
as ``HH:MM:SS``, booleans as ``TRUE``/``FALSE``.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

import polars as pl

_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_SHEET_ID_FIRST = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_RELATION = re.compile(rb"<Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb'(\w+)="([^"]*)"')
_FORMULA_OR_ERROR = re.compile(rb'<(?:\w+:)?f[\s>/]|\bt="e"')
_CELL_REF = re.compile(rb'\br="[A-Z]+(\d+)"')
_XML_ESCAPES = {b"&amp;": b"&", b"&lt;": b"<", b"&gt;": b">", b"&quot;": b'"', b"&apos;": b"'"}


class NeedsOpenpyxl(Exception):
    """The workbook has something calamine cannot report (formulas, error cells, odd XML)."""


def sheet_layout(path: Path) -> dict[str, int]:
    """Sheet name -> row number of its first non-empty cell (1 for an empty sheet).

    Raises NeedsOpenpyxl when a sheet holds formulas or error cells, or its XML is not laid
    out as expected, and zipfile.BadZipFile/KeyError when it is not a workbook at all.
    """
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml")
        relations = archive.read("xl/_rels/workbook.xml.rels")
        targets = {}
        for tag in _RELATION.findall(relations):
            attributes = dict(_ATTRIBUTE.findall(tag))
            if b"Id" in attributes and b"Target" in attributes:
                targets[attributes[b"Id"]] = attributes[b"Target"].decode()
        sheets = [(n, r) for n, r in _SHEET.findall(workbook)]
        sheets += [(n, r) for r, n in _SHEET_ID_FIRST.findall(workbook)]
        layout: dict[str, int] = {}
        for raw_name, relation in sheets:
            name = _unescape(raw_name).decode()
            if name in layout:
                continue
            target = targets.get(relation)
            if target is None:
                raise NeedsOpenpyxl(f"no part for sheet {name!r}")
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            data = archive.read(posixpath.normpath(member))
            if _FORMULA_OR_ERROR.search(data):
                raise NeedsOpenpyxl(f"sheet {name!r} has formulas or error cells")
            layout[name] = _first_row(data)
    return layout


def _unescape(text: bytes) -> bytes:
    for escaped, plain in _XML_ESCAPES.items():
        text = text.replace(escaped, plain)
    return text


def _first_row(data: bytes) -> int:
    """Row of the first cell holding a value (``<v>`` or inline ``<is>``), as calamine starts."""
    found = [i for i in (data.find(b"<v>"), data.find(b"<is>")) if i >= 0]
    if not found:
        return 1
    start = data.rfind(b"<c ", 0, min(found))
    match = _CELL_REF.search(data, start, min(found)) if start >= 0 else None
    if match is None:
        raise NeedsOpenpyxl("cells without references")
    return int(match.group(1))


def read_sheet(reader, name: str) -> pl.DataFrame:
    """A sheet as text columns ``c0, c1, ...`` (calamine's used range), spelled like cell_text."""
    raw = reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
    raw = raw.rename({c: f"c{i}" for i, c in enumerate(raw.columns)})
    return raw.with_columns(_spelled(pl.col(c)).alias(c) for c in raw.columns)


def _spelled(cell: pl.Expr) -> pl.Expr:
    text = (
        cell.str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "${1}")
        .str.replace(r"^1899-12-31 (\d{2}:\d{2}:\d{2})$", "${1}")
        .str.replace(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$", "${1}T${2}")
    )
    return (
        pl.when(cell == "true")
        .then(pl.lit("TRUE"))
        .when(cell == "false")
        .then(pl.lit("FALSE"))
        .otherwise(text)
    )
