"""Validation of a whole snapshot: each table against its pandera model, then across tables.

`validate_snapshot(tables)` never raises on bad data; it returns a `ValidationReport`
whose failures name the table, the check and the offending rows (0-based row
numbers in that table, plus the offending values), so the flow can stop before
anything is published and the CLI can print a readable report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl
from pandera.errors import SchemaError, SchemaErrors

from transforms.snapshot.schemas import TABLES

MAX_ROWS_SHOWN = 10


@dataclass(frozen=True)
class ForeignKey:
    """``table.column`` must name an existing ``ref_table.ref_column`` (nulls are allowed)."""

    table: str
    column: str
    ref_table: str
    ref_column: str

    @property
    def check(self) -> str:
        return f"foreign key {self.column} -> {self.ref_table}.{self.ref_column}"


FOREIGN_KEYS: tuple[ForeignKey, ...] = (
    ForeignKey("memberships", "user_id", "users", "user_id"),
    ForeignKey("attribute_options", "attribute_id", "attributes", "attribute_id"),
    ForeignKey("attribute_assignments", "user_id", "users", "user_id"),
    ForeignKey("attribute_assignments", "attribute_id", "attributes", "attribute_id"),
    ForeignKey("attribute_assignments", "option_id", "attribute_options", "option_id"),
    ForeignKey("ooo_entries", "user_id", "users", "user_id"),
    ForeignKey("ooo_entries", "to_user_id", "users", "user_id"),
    ForeignKey("team_memberships", "team_id", "teams", "team_id"),
    ForeignKey("team_memberships", "user_id", "users", "user_id"),
    ForeignKey("roles", "team_id", "teams", "team_id"),
    ForeignKey("role_permissions", "role_id", "roles", "role_id"),
)


@dataclass(frozen=True)
class Failure:
    """One failed check: which table, which check, which rows (0-based) and values."""

    table: str
    check: str
    rows: tuple[int, ...] = ()
    values: tuple[str, ...] = ()

    def describe(self) -> str:
        shown = ", ".join(str(r) for r in self.rows[:MAX_ROWS_SHOWN])
        hidden = len(self.rows) - MAX_ROWS_SHOWN
        more = f" (+{hidden} more)" if hidden > 0 else ""
        where = f"rows {shown}{more}" if self.rows else "whole table"
        values = ", ".join(self.values[:MAX_ROWS_SHOWN])
        return f"{self.table}: {self.check} failed at {where}" + (
            f"; values: {values}" if values else ""
        )


@dataclass
class ValidationReport:
    """The outcome of `validate_snapshot`; empty `failures` means the snapshot is good."""

    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def for_table(self, table: str) -> list[Failure]:
        return [f for f in self.failures if f.table == table]

    def to_markdown(self) -> str:
        if self.ok:
            return "All snapshot checks passed."
        lines = ["| table | check | rows | values |", "|---|---|---|---|"]
        for f in self.failures:
            rows = ", ".join(str(r) for r in f.rows[:MAX_ROWS_SHOWN]) or "-"
            values = ", ".join(f.values[:MAX_ROWS_SHOWN]) or "-"
            lines.append(f"| {f.table} | {f.check} | {rows} | {values} |")
        return "\n".join(lines)

    def __str__(self) -> str:
        return "\n".join(f.describe() for f in self.failures) or "ok"


class SnapshotInvalid(Exception):
    """The snapshot failed validation; `report` says where. Nothing was published."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(f"snapshot failed {len(report.failures)} check(s):\n{report}")
        self.report = report


def _pandera_failures(table: str, error: SchemaErrors | SchemaError) -> list[Failure]:
    cases = getattr(error, "failure_cases", None)
    if not isinstance(cases, pl.DataFrame) or cases.is_empty():
        return [Failure(table, str(error).splitlines()[0])]
    failures = []
    grouped = cases.group_by(["column", "check"], maintain_order=True).agg(
        pl.col("index"), pl.col("failure_case").cast(pl.Utf8)
    )
    for column, check, index, values in grouped.iter_rows():
        rows = tuple(sorted({int(i) for i in index if i is not None}))
        label = f"{column}: {check}" if column else str(check)
        failures.append(Failure(table, label, rows, tuple(str(v) for v in values[:MAX_ROWS_SHOWN])))
    return failures


def check_table(table: str, data: pl.DataFrame) -> list[Failure]:
    """One table against its pandera model (types, nulls, enums, unique keys)."""
    try:
        TABLES[table].model.validate(data, lazy=True)
    except (SchemaErrors, SchemaError) as error:
        return _pandera_failures(table, error)
    return []


def check_foreign_key(fk: ForeignKey, tables: Mapping[str, pl.DataFrame]) -> list[Failure]:
    """Rows of ``fk.table`` whose ``fk.column`` matches no row of the referenced table."""
    child, parent = tables[fk.table], tables[fk.ref_table]
    if fk.column not in child.columns or fk.ref_column not in parent.columns:
        return []  # the table check already reported the missing column
    if child.schema[fk.column] != parent.schema[fk.ref_column]:
        return [Failure(fk.table, f"{fk.check}: types differ")]
    known = parent.get_column(fk.ref_column).drop_nulls().unique()
    values = child.get_column(fk.column)
    orphan = values.is_not_null() & ~values.is_in(known.implode())
    rows = tuple(int(i) for i in orphan.arg_true().to_list())
    if not rows:
        return []
    bad = tuple(str(v) for v in values.filter(orphan).unique(maintain_order=True).to_list())
    return [Failure(fk.table, fk.check, rows, bad[:MAX_ROWS_SHOWN])]


def validate_snapshot(tables: Mapping[str, pl.DataFrame]) -> ValidationReport:
    """Every present table against its model, then every foreign key whose tables are present."""
    report = ValidationReport()
    for name, data in tables.items():
        report.failures.extend(check_table(name, data))
    for fk in FOREIGN_KEYS:
        if fk.table in tables and fk.ref_table in tables:
            report.failures.extend(check_foreign_key(fk, tables))
    return report


__all__ = [
    "FOREIGN_KEYS",
    "Failure",
    "ForeignKey",
    "SnapshotInvalid",
    "ValidationReport",
    "check_foreign_key",
    "check_table",
    "validate_snapshot",
]
