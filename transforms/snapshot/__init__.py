"""The snapshot stage: API records -> the snapshot tables, their schemas and cross-table checks."""
