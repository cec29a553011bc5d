"""The snapshot tables: one explicit polars schema and one pandera model per table.

This is the contract between `calbulk export` (which writes these tables) and
`calbulk import` (which reads them as the organization's current state). Column
names are snake_case; ids keep the API's types (attribute, option, role and webhook
ids are strings in API v2, user/team/membership ids are integers).

`TABLES` lists every table with its polars schema, its pandera model and its key.
Pandera checks what one table can check alone (types, nulls, enums, unique keys);
`transforms.snapshot.checks` adds the checks across tables (foreign keys).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

import pandera.polars as pa
import polars as pl

UTC_DATETIME = pl.Datetime("us", "UTC")

MEMBERSHIP_ROLES = ("MEMBER", "ADMIN", "OWNER")
ATTRIBUTE_TYPES = ("TEXT", "NUMBER", "SINGLE_SELECT", "MULTI_SELECT")
OOO_REASONS = ("unspecified", "vacation", "travel", "sick", "public_holiday")
ROLE_TYPES = ("SYSTEM", "CUSTOM")
WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


class _Strict:
    strict = True
    coerce = False


class Users(pa.DataFrameModel):
    user_id: pl.Int64 = pa.Field(unique=True)
    email: pl.Utf8 = pa.Field(unique=True)
    username: pl.Utf8 = pa.Field(nullable=True)
    name: pl.Utf8 = pa.Field(nullable=True)
    time_zone: pl.Utf8
    week_start: pl.Utf8 = pa.Field(isin=WEEKDAYS)
    locale: pl.Utf8 = pa.Field(nullable=True)
    time_format: pl.Int64 = pa.Field(nullable=True, isin=[12, 24])
    bio: pl.Utf8 = pa.Field(nullable=True)
    avatar_url: pl.Utf8 = pa.Field(nullable=True)
    created_date: UTC_DATETIME
    verified: pl.Boolean = pa.Field(nullable=True)
    email_verified: UTC_DATETIME = pa.Field(nullable=True)
    theme: pl.Utf8 = pa.Field(nullable=True)
    app_theme: pl.Utf8 = pa.Field(nullable=True)
    brand_color: pl.Utf8 = pa.Field(nullable=True)
    dark_brand_color: pl.Utf8 = pa.Field(nullable=True)
    hide_branding: pl.Boolean = pa.Field(nullable=True)
    allow_dynamic_booking: pl.Boolean = pa.Field(nullable=True)
    default_schedule_id: pl.Int64 = pa.Field(nullable=True)
    metadata: pl.Utf8 = pa.Field(nullable=True, description="JSON text")

    class Config(_Strict):
        name = "users"


class Memberships(pa.DataFrameModel):
    membership_id: pl.Int64 = pa.Field(unique=True)
    user_id: pl.Int64 = pa.Field(unique=True)
    role: pl.Utf8 = pa.Field(isin=MEMBERSHIP_ROLES)
    accepted: pl.Boolean
    disable_impersonation: pl.Boolean = pa.Field(nullable=True)

    class Config(_Strict):
        name = "memberships"


class Attributes(pa.DataFrameModel):
    attribute_id: pl.Utf8 = pa.Field(unique=True)
    name: pl.Utf8
    slug: pl.Utf8 = pa.Field(unique=True)
    type: pl.Utf8 = pa.Field(isin=ATTRIBUTE_TYPES)
    enabled: pl.Boolean
    users_can_edit_relation: pl.Boolean = pa.Field(nullable=True)

    class Config(_Strict):
        name = "attributes"


class AttributeOptions(pa.DataFrameModel):
    option_id: pl.Utf8 = pa.Field(unique=True)
    attribute_id: pl.Utf8
    value: pl.Utf8
    slug: pl.Utf8

    class Config(_Strict):
        name = "attribute_options"


class AttributeAssignments(pa.DataFrameModel):
    user_id: pl.Int64
    attribute_id: pl.Utf8
    option_id: pl.Utf8 = pa.Field(nullable=True)
    value: pl.Utf8 = pa.Field(nullable=True)

    class Config(_Strict):
        name = "attribute_assignments"
        unique: ClassVar[list[str]] = ["user_id", "attribute_id", "option_id", "value"]


class OooEntries(pa.DataFrameModel):
    ooo_id: pl.Int64 = pa.Field(unique=True)
    uuid: pl.Utf8 = pa.Field(nullable=True)
    user_id: pl.Int64
    to_user_id: pl.Int64 = pa.Field(nullable=True)
    start: UTC_DATETIME
    end: UTC_DATETIME
    reason: pl.Utf8 = pa.Field(isin=OOO_REASONS)
    notes: pl.Utf8 = pa.Field(nullable=True)

    class Config(_Strict):
        name = "ooo_entries"


class Teams(pa.DataFrameModel):
    team_id: pl.Int64 = pa.Field(unique=True)
    name: pl.Utf8
    slug: pl.Utf8 = pa.Field(nullable=True)
    parent_id: pl.Int64 = pa.Field(nullable=True)
    bio: pl.Utf8 = pa.Field(nullable=True)
    is_private: pl.Boolean = pa.Field(nullable=True)
    hide_book_a_team_member: pl.Boolean = pa.Field(nullable=True)
    hide_branding: pl.Boolean = pa.Field(nullable=True)
    time_zone: pl.Utf8 = pa.Field(nullable=True)
    week_start: pl.Utf8 = pa.Field(nullable=True)
    time_format: pl.Int64 = pa.Field(nullable=True)
    logo_url: pl.Utf8 = pa.Field(nullable=True)
    metadata: pl.Utf8 = pa.Field(nullable=True, description="JSON text")

    class Config(_Strict):
        name = "teams"


class TeamMemberships(pa.DataFrameModel):
    membership_id: pl.Int64 = pa.Field(unique=True)
    team_id: pl.Int64
    user_id: pl.Int64
    role: pl.Utf8 = pa.Field(isin=MEMBERSHIP_ROLES)
    accepted: pl.Boolean
    disable_impersonation: pl.Boolean = pa.Field(nullable=True)

    class Config(_Strict):
        name = "team_memberships"
        unique: ClassVar[list[str]] = ["team_id", "user_id"]


class Roles(pa.DataFrameModel):
    role_id: pl.Utf8 = pa.Field(unique=True)
    team_id: pl.Int64 = pa.Field(nullable=True, description="null for organization roles")
    name: pl.Utf8
    description: pl.Utf8 = pa.Field(nullable=True)
    color: pl.Utf8 = pa.Field(nullable=True)
    type: pl.Utf8 = pa.Field(isin=ROLE_TYPES)
    created_at: UTC_DATETIME = pa.Field(nullable=True)
    updated_at: UTC_DATETIME = pa.Field(nullable=True)

    class Config(_Strict):
        name = "roles"


class RolePermissions(pa.DataFrameModel):
    role_id: pl.Utf8
    permission: pl.Utf8 = pa.Field(str_matches=r"^[A-Za-z*][A-Za-z.*]*\.[A-Za-z*]+$")

    class Config(_Strict):
        name = "role_permissions"
        unique: ClassVar[list[str]] = ["role_id", "permission"]


class Webhooks(pa.DataFrameModel):
    webhook_id: pl.Utf8 = pa.Field(unique=True)  # a UUID string (the spec's number is wrong)
    subscriber_url: pl.Utf8
    triggers: pl.List(pl.Utf8)
    active: pl.Boolean
    payload_template: pl.Utf8 = pa.Field(nullable=True)

    class Config(_Strict):
        name = "webhooks"


@dataclass(frozen=True)
class TableSpec:
    """One snapshot table: its name, explicit polars schema, pandera model and key."""

    name: str
    model: type[pa.DataFrameModel]
    key: tuple[str, ...]

    @property
    def schema(self) -> pl.Schema:
        """The explicit polars schema (column order is the file's column order)."""
        columns = self.model.to_schema().columns
        return pl.Schema({name: column.dtype.type for name, column in columns.items()})

    def empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema=self.schema)


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec("users", Users, ("user_id",)),
        TableSpec("memberships", Memberships, ("membership_id",)),
        TableSpec("attributes", Attributes, ("attribute_id",)),
        TableSpec("attribute_options", AttributeOptions, ("option_id",)),
        TableSpec(
            "attribute_assignments",
            AttributeAssignments,
            ("user_id", "attribute_id", "option_id", "value"),
        ),
        TableSpec("ooo_entries", OooEntries, ("ooo_id",)),
        TableSpec("teams", Teams, ("team_id",)),
        TableSpec("team_memberships", TeamMemberships, ("membership_id",)),
        TableSpec("roles", Roles, ("role_id",)),
        TableSpec("role_permissions", RolePermissions, ("role_id", "permission")),
        TableSpec("webhooks", Webhooks, ("webhook_id",)),
    )
}

