"""Build a realistic org, deterministically from a seed, with bulk inserts.

``seed_org(conn, users=N, seed=S)`` creates: the org; three key holders (owner, admin,
member) with ``cal_`` API keys, plus an OAuth client; N more users (unicode names,
apostrophes, a name starting with ``=``), most with accepted org memberships (a few ADMIN,
a few pending); attributes of every type with options and assignments for most members;
teams with memberships (some ADMIN); out-of-office entries with reasons and coverers who
share a team; custom org and team roles with permissions; an org webhook.
"""

from __future__ import annotations

import json
import random
import sqlite3
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox._ratelimit import sha256
from sandbox._store import Transaction, cuid, set_meta

FIRST = [
    "Ana",
    "José",
    "Zoë",
    "Siobhán",
    "Łukasz",
    "Mei",
    "Ahmed",
    "Renée",
    "Ngozi",
    "Björn",
    "Priya",
    "Tomás",
    "Aiko",
    "Chloé",
    "Dmitri",
    "Fatima",
    "Ólafur",
    "Kwame",
    "Ines",
    "Noa",
]
LAST = [
    "García",
    "O'Brien",
    "Müller",
    "Nguyễn",
    "D'Angelo",
    "Kowalski",
    "Tanaka",
    "Okafor",
    "Smith",
    "Lindqvist",
    "Haddad",
    "Silva",
    "Dubois",
    "Ivanova",
    "Patel",
    "Cohen",
    "Jónsson",
    "Mensah",
    "Rossi",
    "Ben-David",
]
SPECIAL_NAMES = ["=Equals Sign-Start", "山田 太郎", "Renée O'Connor-Ñúñez", 'Zoë "Zed" Ångström']
TIME_ZONES = [
    "Europe/London",
    "America/New_York",
    "Asia/Tokyo",
    "Europe/Berlin",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Europe/Zurich",
]
TEAM_NAMES = [
    "Engineering",
    "Sales EMEA",
    "Support – Tier 2",
    "Marketing",
    "People & Culture",
    "Équipe Paris",
    "Finance",
    "Design Studio",
    "Customer Success",
    "Data & AI",
]
ATTRIBUTES: list[tuple[str, str, str, list[str]]] = [
    (
        "Department",
        "department",
        "SINGLE_SELECT",
        ["Engineering", "Sales", "Marketing", "Support", "People", "Finance"],
    ),
    (
        "Skills",
        "skills",
        "MULTI_SELECT",
        ["Python", "SQL", "Go", "Design", "Negotiation", "Spanish", "German", "日本語"],
    ),
    ("Office", "office", "SINGLE_SELECT", ["Zürich", "São Paulo", "Kraków", "New York", "Remote"]),
    ("Location note", "location-note", "TEXT", []),
    ("Level", "level", "NUMBER", []),
]
ROLE_SPECS = [
    (
        "Attribute Manager",
        "#0ea5e9",
        "Maintains org attributes",
        [
            "organization.attributes.read",
            "organization.attributes.update",
            "organization.attributes.create",
            "organization.attributes.editUsers",
        ],
    ),
    (
        "Read-only Auditor",
        None,
        "Reads members and bookings",
        ["organization.read", "organization.listMembers", "booking.read", "insights.read"],
    ),
]
EPOCH = datetime(2024, 1, 8, 9, 0, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in plain if ch.isalnum()) or "user"


def _user_row(user_id: int, name: str, email: str, rng: random.Random, org_id: int) -> tuple:
    username = email.split("@")[0].replace(".", "-") + "-example"
    created = _iso(EPOCH + timedelta(minutes=user_id))
    return (
        user_id,
        email,
        username,
        name,
        None,
        None,
        rng.choice(TIME_ZONES),
        rng.choice(["Monday", "Sunday"]),
        None,
        None,
        rng.choice([12, 24]),
        "en",
        0,
        "#292929",
        "#fafafa",
        None,
        "{}",
        created,
        org_id,
        user_id + 100000,
        username,
    )


