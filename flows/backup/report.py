"""The history report of an organization: ``report.xlsx`` and ``report.md`` over its kept
snapshots (``OUT/<org_id>/<UTC>/``), needing no API call.

Headcount over time, members per team over time, people per attribute option over time
(each with a native Excel line chart), and the out-of-office entries of the next 30 days
(from the newest snapshot). Teams are named, options are ``attribute slug: value``: natural
keys, as in the change report.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
from flows.backup.retention import complete_snapshots
from transforms.diff._keys import table, team_names, with_email
from transforms.diff.attributes import held_values
from transforms.diff.ooo import DATE_FORMAT
from transforms.diff.teams import team_members

WORKBOOK_NAME = "report.xlsx"
MARKDOWN_NAME = "report.md"
UPCOMING_DAYS = 30
SELECT_TYPES = ("SINGLE_SELECT", "MULTI_SELECT")
MAX_SERIES = 40  # lines per chart; the sheet beside it has every column
TABLES = ("users", "teams", "team_memberships", "attributes", "attribute_options",
          "attribute_assignments", "ooo_entries")  # fmt: skip


def _label(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _over_time(frames: list[pl.DataFrame], column: str) -> pl.DataFrame:
    """Long (snapshot, ``column``, people) frames -> one row per snapshot, one column each."""
    long = pl.concat(frames, how="vertical")
    order = long.select("snapshot").unique(maintain_order=True)
    if long.is_empty():
        return order
    wide = long.pivot(on=column, index="snapshot", values="people", sort_columns=True)
    return order.join(wide, on="snapshot", how="left").fill_null(0)


def upcoming_ooo(tables: dict, now: datetime, days: int = UPCOMING_DAYS) -> pl.DataFrame:
    """OOO entries overlapping [now, now + days]: email, start, end, reason, coverer."""
    entries = with_email(table(tables, "ooo_entries"), tables, "user_id", "email")
    entries = with_email(entries, tables, "to_user_id", "coverer")
    return (
        entries.filter((pl.col("end") >= now) & (pl.col("start") <= now + timedelta(days=days)))
        .sort("start", "email")
        .select(
            "email",
            pl.col("start").dt.strftime(DATE_FORMAT),
            pl.col("end").dt.strftime(DATE_FORMAT),
            "reason",
            "coverer",
        )
    )


def _team_sizes(tables: dict) -> pl.DataFrame:
    """``team``, ``people``: every team of the snapshot, 0 for a team without members."""
    sizes = team_members(tables).group_by("team").agg(pl.len().cast(pl.Int64).alias("people"))
    return (
        team_names(tables)
        .select("team")
        .unique()
        .join(sizes, on="team", how="left")
        .with_columns(pl.col("people").fill_null(0))
    )


def _select_attributes_only(tables: dict) -> dict:
    """The tables with only the assignments of select attributes (options, not free text)."""
    selects = table(tables, "attributes").filter(pl.col("type").is_in(SELECT_TYPES))
    held = table(tables, "attribute_assignments").join(selects, on="attribute_id", how="semi")
    return {**tables, "attribute_assignments": held}


def history(org_dir: Path, now: datetime) -> dict:
    """The report's frames: headcount, teams, options (over time) and upcoming OOO."""
    snapshots = sorted(complete_snapshots(org_dir))
    if not snapshots:
        raise NotASnapshot(
            f"{org_dir} holds no complete snapshot; run `calbulk export` (or `calbulk backup`) "
            "for this organization first, with the same --out"
        )
    heads, teams, options, latest = [], [], [], {}
    for snapshot in snapshots:
        latest = read_snapshot(snapshot.path, only=TABLES)
        label = pl.lit(_label(snapshot.taken_at)).alias("snapshot")
        heads.append({"snapshot": _label(snapshot.taken_at), "folder": snapshot.path.name,
                      "headcount": latest["users"].height if "users" in latest else 0})  # fmt: skip
        teams.append(_team_sizes(latest).select(label, "team", "people"))
        held = held_values(_select_attributes_only(latest))
        held = held.with_columns(pl.format("{}: {}", "attribute", "value").alias("option"))
        per_option = held.group_by("option").agg(pl.len().cast(pl.Int64).alias("people"))
        options.append(per_option.select(label, "option", "people"))
    return {
        "headcount": pl.DataFrame(
            heads, schema={"snapshot": pl.Utf8, "folder": pl.Utf8, "headcount": pl.Int64}
        ),
        "teams": _over_time(teams, "team"),
        "options": _over_time(options, "option"),
        "upcoming_ooo": upcoming_ooo(latest, now),
    }


