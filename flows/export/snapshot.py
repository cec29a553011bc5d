"""Writing a validated snapshot to disk, atomically, readable by the owner only.

Layout (DESIGN.md): ``OUT/<org_id>/<UTC timestamp>/`` holding ``<table>.parquet``
(zstd) and ``<table>.csv`` per table, optionally ``snapshot.xlsx`` (``flows.export.workbook``), and
``manifest.json`` (tool version, API URL, org id, start/end UTC, per-table row
and request counts, schema and sha256 per file, and ``reconciled``: the tables re-read
because a later listing named rows an earlier one lacked, e.g. another run was writing).

Everything is written into a hidden ``.incomplete-*`` folder next to the final
one and renamed only when every file and the manifest are on disk; on any error
the temporary folder is removed, so a failed run leaves nothing that looks like
a snapshot. Folders are 0700, files 0600 (they hold personal data).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import polars as pl

from transforms.sheets.cells import neutralise_frame

FORMATS = ("parquet", "csv", "xlsx")
DEFAULT_FORMATS = ("parquet", "csv")
WORKBOOK_NAME = "snapshot.xlsx"
MANIFEST_NAME = "manifest.json"
INCOMPLETE_PREFIX = ".incomplete-"
CSV_DATETIME = "%Y-%m-%dT%H:%M:%S%.3fZ"  # every datetime column is UTC
DIR_MODE = 0o700
FILE_MODE = 0o600


@dataclass(frozen=True)
class SnapshotRun:
    """What the manifest says about the run that produced the tables."""

    org_id: int
    api_url: str
    started_at: datetime
    requests: Mapping[str, int] = field(default_factory=dict)
    finished_at: datetime | None = None
    reconciled: Sequence[Mapping] = ()  # tables re-read because later listings named more


def tool_version() -> str:
    try:
        return version("calbulk")
    except PackageNotFoundError:  # running from a source checkout that is not installed
        return "0+unknown"


def utc_stamp(moment: datetime) -> str:
    """``2026-11-22T11:13:10Z`` -> ``20261122T111310Z`` (the snapshot folder's name)."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def csv_ready(data: pl.DataFrame) -> pl.DataFrame:
    """Lists joined with ``; ``, then formula-like text neutralised (CSV cannot hold lists)."""
    lists = [name for name, dtype in data.schema.items() if isinstance(dtype, pl.List)]
    flat = data.with_columns(pl.col(name).list.join("; ") for name in lists)
    return neutralise_frame(flat)


def _file_entry(folder: Path, name: str) -> dict:
    path = folder / name
    path.chmod(FILE_MODE)
    return {"path": name, "bytes": path.stat().st_size, "sha256": sha256_of(path)}


def _write_table(folder: Path, table: str, data: pl.DataFrame, formats: Sequence[str]) -> dict:
    files = {}
    if "parquet" in formats:
        data.write_parquet(folder / f"{table}.parquet", compression="zstd")
        files["parquet"] = _file_entry(folder, f"{table}.parquet")
    if "csv" in formats:
        csv_ready(data).write_csv(folder / f"{table}.csv", datetime_format=CSV_DATETIME)
        files["csv"] = _file_entry(folder, f"{table}.csv")
    return files


def _publish(temp: Path, parent: Path, stamp: str) -> Path:
    """Rename the finished temporary folder to its final name (never over another snapshot)."""
    target = parent / stamp
    suffix = 1
    while target.exists():
        suffix += 1
        target = parent / f"{stamp}-{suffix}"
    temp.rename(target)
    return target


def write_snapshot(
    tables: Mapping[str, pl.DataFrame],
    out_root: Path,
    run: SnapshotRun,
    formats: Sequence[str] = DEFAULT_FORMATS,
    import_sheets: Mapping[str, pl.DataFrame] | None = None,
) -> Path:
    """Write the tables and manifest; returns the published ``OUT/<org_id>/<stamp>`` folder.

    ``import_sheets`` (kind -> sheet) open the workbook, so it imports back as a whole.
    """
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown format(s) {unknown}; choose from {', '.join(FORMATS)}")
    parent = Path(out_root) / str(run.org_id)
    parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    temp = Path(tempfile.mkdtemp(prefix=INCOMPLETE_PREFIX, dir=parent))  # mode 0700
    try:
        entries = {
            table: {
                "rows": data.height,
                "requests": int(run.requests.get(table, 0)),
                "schema": {name: str(dtype) for name, dtype in data.schema.items()},
                "files": _write_table(temp, table, data, formats),
            }
            for table, data in tables.items()
        }
        workbook = None
        if "xlsx" in formats:
            from flows.export.workbook import write_workbook  # xlsxwriter only when asked for

            sheets = write_workbook(temp / WORKBOOK_NAME, tables, import_sheets)
            workbook = {**_file_entry(temp, WORKBOOK_NAME), "sheets": sheets}
        finished = run.finished_at or datetime.now(UTC)
        manifest = {
            "tool": "calbulk",
            "tool_version": tool_version(),
            "api_url": run.api_url,
            "org_id": run.org_id,
            "started_at": iso_utc(run.started_at),
            "finished_at": iso_utc(finished),
            "formats": [f for f in FORMATS if f in formats],
            "requests_total": sum(int(n) for n in run.requests.values()),
            "tables": entries,
            "reconciled": [dict(r) for r in run.reconciled],
            "workbook": workbook,
        }
        manifest_path = temp / MANIFEST_NAME
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        manifest_path.chmod(FILE_MODE)
        os.chmod(temp, DIR_MODE)
        return _publish(temp, parent, utc_stamp(run.started_at))
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def read_manifest(folder: Path) -> dict:
    """The manifest of a published snapshot folder."""
    return json.loads((Path(folder) / MANIFEST_NAME).read_text(encoding="utf-8"))


__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "MANIFEST_NAME",
    "SnapshotRun",
    "read_manifest",
    "sha256_of",
    "utc_stamp",
    "write_snapshot",
]
