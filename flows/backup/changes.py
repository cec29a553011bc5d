"""The change report between two snapshots: ``changes.json``, ``changes.md``, ``changes.xlsx``.

``write_change_report(old, new, out)`` reads both snapshot folders' Parquet tables, compares
them with ``transforms.diff`` (natural keys, never ids) and writes the three files into
``out`` (owner-only). The JSON is the contract (issue 10); the Markdown is the same for a
person, counts first; the workbook has a summary sheet with native charts (changes per kind,
headcount per team old vs new) and one sheet per kind of change.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import xlsxwriter

from flows.backup._files import (
    NotASnapshot,
    book_formats,
    read_snapshot,
    write_frame,
    write_owner_only,
    write_text,
)
from transforms.diff import KINDS, SnapshotChanges, diff_snapshots

JSON_NAME = "changes.json"
MARKDOWN_NAME = "changes.md"
WORKBOOK_NAME = "changes.xlsx"
TITLES = {
    "joiners": "Joiners",
    "leavers": "Leavers",
    "org_role_changes": "Organization role changes",
    "team_membership_changes": "Team membership changes",
    "attribute_changes": "Attribute changes",
    "ooo_changes": "Out-of-office changes",
    "definition_changes": "Definition changes (teams, attributes, options, roles, webhooks)",
}
JSON_COLUMNS = {  # the shape: detail of OOO changes is for people (md, xlsx) only
    "org_role_changes": ["email", "from", "to"],
    "team_membership_changes": ["email", "team", "change", "from", "to"],
    "attribute_changes": ["email", "attribute", "removed", "added"],
    "ooo_changes": ["email", "start", "end", "change"],
    "definition_changes": ["kind", "key", "change", "detail"],
}


def compare_folders(old: Path, new: Path) -> tuple[SnapshotChanges, list[str]]:
    """The changes, and the tables not compared because one snapshot does not have them."""
    if Path(old).resolve() == Path(new).resolve():
        raise NotASnapshot(f"OLD and NEW are the same folder ({old}); give two snapshots")
    old_tables, new_tables = read_snapshot(old), read_snapshot(new)
    for folder, tables in ((old, old_tables), (new, new_tables)):
        if "users" not in tables:
            raise NotASnapshot(
                f"{folder} has no users table (exported with --only?); a comparison needs users"
            )
    both = sorted(set(old_tables) & set(new_tables))
    skipped = sorted(set(old_tables) ^ set(new_tables))
    pick = lambda tables: {name: tables[name] for name in both}  # noqa: E731
    return diff_snapshots(pick(old_tables), pick(new_tables)), skipped


def changes_document(changes: SnapshotChanges, old: Path, new: Path) -> dict:
    """The ``changes.json`` dict."""
    document: dict = {"old": str(old), "new": str(new)}
    document["joiners"] = changes.joiners.get_column("email").to_list()
    document["leavers"] = changes.leavers.get_column("email").to_list()
    for kind, columns in JSON_COLUMNS.items():
        document[kind] = getattr(changes, kind).select(columns).to_dicts()
    document["counts"] = changes.counts()
    return document


def _line(kind: str, row: dict) -> str:
    if kind in ("joiners", "leavers"):
        return row["email"]
    if kind == "org_role_changes":
        return f"{row['email']}: {row['from'] or 'no role'} → {row['to'] or 'no role'}"
    if kind == "team_membership_changes":
        if row["change"] == "role":
            return f"{row['email']}: role in {row['team']} {row['from']} → {row['to']}"
        side = row["to"] if row["change"] == "joined" else row["from"]
        return f"{row['email']} {row['change']} {row['team']} (as {side})"
    if kind == "attribute_changes":
        parts = [f"removed {', '.join(row['removed'])}" if row["removed"] else "",
                 f"added {', '.join(row['added'])}" if row["added"] else ""]  # fmt: skip
        return f"{row['email']}, {row['attribute']}: {'; '.join(p for p in parts if p)}"
    if kind == "ooo_changes":
        detail = f" ({row['detail']})" if row["detail"] else ""
        return f"{row['email']}: {row['start']} to {row['end']} {row['change']}{detail}"
    detail = f": {row['detail']}" if row["detail"] else ""
    return f"{row['kind']} {row['key']} {row['change']}{detail}"


def changes_markdown(changes: SnapshotChanges, old: Path, new: Path, skipped: list[str]) -> str:
    """``changes.md``: counts first, then one list per kind."""
    lines = [f"# Changes from {Path(old).name} to {Path(new).name}", "",
             f"- old snapshot: `{old}`", f"- new snapshot: `{new}`", ""]  # fmt: skip
    if skipped:
        lines += [f"Not compared (only one snapshot has them): {', '.join(skipped)}.", ""]
    lines += ["| kind of change | count |", "|---|---:|"]
    lines += [f"| {TITLES[kind]} | {n} |" for kind, n in changes.counts().items()]
    for kind, frame in changes.frames().items():
        lines += ["", f"## {TITLES[kind]} ({frame.height})", ""]
        rows = frame.to_dicts()
        lines += [f"- {_line(kind, row)}" for row in rows] if rows else ["None."]
    return "\n".join(lines) + "\n"


def _sheet_frame(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    lists = [n for n, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    return frame.with_columns(pl.col(n).list.join(", ") for n in lists)


def write_changes_workbook(path: Path, changes: SnapshotChanges) -> None:
    """Summary (counts and headcounts, with native charts) then one sheet per kind."""
    book = xlsxwriter.Workbook(str(path))
    formats = book_formats(book)
    summary = book.add_worksheet("summary")
    counts = pl.DataFrame(
        {"kind": list(changes.counts()), "count": list(changes.counts().values())},
        schema={"kind": pl.Utf8, "count": pl.Int64},
    )
    write_frame(summary, counts, formats)
    per_kind = book.add_chart({"type": "bar"})
    per_kind.add_series({"name": "changes", "categories": ["summary", 1, 0, len(KINDS), 0],
                         "values": ["summary", 1, 1, len(KINDS), 1]})  # fmt: skip
    per_kind.set_title({"name": "Changes per kind"})
    per_kind.set_legend({"none": True})
    summary.insert_chart("E2", per_kind)
    heads = changes.team_headcounts
    top = len(KINDS) + 3
    write_frame(summary, heads, formats, row=top)
    if heads.height:
        per_team = book.add_chart({"type": "column"})
        for col, name in ((1, "old"), (2, "new")):
            last = top + heads.height
            per_team.add_series(
                {
                    "name": f"headcount {name}",
                    "categories": ["summary", top + 1, 0, last, 0],
                    "values": ["summary", top + 1, col, last, col],
                }
            )
        per_team.set_title({"name": "Headcount per team, old vs new"})
        summary.insert_chart("E18", per_team)
    for kind, frame in changes.frames().items():
        write_frame(book.add_worksheet(kind), _sheet_frame(kind, frame), formats)
    book.close()


def write_change_report(old: Path, new: Path, out: Path) -> dict:
    """Compare snapshot folders ``old`` and ``new``; write changes.json/.md/.xlsx into ``out``.

    Returns the ``changes.json`` dict. Raises ``NotASnapshot`` (a ``ValueError``) for a
    folder that is not a complete snapshot.
    """
    old, new, out = Path(old), Path(new), Path(out)
    changes, skipped = compare_folders(old, new)
    document = changes_document(changes, old, new)
    write_text(out / JSON_NAME, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    write_text(out / MARKDOWN_NAME, changes_markdown(changes, old, new, skipped))
    write_owner_only(out / WORKBOOK_NAME, lambda temp: write_changes_workbook(temp, changes))
    return document


__all__ = [
    "JSON_NAME",
    "MARKDOWN_NAME",
    "WORKBOOK_NAME",
    "changes_document",
    "changes_markdown",
    "compare_folders",
    "write_change_report",
]
