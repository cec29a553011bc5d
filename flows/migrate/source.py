"""Where a migration reads the source organization from: a snapshot folder, a snapshot
workbook, or the live source org (exported first into a temporary owner-only folder).

Whatever the source, the result is the same pair: the snapshot's tables (by name, for the
id map and for saying what cannot be carried) and the import sheets the export builds from them
(`transforms.sheets.snapshot_sheets`: definitions, users, OOO, roles; what the import pipeline
sends to the target).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from calapi import ConfigError, Settings
from flows.backup._files import read_manifest, read_snapshot
from flows.export.workbook import sheet_name_for
from transforms.sheets.snapshot_sheets import import_sheets
from transforms.snapshot.schemas import TABLE_NAMES, schema_of

SOURCE_VARS = {"CAL_SOURCE_API_KEY": "CAL_API_KEY", "CAL_SOURCE_API_URL": "CAL_API_URL"}
WORKBOOK_SUFFIX = ".xlsx"


class NotASource(ValueError):
    """PATH is neither a snapshot folder nor a snapshot workbook."""


@dataclass
class Source:
    """The source org's snapshot: its tables, its import sheets and a name for the run."""

    label: str  # "org12" (from a manifest or --from-org) or the workbook's stem
    tables: dict[str, pl.DataFrame]
    sheets: dict[str, pl.DataFrame] = field(default_factory=dict)
    folder: Path | None = None


def source_settings(target: Settings, org_id: int, environ: Mapping[str, str] | None = None):
    """Settings for reading the source org live: CAL_SOURCE_API_KEY (required) and
    CAL_SOURCE_API_URL (default: the target's URL); the rate limit as the target's."""
    env = os.environ if environ is None else environ
    if not env.get("CAL_SOURCE_API_KEY"):
        raise ConfigError(
            "--from-org needs CAL_SOURCE_API_KEY: an API key of an admin or owner of the source "
            "organization (CAL_SOURCE_API_URL if it is on another Cal.com than the target)"
        )
    mapped = {target_name: env[name] for name, target_name in SOURCE_VARS.items() if env.get(name)}
    mapped.setdefault("CAL_API_URL", target.api_url)
    return Settings.from_env(mapped, org_id=org_id, rate_limit=target.rate_limit,
                             rate_window=target.rate_window)  # fmt: skip


def read_source(path: Path) -> Source:
    """A snapshot folder (``OUT/<org_id>/<UTC>/``) or a snapshot workbook (``snapshot.xlsx``)."""
    path = Path(path)
    if path.is_dir():
        tables = read_snapshot(path)
        org = read_manifest(path).get("org_id")
        return Source(f"org{org}", tables, import_sheets(tables), folder=path)
    if path.is_file() and path.suffix.lower() == WORKBOOK_SUFFIX:
        return _read_workbook(path)
    raise NotASource(
        f"--from {path}: give a snapshot folder OUT/<org_id>/<UTC>/ (with manifest.json) or a "
        "snapshot workbook snapshot.xlsx, as `calbulk export` writes them"
    )


def _read_workbook(path: Path) -> Source:
    """The raw tables of a snapshot workbook (``users_table``, ``teams``, ...), and its import
    sheets rebuilt from them with the export's own code, so both sources migrate alike."""
    if (path.parent / "manifest.json").is_file():  # snapshot.xlsx inside its snapshot folder
        return read_source(path.parent)
    names = pl.read_excel(path, sheet_id=0, engine="calamine")
    tables = {}
    for table in TABLE_NAMES:
        sheet = names.get(sheet_name_for(table))
        if sheet is None:
            continue
        tables[table] = _typed(sheet, schema_of(table))
    if "users" not in tables:
        raise NotASource(
            f"--from {path} has no users_table sheet: it is not a snapshot workbook "
            "(`calbulk export --format parquet,xlsx` writes one)"
        )
    return Source(path.stem, tables, import_sheets(tables))


def _typed(sheet: pl.DataFrame, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """A table sheet back in the snapshot's schema (lists were written ``a; b``)."""
    columns = []
    for name, dtype in schema.items():
        if name not in sheet.columns:
            columns.append(pl.lit(None, dtype=dtype).alias(name))
            continue
        column = pl.col(name)
        if isinstance(dtype, pl.List):
            text = column.cast(pl.Utf8)
            column = pl.when(text.is_null() | (text == "")).then(pl.lit([], dtype=dtype))
            column = column.otherwise(text.str.split("; ").cast(dtype))
        elif dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
            column = column.cast(pl.Utf8).str.to_datetime(time_zone="UTC").cast(dtype)
        else:
            column = column.cast(dtype)
        columns.append(column.alias(name))
    return sheet.select(columns)


__all__ = ["NotASource", "Source", "read_source", "source_settings"]