TABLE_NAMES: tuple[str, ...] = tuple(TABLES)


def schema_of(table: str) -> pl.Schema:
    """The polars schema of a snapshot table, e.g. ``schema_of("users")``."""
    return TABLES[table].schema


class UnexpectedValue(ValueError):
    """A value the API sent does not have its column's type (polars would coerce it silently:
    ``"2"`` into an integer column, ``True`` into 1)."""

    def __init__(self, table: str, column: str, value: Any, expected: str) -> None:
        self.table, self.column, self.value, self.expected = table, column, value, expected
        super().__init__(
            f"table {table}, column {column}: the API sent {value!r} "
            f"({type(value).__name__}), expected {expected}; nothing was published"
        )


# Python types a column of each dtype may hold (None is always allowed: nulls are pandera's).
_ACCEPTS: tuple[tuple[Any, tuple[type, ...], str], ...] = (
    (pl.Utf8, (str,), "text"),
    (pl.Int64, (int,), "a whole number"),
    (pl.Float64, (int, float), "a number"),
    (pl.Boolean, (bool,), "true or false"),
    (pl.List(pl.Utf8), (list,), "a list of text"),
    (UTC_DATETIME, (dt.datetime,), "a date and time"),
    (pl.Date, (dt.date,), "a date"),
)


