"""Backups: snapshot, change report, retention, history report."""
