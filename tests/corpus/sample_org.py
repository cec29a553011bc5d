"""A small organization as snapshot tables, for offline validation and plan tests."""

from __future__ import annotations

import datetime as dt

import polars as pl

from transforms.org_state import OrgState, org_state_from_tables

UTC = dt.UTC


def sample_tables() -> dict[str, pl.DataFrame]:
    """Two members (Bob, Carol), two teams, one attribute of each type, one OOO, one role."""
    return {
        "users": pl.DataFrame(
            {
                "user_id": [10, 11],
                "email": ["bob@example.com", "carol@example.com"],
                "username": ["bob", "carol"],
                "name": ["Bob", "Carol"],
                "time_zone": ["Europe/London", "UTC"],
                "locale": ["en", "de"],
                "time_format": [24, 12],
                "week_start": ["Monday", "Sunday"],
            }
        ),
        "memberships": pl.DataFrame(
            {
                "membership_id": [100, 101],
                "user_id": [10, 11],
                "role": ["MEMBER", "ADMIN"],
                "accepted": [True, True],
            }
        ),
        "attributes": pl.DataFrame(
            {
                "attribute_id": ["att-dep", "att-skill", "att-level", "att-desk"],
                "name": ["Department", "Skills", "Level", "Desk"],
                "slug": ["department", "skills", "level", "desk"],
                "type": ["SINGLE_SELECT", "MULTI_SELECT", "NUMBER", "TEXT"],
                "enabled": [True] * 4,
            }
        ),
        "attribute_options": pl.DataFrame(
            {
                "option_id": ["o-eng", "o-sales", "o-py", "o-go", "o-3", "o-desk"],
                "attribute_id": [
                    "att-dep",
                    "att-dep",
                    "att-skill",
                    "att-skill",
                    "att-level",
                    "att-desk",
                ],
                "value": ["Engineering", "Sales", "Python", "Go", "3", "B-12"],
                "slug": ["engineering", "sales", "python", "go", "3", "b-12"],
            }
        ),
        "attribute_assignments": pl.DataFrame(
            {
                "user_id": [10, 10, 10],
                "attribute_id": ["att-dep", "att-skill", "att-level"],
                "option_id": ["o-sales", "o-py", "o-3"],
                "value": ["Sales", "Python", "3"],
            }
        ),
        "teams": pl.DataFrame(
            {
                "team_id": [1, 2],
                "name": ["Sales", "Customer Support"],
                "slug": ["sales", "customer-support"],
            }
        ),
        "team_memberships": pl.DataFrame(
            {
                "membership_id": [200, 201],
                "team_id": [1, 2],
                "user_id": [10, 11],
                "role": ["MEMBER", "ADMIN"],
                "accepted": [True, True],
            }
        ),
        "ooo_entries": pl.DataFrame(
            {
                "ooo_id": [1],
                "user_id": [10],
                "to_user_id": [11],
                "start": [dt.datetime(2026, 7, 1, tzinfo=UTC)],
                "end": [dt.datetime(2026, 7, 14, 23, 59, 59, tzinfo=UTC)],
                "reason": ["vacation"],
                "notes": [None],
            }
        ),
        "roles": pl.DataFrame(
            {
                "role_id": ["r-admin", "r-audit"],
                "team_id": [None, None],
                "name": ["Admin", "Auditor"],
                "description": ["built in", "reads bookings"],
                "color": [None, "#112233"],
                "type": ["SYSTEM", "CUSTOM"],
            },
            schema_overrides={"team_id": pl.Int64},
        ),
        "role_permissions": pl.DataFrame({"role_id": ["r-audit"], "permission": ["booking.read"]}),
    }


def sample_state() -> OrgState:
    return org_state_from_tables(sample_tables())
