"""Formula neutralisation for cells a spreadsheet would otherwise run.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is treated as a formula by Excel, LibreOffice and Google Sheets (CSV
injection). In CSV files such text gets a leading apostrophe (the OWASP advice);
`restore_neutralised` undoes exactly that, so an importer reading our CSV gets
the original text back. In Excel workbooks the writer stores such text as a
string cell with Excel's own "quote prefix" flag, so the value is unchanged and
inert.
"""

from __future__ import annotations

import polars as pl

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def is_formula_like(text: str | None) -> bool:
    """True when a spreadsheet would read this cell as a formula."""
    return bool(text) and text.startswith(FORMULA_TRIGGERS)


def neutralise(text: str | None) -> str | None:
    """``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``; anything else unchanged."""
    return QUOTE + text if is_formula_like(text) else text


def restore_neutralised(text: str | None) -> str | None:
    """The inverse of `neutralise`: drop the apostrophe we added, and only that one."""
    if text and text.startswith(QUOTE) and is_formula_like(text[1:]):
        return text[1:]
    return text


def neutralise_frame(data: pl.DataFrame) -> pl.DataFrame:
    """Every text column of a frame passed through `neutralise` (other columns untouched)."""
    text_columns = [name for name, dtype in data.schema.items() if dtype == pl.Utf8]
    if not text_columns:
        return data
    trigger = "^[=+\\-@\\t\\r]"
    return data.with_columns(
        pl.when(pl.col(name).str.contains(trigger))
        .then(pl.lit(QUOTE) + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )


__all__ = [
    "FORMULA_TRIGGERS",
    "is_formula_like",
    "neutralise",
    "neutralise_frame",
    "restore_neutralised",
]
