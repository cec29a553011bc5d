"""Validate the definition sheets: ``teams``, ``attributes`` and ``webhooks``.

Each sheet is normalised (booleans, enums, ``;``-separated lists in the API's spelling) and
checked cell by cell and against its own rows (a team, attribute slug or subscriber URL once).
Every problem names the row as Excel shows it, the column as typed, the value and what is
accepted. Definitions are a handful per organization, so the checks run over the rows.

The accepted values are the API's: attribute types from the create-attribute input, webhook
triggers from the webhook input's enum (the sandbox enforces the same lists).
"""

from __future__ import annotations

import polars as pl

from transforms.org_state import Attribute, OrgState
from transforms.problems import Problem
from transforms.sheets.building import Sheet
from transforms.sheets.columns import CANONICAL_COLUMNS, DEFINITION_KINDS
from transforms.validate.rules import (
    WEEKDAYS,
    normalise_time_zone,
    normalise_week_start,
    split_list,
    time_zones,
)

ATTRIBUTE_TYPES = ("TEXT", "NUMBER", "SINGLE_SELECT", "MULTI_SELECT")
SELECT_TYPES = ("SINGLE_SELECT", "MULTI_SELECT")
WEBHOOK_TRIGGERS = (
    "BOOKING_CREATED", "BOOKING_PAYMENT_INITIATED", "BOOKING_PAID", "BOOKING_RESCHEDULED",
    "BOOKING_REQUESTED", "BOOKING_CANCELLED", "BOOKING_REJECTED", "BOOKING_NO_SHOW_UPDATED",
    "FORM_SUBMITTED", "MEETING_ENDED", "MEETING_STARTED", "RECORDING_READY", "INSTANT_MEETING",
    "RECORDING_TRANSCRIPTION_GENERATED", "OOO_CREATED", "AFTER_HOSTS_CAL_VIDEO_NO_SHOW",
    "AFTER_GUESTS_CAL_VIDEO_NO_SHOW", "FORM_SUBMITTED_NO_EVENT", "DELEGATION_CREDENTIAL_ERROR",
    "WRONG_ASSIGNMENT_REPORT",
)  # fmt: skip
TRIGGERS_ACCEPTED = "triggers separated by ;, each one of: " + ", ".join(WEBHOOK_TRIGGERS)
TEAM_BOOLEANS = ("is_private", "hide_book_a_team_member", "hide_branding")
TRUE_WORDS = ("true", "yes", "y", "1", "x")
FALSE_WORDS = ("false", "no", "n", "0")
BOOLEAN_ACCEPTED = "TRUE or FALSE (yes/no, 1/0 work too)"


def slugify(value: str) -> str:
    """A slug like the API's own (lower case, dashes)."""
    slug = "".join(c if c.isalnum() else "-" for c in value.strip().lower())
    return "-".join(part for part in slug.split("-") if part)