def _line_chart(book, sheet: str, data: pl.DataFrame, first_col: int, title: str):
    chart = book.add_chart({"type": "line"})
    last_row = data.height
    for col in range(first_col, min(data.width, first_col + MAX_SERIES)):
        chart.add_series({"name": [sheet, 0, col], "categories": [sheet, 1, 0, last_row, 0],
                          "values": [sheet, 1, col, last_row, col]})  # fmt: skip
    chart.set_title({"name": title})
    chart.set_y_axis({"name": "people", "min": 0})
    return chart


def write_report_workbook(path: Path, frames: dict) -> None:
    book = xlsxwriter.Workbook(str(path))
    formats = book_formats(book)
    charts = {"headcount": (2, "Headcount over time"), "teams": (1, "Members per team"),
              "options": (1, "People per attribute option")}  # fmt: skip
    for name, data in frames.items():
        sheet = book.add_worksheet(name)
        write_frame(sheet, data, formats)
        first_col, title = charts.get(name, (None, None))
        if first_col is not None and data.height and data.width > first_col:
            anchor = xlsxwriter.utility.xl_rowcol_to_cell(1, data.width + 1)
            sheet.insert_chart(anchor, _line_chart(book, name, data, first_col, title))
    book.close()


def _table(data: pl.DataFrame) -> list[str]:
    if data.is_empty():
        return ["None."]
    cell = lambda v: "" if v is None else str(v).replace("|", "\\|")  # noqa: E731
    rows = [" | ".join(cell(v) for v in row) for row in data.iter_rows()]
    header = " | ".join(data.columns)
    return [f"| {header} |", "|" + "---|" * data.width, *(f"| {r} |" for r in rows)]


def _newest(over_time: pl.DataFrame) -> pl.DataFrame:
    """The newest snapshot's row of a wide over-time frame, as (name, people) rows."""
    newest = over_time.tail(1).drop("snapshot")
    return newest.transpose(include_header=True, header_name="name", column_names=["people"])


def report_markdown(org_dir: Path, frames: dict, now: datetime) -> str:
    heads = frames["headcount"]
    newest = heads.row(-1, named=True)
    lines = [f"# Organization report: {Path(org_dir).name}", "",
             f"{heads.height} snapshot(s), {heads.row(0)[0]} to {newest['snapshot']} UTC; "
             f"headcount now {newest['headcount']}.", "", "## Headcount over time", "",
             *_table(heads), "", "## Members per team (newest snapshot)", ""]  # fmt: skip
    teams, options = frames["teams"], frames["options"]
    lines += _table(_newest(teams)) if teams.width > 1 else ["None."]
    lines += ["", "## People per attribute option (newest snapshot)", ""]
    lines += _table(_newest(options)) if options.width > 1 else ["None."]
    lines += ["", f"## Out of office in the next {UPCOMING_DAYS} days (from {now:%Y-%m-%d})", ""]
    lines += _table(frames["upcoming_ooo"])
    return "\n".join(lines) + "\n"


def write_org_report(org_dir: Path, out: Path, now: datetime | None = None) -> dict:
    """Write ``report.xlsx`` and ``report.md`` into ``out`` (owner-only) over every complete
    snapshot in ``org_dir``; returns a summary (snapshots, headcount, upcoming OOO, files)."""
    org_dir, out = Path(org_dir), Path(out)
    now = now or datetime.now(UTC)
    frames = history(org_dir, now)
    workbook = write_owner_only(out / WORKBOOK_NAME, lambda t: write_report_workbook(t, frames))
    markdown = write_text(out / MARKDOWN_NAME, report_markdown(org_dir, frames, now))
    return {
        "org_dir": str(org_dir),
        "snapshots": frames["headcount"].get_column("folder").to_list(),
        "headcount": frames["headcount"].select("snapshot", "headcount").to_dicts(),
        "upcoming_ooo": frames["upcoming_ooo"].to_dicts(),
        "files": [str(workbook), str(markdown)],
    }


__all__ = ["MARKDOWN_NAME", "WORKBOOK_NAME", "history", "upcoming_ooo", "write_org_report"]
