"""The sandbox's SQLite database: one connection, the schema, and tiny query helpers.

The schema mirrors the parts of Cal.com's Prisma schema the emulated endpoints touch:
users with an org profile, memberships (org and team share one table, as in Cal.com),
attributes / options / assignments, out-of-office entries, custom roles, webhooks, and
the sandbox's own credentials and settings (``meta``). Unique constraints stand in for
Prisma's, so a duplicate insert becomes the same 409 the real API returns.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT, parent_id INTEGER, name TEXT NOT NULL, slug TEXT,
    is_organization INTEGER NOT NULL DEFAULT 0, bio TEXT, is_private INTEGER NOT NULL DEFAULT 0,
    hide_branding INTEGER NOT NULL DEFAULT 0, extra TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE, username TEXT, name TEXT,
    bio TEXT, avatar_url TEXT, time_zone TEXT NOT NULL DEFAULT 'Europe/London',
    week_start TEXT NOT NULL DEFAULT 'Sunday', theme TEXT, app_theme TEXT,
    time_format INTEGER DEFAULT 12, locale TEXT DEFAULT 'en', hide_branding INTEGER NOT NULL
    DEFAULT 0, brand_color TEXT DEFAULT '#292929', dark_brand_color TEXT DEFAULT '#fafafa',
    default_schedule_id INTEGER, metadata TEXT NOT NULL DEFAULT '{}', created_date TEXT NOT NULL,
    organization_id INTEGER, profile_id INTEGER, profile_username TEXT
);
CREATE INDEX IF NOT EXISTS users_org ON users (organization_id, id);
CREATE TABLE IF NOT EXISTS memberships (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE, role TEXT NOT NULL,
    accepted INTEGER NOT NULL, disable_impersonation INTEGER NOT NULL DEFAULT 0,
    UNIQUE (user_id, team_id)
);
CREATE INDEX IF NOT EXISTS memberships_team ON memberships (team_id, id);
CREATE TABLE IF NOT EXISTS attributes (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, team_id INTEGER NOT NULL, type TEXT NOT NULL,
    name TEXT NOT NULL, slug TEXT NOT NULL UNIQUE, enabled INTEGER NOT NULL DEFAULT 1,
    users_can_edit_relation INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS attribute_options (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL,
    attribute_id TEXT NOT NULL REFERENCES attributes (id) ON DELETE CASCADE,
    value TEXT NOT NULL, slug TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS options_attribute ON attribute_options (attribute_id, seq);
CREATE TABLE IF NOT EXISTS attribute_to_user (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL,
    member_id INTEGER NOT NULL REFERENCES memberships (id) ON DELETE CASCADE,
    attribute_option_id TEXT NOT NULL REFERENCES attribute_options (id) ON DELETE CASCADE,
    UNIQUE (member_id, attribute_option_id)
);
CREATE INDEX IF NOT EXISTS assignments_option ON attribute_to_user (attribute_option_id);
CREATE TABLE IF NOT EXISTS ooo (
    id INTEGER PRIMARY KEY AUTOINCREMENT, uuid TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    to_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    start TEXT NOT NULL, "end" TEXT NOT NULL, notes TEXT, reason_id INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ooo_user ON ooo (user_id, id);
CREATE TABLE IF NOT EXISTS roles (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, team_id INTEGER NOT NULL, name TEXT NOT NULL,
    color TEXT, description TEXT, type TEXT NOT NULL DEFAULT 'CUSTOM',
    permissions TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    UNIQUE (team_id, name)
);
CREATE TABLE IF NOT EXISTS webhooks (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, team_id INTEGER NOT NULL,
    subscriber_url TEXT NOT NULL,
    payload_template TEXT, active INTEGER NOT NULL, secret TEXT, triggers TEXT NOT NULL,
    version TEXT NOT NULL DEFAULT '2021-10-20'
);
CREATE TABLE IF NOT EXISTS api_keys (
    hashed_key TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE
);
"""


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (and create if needed) the database; one connection serves every request."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(SCHEMA)
    return conn


def is_seeded(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM meta WHERE key = 'org_id'").fetchone() is not None


def get_meta(conn: sqlite3.Connection, key: str) -> Any:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else json.loads(row["value"])


def set_meta(conn: sqlite3.Connection, key: str, value: Any) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(value)),
    )


def next_seq(conn: sqlite3.Connection, table: str) -> int:
    """Insertion counter for tables keyed by string ids (keeps list order = insertion order)."""
    row = conn.execute(f"SELECT COALESCE(MAX(seq), 0) + 1 FROM {table}").fetchone()
    return int(row[0])


def owned_row(conn: sqlite3.Connection, table: str, row_id: object, team_id: int) -> Any:
    """The row ``row_id`` of ``table`` if it belongs to org/team ``team_id``, else None."""
    sql = f"SELECT * FROM {table} WHERE id = ? AND team_id = ?"
    return conn.execute(sql, (row_id, team_id)).fetchone()


def update_row(conn: sqlite3.Connection, table: str, row_id: object, values: dict) -> None:
    """``UPDATE table SET col = ?, ... WHERE id = ?``; nothing to do for no values.

    Column names come from the handlers' own mappings, never from a request body.
    """
    if values:
        sets = ", ".join(f"{column} = ?" for column in values)
        conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", [*values.values(), row_id])


class Transaction:
    """``with Transaction(conn):`` runs the block in BEGIN IMMEDIATE ... COMMIT/ROLLBACK."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


def cuid(rng: random.Random | None = None) -> str:
    """A cuid-looking string id (Cal.com uses cuids for attributes, options and roles)."""
    bits = (rng or _SYSTEM_RANDOM).getrandbits(120)
    return "c" + format(bits, "030x")[:24]


_SYSTEM_RANDOM = random.SystemRandom()


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
