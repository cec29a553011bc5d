"""What the backup outputs share: owner-only files written whole, snapshot folders read back,
and Excel sheets written cell by cell with text that can never run as a formula."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from datetime import date, datetime
from pathlib import Path

import polars as pl

from flows.export.snapshot import MANIFEST_NAME, read_manifest
from transforms.sheets.cells import is_formula_like

DIR_MODE = 0o700
FILE_MODE = 0o600
LIST_SEPARATOR = "; "


class NotASnapshot(ValueError):
    """A folder given as a snapshot is missing, or is not one calbulk wrote."""


def write_owner_only(path: Path, write: Callable[[Path], None]) -> Path:
    """``write(temp)`` then rename to ``path``: the file appears whole, mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    temp = path.with_name(f".{path.name}.partial")
    try:
        write(temp)
        temp.chmod(FILE_MODE)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def write_text(path: Path, text: str) -> Path:
    return write_owner_only(path, lambda temp: temp.write_text(text, encoding="utf-8"))


def read_snapshot(folder: Path, only: Collection[str] | None = None) -> dict[str, pl.DataFrame]:
    """A published snapshot folder's tables (from Parquet; ``only`` these), by table name.

    Tables the export left out (``--only``) are absent; a folder without a manifest, or a
    table exported without Parquet, raises :class:`NotASnapshot` saying what to do.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotASnapshot(f"{folder} is not a folder; give a snapshot folder OUT/<org_id>/<UTC>/")
    if not (folder / MANIFEST_NAME).is_file():
        raise NotASnapshot(
            f"{folder} is not a complete calbulk snapshot: it has no {MANIFEST_NAME} (an export "
            "writes it last). Give a folder `calbulk export` published, OUT/<org_id>/<UTC>/."
        )
    tables = {}
    for name, entry in read_manifest(folder).get("tables", {}).items():
        if only is not None and name not in only:
            continue
        path = folder / f"{name}.parquet"
        if "parquet" not in entry.get("files", {}) or not path.is_file():
            raise NotASnapshot(
                f"{folder} has no {name}.parquet (exported without the parquet format?); "
                "comparisons and reports read the Parquet files: export with --format parquet."
            )
        tables[name] = pl.read_parquet(path)
    return tables


def _cell_text(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def write_frame(sheet, data: pl.DataFrame, formats: dict, row: int = 0, col: int = 0) -> int:
    """``data`` with a header row at (row, col); returns the row after the last one written.

    Numbers and booleans stay native; text a spreadsheet would run as a formula carries
    Excel's quote-prefix flag (shown and edited as text).
    """
    for offset, header in enumerate(data.columns):
        sheet.write_string(row, col + offset, header, formats["header"])
    for r, values in enumerate(data.iter_rows(), start=row + 1):
        for c, value in enumerate(values, start=col):
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                text = _cell_text(value)
                sheet.write_string(r, c, text, formats["quoted"] if is_formula_like(text) else None)
    for offset, name in enumerate(data.columns):
        longest = data.get_column(name).cast(pl.Utf8).str.len_chars().max() or 0
        sheet.set_column(col + offset, col + offset, min(60, max(len(name), longest) + 2))
    return row + data.height + 1


def book_formats(book) -> dict:
    return {
        "header": book.add_format({"bold": True}),
        "quoted": book.add_format({"quote_prefix": True}),
    }


__all__ = [
    "NotASnapshot",
    "book_formats",
    "read_snapshot",
    "write_frame",
    "write_owner_only",
    "write_text",
]