def parse_bool(value: str | None) -> bool | None:
    """``'TRUE'``, ``'yes'``, ``'1'`` -> True; empty -> None; anything else raises ValueError."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip().casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(value)


def normalise_attribute_type(value: str) -> str:
    """``'single select'`` -> ``SINGLE_SELECT``; unknown text is kept (and refused)."""
    text = "_".join(value.strip().upper().replace("-", " ").split())
    return {"SELECT": "SINGLE_SELECT", "MULTISELECT": "MULTI_SELECT"}.get(text, text)


def definition_problems(sheet: Sheet) -> tuple[pl.DataFrame, list[Problem]]:
    """The sheet normalised (every canonical column present, text trimmed) and its problems."""
    frame = sheet.frame.with_columns(
        pl.lit(None, dtype=pl.Utf8).alias(c)
        for c in CANONICAL_COLUMNS[sheet.kind]
        if c not in sheet.frame.columns
    ).with_columns(
        pl.col(c).str.strip_chars().replace("", None) for c in CANONICAL_COLUMNS[sheet.kind]
    )
    check = {"teams": _teams, "attributes": _attributes, "webhooks": _webhooks}[sheet.kind]
    rows, problems = [], []
    for entry in frame.iter_rows(named=True):
        rows.append(check(entry, sheet, problems))
    normalised = pl.DataFrame(rows, schema=frame.schema, orient="row") if rows else frame
    problems += _duplicates(normalised, sheet, *_KEYS[sheet.kind])
    if sheet.kind == "teams":
        problems += _duplicates(normalised, sheet, "slug", "team slug")
    return normalised, problems


def _booleans(entry: dict, columns: tuple[str, ...], sheet: Sheet, problems: list) -> None:
    for column in columns:
        try:
            value = parse_bool(entry[column])
        except ValueError:
            problems.append(
                sheet.problem(entry["row"], column, entry[column], "not a yes/no value",
                              BOOLEAN_ACCEPTED)
            )  # fmt: skip
            continue
        entry[column] = None if value is None else str(value).lower()


def _teams(entry: dict, sheet: Sheet, problems: list) -> dict:
    row = entry["row"]
    if not entry["name"]:
        problems.append(sheet.problem(row, "name", None, "the team has no name", "a team name"))
    _booleans(entry, TEAM_BOOLEANS, sheet, problems)
    if entry["slug"]:
        entry["slug"] = entry["slug"].lower()
        if entry["slug"] != slugify(entry["slug"]):
            problems.append(
                sheet.problem(row, "slug", entry["slug"], "not a valid slug",
                              "lower-case letters, digits and dashes, like customer-success")
            )  # fmt: skip
    if entry["time_zone"]:
        entry["time_zone"] = normalise_time_zone(entry["time_zone"])
        if entry["time_zone"] not in time_zones():
            problems.append(
                sheet.problem(row, "time_zone", entry["time_zone"], "not a time zone",
                              "an IANA time zone such as Europe/Berlin")
            )  # fmt: skip
    if entry["week_start"]:
        entry["week_start"] = normalise_week_start(entry["week_start"])
        if entry["week_start"] not in WEEKDAYS:
            problems.append(
                sheet.problem(row, "week_start", entry["week_start"], "not a weekday",
                              "a weekday: " + ", ".join(WEEKDAYS))
            )  # fmt: skip
    if entry["time_format"] and entry["time_format"].removesuffix(".0") not in ("12", "24"):
        problems.append(
            sheet.problem(row, "time_format", entry["time_format"], "not a time format", "12 or 24")
        )
    elif entry["time_format"]:
        entry["time_format"] = entry["time_format"].removesuffix(".0")
    return entry


def _attributes(entry: dict, sheet: Sheet, problems: list) -> dict:
    row = entry["row"]
    if not entry["name"]:
        problems.append(
            sheet.problem(row, "name", None, "the attribute has no name", "an attribute name")
        )
    elif not entry["slug"]:
        entry["slug"] = slugify(entry["name"])
    if entry["slug"]:
        entry["slug"] = entry["slug"].lower()
    if entry["type"]:
        entry["type"] = normalise_attribute_type(entry["type"])
    if entry["type"] not in ATTRIBUTE_TYPES:
        problems.append(
            sheet.problem(row, "type", entry["type"], "not an attribute type",
                          "one of: " + ", ".join(ATTRIBUTE_TYPES))
        )  # fmt: skip
    _booleans(entry, ("enabled",), sheet, problems)
    options = split_list(entry["options"])
    if options and entry["type"] in ("TEXT", "NUMBER"):
        problems.append(
            sheet.problem(row, "options", entry["options"],
                          f"a {entry['type']} attribute has no options",
                          "empty, or make the type SINGLE_SELECT or MULTI_SELECT")
        )  # fmt: skip
    seen: set[str] = set()
    for option in options:
        if option.casefold() in seen:
            problems.append(
                sheet.problem(row, "options", option, "option listed twice",
                              "each option once, separated by ;")
            )  # fmt: skip
        seen.add(option.casefold())
    return entry


def _webhooks(entry: dict, sheet: Sheet, problems: list) -> dict:
    row, url = entry["row"], entry["subscriber_url"]
    if not url or not url.startswith(("https://", "http://")) or " " in url:
        problems.append(
            sheet.problem(row, "subscriber_url", url, "not a web address",
                          "a URL starting with https://")
        )  # fmt: skip
    triggers = []
    for trigger in split_list((entry["triggers"] or "").replace(",", ";")):
        spelled = "_".join(trigger.strip().upper().replace("-", " ").split())
        if spelled not in WEBHOOK_TRIGGERS:
            problems.append(
                sheet.problem(row, "triggers", trigger, "not a webhook trigger",
                              TRIGGERS_ACCEPTED)
            )  # fmt: skip
        elif spelled not in triggers:
            triggers.append(spelled)
    if not triggers and entry["triggers"] is None:
        problems.append(
            sheet.problem(row, "triggers", None, "the webhook has no trigger",
                          "triggers separated by ;, e.g. BOOKING_CREATED; BOOKING_CANCELLED")
        )  # fmt: skip
    entry["triggers"] = "; ".join(sorted(triggers)) or entry["triggers"]
    _booleans(entry, ("active",), sheet, problems)
    return entry


_KEYS = {"teams": ("name", "team"), "attributes": ("slug", "attribute slug"),
         "webhooks": ("subscriber_url", "subscriber URL")}  # fmt: skip


def _duplicates(frame: pl.DataFrame, sheet: Sheet, column: str, what: str) -> list[Problem]:
    keyed = frame.select("row", column, key=pl.col(column).str.to_lowercase()).drop_nulls()
    repeats = keyed.with_columns(first=pl.col("row").min().over("key")).filter(
        pl.col("row") != pl.col("first")
    )
    return [
        sheet.problem(row, column, value, f"duplicate {what}: already on row {first}",
                      f"each {what} once")
        for row, value, _key, first in repeats.iter_rows()
    ]  # fmt: skip


__all__ = [
    "ATTRIBUTE_TYPES",
    "DEFINITION_KINDS",
    "WEBHOOK_TRIGGERS",
    "announce_teams",
    "definition_problems",
]


def announce_teams(frame: pl.DataFrame, skip_rows: set[int], state: OrgState) -> None:
    """Make the teams the sheet creates known to the users sheet's checks, in one run.

    Each new team gets a placeholder id, minus its row number (real ids are positive); steps
    that name it are resolved to the created team's id when they run.
    """
    for row, name, slug in frame.select("row", "name", "slug").iter_rows():
        if row in skip_rows or not name or state.team(name) is not None:
            continue
        planned = {"team_id": -row, "name": name, "slug": slug, "planned": True}
        state.teams_by_name[name.strip().casefold()] = planned
        if slug:
            state.teams_by_name.setdefault(slug.strip().casefold(), planned)
    state.forget_frames()


PLANNED = "planned:"  # the id prefix of an attribute or option the attributes sheet creates


def announce_attributes(frame: pl.DataFrame, skip_rows: set[int], state: OrgState) -> None:
    """Make the attributes and options the sheet creates known to the users sheet's checks.

    A new attribute's id is ``planned:<slug>``; a new option's is ``planned:<value>``. Steps
    carrying them are resolved by slug and value when they run (``flows.importer.steps``).
    """
    by_slug = {a.slug.casefold(): a for a in state.attributes.values()}
    for row, name, slug, kind, options in frame.select(
        "row", "name", "slug", "type", "options"
    ).iter_rows():
        if row in skip_rows or not slug:
            continue
        attribute = by_slug.get(slug.casefold())
        if attribute is None:
            attribute = Attribute(PLANNED + slug, name, slug, kind)
            state.attributes[attribute.attribute_id] = attribute
        if attribute.type not in SELECT_TYPES:
            continue
        for value in split_list(options):
            if state.option_for(attribute.attribute_id, value) is None:
                held = state.options.setdefault(attribute.attribute_id, {})
                held[value.strip().casefold()] = (PLANNED + value, value)
    state.forget_frames()
