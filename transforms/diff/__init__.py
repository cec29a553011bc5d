"""The diff stage: two snapshots' tables -> what changed between them, as polars frames.

Every comparison joins on natural keys (user e-mail, team name, attribute slug, option
value, role name and team, OOO user + start + end, webhook subscriber URL), never on ids,
so a restored or migrated organization with new ids and the same people shows no change.
Joiners and leavers are listed only as such: the per-person kinds cover people present in
both snapshots. One module per kind of change; ``diff_snapshots`` runs them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from transforms.diff.attributes import attribute_changes
from transforms.diff.definitions import definition_changes
from transforms.diff.ooo import ooo_changes
from transforms.diff.people import joiners, leavers, org_role_changes
from transforms.diff.teams import team_headcounts, team_membership_changes

KINDS = (
    "joiners",
    "leavers",
    "org_role_changes",
    "team_membership_changes",
    "attribute_changes",
    "ooo_changes",
    "definition_changes",
)


@dataclass(frozen=True)
class SnapshotChanges:
    """One frame per kind of change (``KINDS``) plus the headcount per team, old vs new."""

    joiners: pl.DataFrame
    leavers: pl.DataFrame
    org_role_changes: pl.DataFrame
    team_membership_changes: pl.DataFrame
    attribute_changes: pl.DataFrame
    ooo_changes: pl.DataFrame
    definition_changes: pl.DataFrame
    team_headcounts: pl.DataFrame

    def frames(self) -> dict[str, pl.DataFrame]:
        """Kind -> frame, in ``KINDS`` order."""
        return {kind: getattr(self, kind) for kind in KINDS}

    def counts(self) -> dict[str, int]:
        return {kind: frame.height for kind, frame in self.frames().items()}


def diff_snapshots(
    old: Mapping[str, pl.DataFrame], new: Mapping[str, pl.DataFrame]
) -> SnapshotChanges:
    """Compare two snapshots given as table name -> frame (a missing table reads as empty)."""
    return SnapshotChanges(
        joiners=joiners(old, new),
        leavers=leavers(old, new),
        org_role_changes=org_role_changes(old, new),
        team_membership_changes=team_membership_changes(old, new),
        attribute_changes=attribute_changes(old, new),
        ooo_changes=ooo_changes(old, new),
        definition_changes=definition_changes(old, new),
        team_headcounts=team_headcounts(old, new),
    )


__all__ = ["KINDS", "SnapshotChanges", "diff_snapshots"]
