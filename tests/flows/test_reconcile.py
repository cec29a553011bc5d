"""An export whose listings disagree (another run wrote in between) reconciles them.

The sandbox is real; the "earlier listing" is the real users (or teams) listing with the
rows a concurrent import would have created after it taken out, which is exactly what an
export saw when it listed users before the import created them and team memberships after.
"""

from __future__ import annotations

import asyncio

import polars as pl
import pytest

from calapi import CalClient, Settings
from flows.export.fetch import fetch_tables
from flows.export.reconcile import reconcile_listings
from flows.progress import TableProgress
from transforms.snapshot.checks import validate_snapshot
from transforms.snapshot.schemas import TABLE_NAMES


@pytest.fixture(scope="module")
def listed(tmp_path_factory):
    """Every table of a small seeded org, and how to reach it again."""
    from tests.conftest import launch_sandbox

    box = launch_sandbox(tmp_path_factory.mktemp("reconcile"), seed_users=12, seed=5,
                         rate_limit=100000)  # fmt: skip
    settings = Settings(api_url=box.base_url, api_key=box.api_key, org_id=box.org_id)

    async def read():
        async with CalClient(settings) as cal:
            return await fetch_tables(cal, list(TABLE_NAMES), TableProgress([], enabled=False))

    yield settings, asyncio.run(read())
    box.stop()


def reconcile(settings, tables):
    async def run():
        async with CalClient(settings) as cal:
            return await reconcile_listings(cal, dict(tables))

    return asyncio.run(run())


def test_users_a_later_listing_names_are_re_read_and_recorded(listed):
    settings, tables = listed
    members = tables["team_memberships"].get_column("user_id").unique().sort()
    late = members.head(2).to_list()  # "created by the import after the users listing"
    early = {**tables, "users": tables["users"].filter(~pl.col("user_id").is_in(late))}
    assert not validate_snapshot(early).ok  # what the export used to stop on

    merged, reconciled = reconcile(settings, early)

    assert validate_snapshot(merged).ok
    assert merged["users"].equals(tables["users"])  # the same table as one listing gives
    (users,) = [r for r in reconciled if r.table == "users"]
    assert users.missing == 2 and users.added == 2
    assert "team_memberships.user_id" in users.because
    assert users.as_manifest()["how"] == "re-listed users"


def test_teams_are_re_read_too(listed):
    settings, tables = listed
    team = tables["team_memberships"].get_column("team_id").head(1).to_list()
    early = {**tables, "teams": tables["teams"].filter(~pl.col("team_id").is_in(team))}

    merged, reconciled = reconcile(settings, early)

    assert validate_snapshot(merged).ok
    assert [(r.table, r.added) for r in reconciled] == [("teams", 1)]


def test_listings_that_agree_cost_nothing_and_record_nothing(listed):
    settings, tables = listed
    merged, reconciled = reconcile(settings, tables)
    assert reconciled == []
    assert all(merged[name].equals(tables[name]) for name in tables)


def test_a_reference_nothing_can_explain_is_left_for_validation(listed):
    settings, tables = listed
    ghost = (
        tables["team_memberships"]
        .head(1)
        .with_columns(pl.lit(987654).cast(pl.Int64).alias("user_id"))
    )
    broken = {**tables, "team_memberships": pl.concat([tables["team_memberships"], ghost])}

    merged, reconciled = reconcile(settings, broken)

    assert not validate_snapshot(merged).ok  # still refused: the user exists nowhere
    assert [(r.table, r.missing, r.added) for r in reconciled] == [("users", 1, 0)]  # once