def _accepted(dtype: Any) -> tuple[tuple[type, ...], str]:
    for known, types, expected in _ACCEPTS:
        if dtype == known:
            return types, expected
    return (object,), str(dtype)


def _check_types(table: str, schema: pl.Schema, rows: list[dict]) -> None:
    """Each column's distinct value types (one pass per column), refused when foreign."""
    for column, dtype in schema.items():
        accepted, expected = _accepted(dtype)
        values = [row.get(column) for row in rows]
        kinds = set(map(type, values)) - {type(None)}
        bad = {k for k in kinds if not issubclass(k, accepted) or (k is bool) != (bool in accepted)}
        if not bad and dtype == pl.List(pl.Utf8):
            items = [item for value in values if value for item in value]
            bad_items = set(map(type, items)) - {str}
            if bad_items:
                value = next(v for v in values if v and set(map(type, v)) & bad_items)
                raise UnexpectedValue(table, column, value, expected)
        if bad:
            raise UnexpectedValue(
                table, column, next(v for v in values if type(v) in bad), expected
            )


def frame(table: str, rows: list[dict]) -> pl.DataFrame:
    """Rows (dicts keyed by column) -> a frame with exactly the table's schema.

    Only the table's columns are read (a field the API adds is ignored); a value whose type
    does not fit its column is an :class:`UnexpectedValue` naming table, column and value.
    """
    schema = schema_of(table)
    if not rows:
        return pl.DataFrame(schema=schema)
    _check_types(table, schema, rows)
    return pl.DataFrame(rows, schema=schema, orient="row")


__all__ = [
    "ATTRIBUTE_TYPES",
    "MEMBERSHIP_ROLES",
    "OOO_REASONS",
    "ROLE_TYPES",
    "TABLES",
    "TABLE_NAMES",
    "UTC_DATETIME",
    "WEEKDAYS",
    "AttributeAssignments",
    "AttributeOptions",
    "Attributes",
    "Memberships",
    "OooEntries",
    "RolePermissions",
    "Roles",
    "TableSpec",
    "TeamMemberships",
    "Teams",
    "UnexpectedValue",
    "Users",
    "Webhooks",
    "frame",
    "schema_of",
]
