"""The spreadsheet stage: reading import files, their columns and templates; snapshot as sheets."""
