"""The choices the CLI's help names, kept here so ``--help`` imports no polars or pandera.

tests/cli/test_help_and_docs.py checks each equals its home (the snapshot schemas, the
snapshot writer, the planner), so they cannot drift.
"""

from __future__ import annotations

TABLE_NAMES = ("users", "memberships", "attributes", "attribute_options",
               "attribute_assignments", "ooo_entries", "teams", "team_memberships", "roles",
               "role_permissions", "webhooks")  # fmt: skip
FORMATS = ("parquet", "csv", "xlsx")
DEFAULT_FORMATS = ("parquet", "csv")
MODES = ("add", "sync")
DEFAULT_OUT = "data/exports"
DEFAULT_KEEP = {"keep_daily": 7, "keep_weekly": 4, "keep_monthly": 12}  # backup and prune
