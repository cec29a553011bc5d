"""Org-to-org migration: a snapshot of one organization imported into another."""