USER_INSERT = (
    "INSERT INTO users (id, email, username, name, bio, avatar_url, time_zone, week_start,"
    " theme, app_theme, time_format, locale, hide_branding, brand_color, dark_brand_color,"
    " default_schedule_id, metadata, created_date, organization_id, profile_id, profile_username)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class _Seeder:
    def __init__(self, conn: sqlite3.Connection, users: int, seed: int) -> None:
        self.conn = conn
        self.count = users
        self.rng = random.Random(seed)
        self.org_id = 100 + seed % 900
        self.members: list[tuple[int, int, bool]] = []  # (user id, membership id, accepted)
        self.teams: dict[int, list[int]] = {}  # team id -> user ids

    def run(self) -> dict[str, Any]:
        conn, rng = self.conn, self.rng
        conn.execute(
            "INSERT INTO teams (id, parent_id, name, slug, is_organization)"
            " VALUES (?, NULL, ?, ?, 1)",
            (self.org_id, "Acme Sandbox Org", "acme-sandbox"),
        )
        keys = self._key_holders()
        self._users()
        self._attributes()
        self._teams()
        self._ooo()
        self._roles()
        conn.execute(
            "INSERT INTO webhooks (id, seq, team_id, subscriber_url, payload_template, active,"
            " secret, triggers) VALUES (?, 1, ?, ?, NULL, 1, ?, ?)",
            (
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                self.org_id,
                "https://hooks.example.com/cal",
                "whsec_" + format(rng.getrandbits(64), "x"),
                json.dumps(["BOOKING_CREATED", "OOO_CREATED"]),
            ),
        )
        oauth = {"client_id": cuid(rng), "secret_key": format(rng.getrandbits(256), "064x")}
        set_meta(conn, "org_id", self.org_id)
        set_meta(conn, "api_keys", keys)
        set_meta(conn, "oauth_client", oauth)
        set_meta(conn, "owner_id", 1)
        return {"org_id": self.org_id, "api_keys": keys, "oauth_client": oauth}

    def _key_holders(self) -> dict[str, str]:
        keys = {}
        holders = [
            ("owner", "OWNER", "Olivia Owner"),
            ("admin", "ADMIN", "Adam Admin"),
            ("member", "MEMBER", "Mia Member"),
        ]
        for user_id, (label, role, name) in enumerate(holders, start=1):
            email = f"{label}@acme-sandbox.example"
            self.conn.execute(USER_INSERT, _user_row(user_id, name, email, self.rng, self.org_id))
            self.conn.execute(
                "INSERT INTO memberships (id, user_id, team_id, role, accepted)"
                " VALUES (?, ?, ?, ?, 1)",
                (user_id, user_id, self.org_id, role),
            )
            key = "cal_" + format(self.rng.getrandbits(128), "032x")
            self.conn.execute(
                "INSERT INTO api_keys (hashed_key, user_id) VALUES (?, ?)",
                (sha256(key[len("cal_") :]), user_id),
            )
            keys[label] = key
        return keys

    def _users(self) -> None:
        rng = self.rng
        users, memberships = [], []
        for index in range(self.count):
            user_id = index + 4
            if index < len(SPECIAL_NAMES):
                name = SPECIAL_NAMES[index]
            else:
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            email = f"{_ascii(name.split()[0])}.{_ascii(name.split()[-1])}.{user_id}@example.com"
            users.append(_user_row(user_id, name, email, rng, self.org_id))
            role = "ADMIN" if rng.random() < 0.04 else "MEMBER"
            accepted = rng.random() > 0.03
            memberships.append((user_id, user_id, self.org_id, role, int(accepted)))
            self.members.append((user_id, user_id, accepted))
        self.conn.executemany(USER_INSERT, users)
        self.conn.executemany(
            "INSERT INTO memberships (id, user_id, team_id, role, accepted) VALUES (?, ?, ?, ?, ?)",
            memberships,
        )

    def _attributes(self) -> None:
        conn, rng = self.conn, self.rng
        option_seq = assignment_seq = 0
        options_rows, assignments = [], []
        for seq, (name, slug, kind, values) in enumerate(ATTRIBUTES, start=1):
            attribute_id = cuid(rng)
            conn.execute(
                "INSERT INTO attributes (id, seq, team_id, type, name, slug, enabled)"
                " VALUES (?, ?, ?, ?, ?, ?, 1)",
                (attribute_id, seq, self.org_id, kind, name, slug),
            )
            option_ids = []
            for value in values:
                option_seq += 1
                option_ids.append(cuid(rng))
                options_rows.append(
                    (option_ids[-1], option_seq, attribute_id, value, _ascii(value))
                )
            for _user_id, member_id, accepted in self.members:
                if not accepted or rng.random() > 0.85:
                    continue
                if kind == "MULTI_SELECT":
                    chosen = rng.sample(option_ids, rng.randint(1, 3))
                elif kind == "SINGLE_SELECT":
                    chosen = [rng.choice(option_ids)]
                else:  # TEXT / NUMBER: every value is its own option, as the API creates them
                    value = (
                        rng.choice(["Floor 3, desk 12", "Home office", "Büro Nord", "HQ"])
                        if (kind == "TEXT")
                        else str(rng.randint(1, 7))
                    )
                    option_seq += 1
                    chosen = [cuid(rng)]
                    options_rows.append((chosen[0], option_seq, attribute_id, value, _ascii(value)))
                for option_id in chosen:
                    assignment_seq += 1
                    assignments.append((cuid(rng), assignment_seq, member_id, option_id))
        conn.executemany(
            "INSERT INTO attribute_options (id, seq, attribute_id, value, slug)"
            " VALUES (?, ?, ?, ?, ?)",
            options_rows,
        )
        conn.executemany(
            "INSERT INTO attribute_to_user (id, seq, member_id, attribute_option_id)"
            " VALUES (?, ?, ?, ?)",
            assignments,
        )

    def _teams(self) -> None:
        conn, rng = self.conn, self.rng
        team_count = min(len(TEAM_NAMES), max(2, self.count // 40))
        next_membership = len(self.members) + 100
        rows = []
        for offset in range(team_count):
            team_id = self.org_id * 10 + offset + 1
            name = TEAM_NAMES[offset]
            conn.execute(
                "INSERT INTO teams (id, parent_id, name, slug, bio) VALUES (?, ?, ?, ?, ?)",
                (team_id, self.org_id, name, _ascii(name), f"The {name} team"),
            )
            self.teams[team_id] = []
        team_ids = list(self.teams)
        for user_id, _member_id, accepted in self.members:
            for team_id in rng.sample(team_ids, rng.randint(1, min(2, len(team_ids)))):
                next_membership += 1
                role = "ADMIN" if rng.random() < 0.1 else "MEMBER"
                rows.append((next_membership, user_id, team_id, role, int(accepted)))
                if accepted:
                    self.teams[team_id].append(user_id)
        conn.executemany(
            "INSERT INTO memberships (id, user_id, team_id, role, accepted) VALUES (?, ?, ?, ?, ?)",
            rows,
        )

    def _ooo(self) -> None:
        """OOO entries the API itself would accept in any order: nobody is away while covering
        for someone, nobody covers while away (OOOService refuses a redirect that loops)."""
        rng = self.rng
        rows = []
        spans: list[tuple[int, int | None, datetime, datetime]] = []  # user, coverer, start, end

        def overlapping(user: int, start: datetime, end: datetime) -> list[tuple]:
            return [s for s in spans if start <= s[3] and s[2] <= end and user in (s[0], s[1])]

        for team_members in self.teams.values():
            for user_id in team_members:
                if rng.random() > 0.08:
                    continue
                start = EPOCH + timedelta(days=rng.randint(30, 400))
                end = start + timedelta(days=rng.randint(0, 14))
                coverers = [u for u in team_members if u != user_id]
                to_user = rng.choice(coverers) if coverers and rng.random() < 0.6 else None
                if any(s[1] == user_id for s in overlapping(user_id, start, end)):
                    continue  # covering for someone then: the API refuses their own entry
                if to_user is not None and overlapping(to_user, start, end):
                    to_user = None  # away or covering then: no redirect to them
                spans.append((user_id, to_user, start, end))
                rows.append(
                    (
                        str(uuid.UUID(int=rng.getrandbits(128))),
                        user_id,
                        to_user,
                        _iso(start.replace(hour=0, minute=0)),
                        _iso(end.replace(hour=23, minute=59, second=59, microsecond=999000)),
                        rng.choice([None, "Annual leave", "Conference – Lisbon"]),
                        rng.randint(1, 5),
                    )
                )
        self.conn.executemany(
            'INSERT INTO ooo (uuid, user_id, to_user_id, start, "end", notes, reason_id)'
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def _roles(self) -> None:
        now = _iso(EPOCH)
        specs = [(self.org_id, *spec) for spec in ROLE_SPECS]
        first_team = next(iter(self.teams))
        specs.append(
            (
                first_team,
                "Team Scheduler",
                "#22c55e",
                None,
                ["eventType.read", "eventType.update", "booking.read"],
            )
        )
        for seq, (team_id, name, color, description, permissions) in enumerate(specs, start=1):
            self.conn.execute(
                "INSERT INTO roles (id, seq, team_id, name, color, description, permissions,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    cuid(self.rng),
                    seq,
                    team_id,
                    name,
                    color,
                    description,
                    json.dumps(permissions),
                    now,
                    now,
                ),
            )


def seed_org(conn: sqlite3.Connection, *, users: int, seed: int) -> dict[str, Any]:
    """Seed an empty database; returns {org_id, api_keys, oauth_client}."""
    with Transaction(conn):
        return _Seeder(conn, users, seed).run()
