"""Validate an import file against the organization: every problem at once, each on its row.

``validate_workbook`` normalises each sheet (``admin`` -> ``ADMIN``, Excel dates -> ISO days),
runs the pandera model of the sheet, then the checks that need other rows or the org: duplicate
e-mails and usernames, teams, attribute options (with did-you-mean), OOO users and coverers,
role permissions. The result carries the normalised frames and the problems; a row with an error
is never planned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from transforms.org_state import Attribute, OrgState
from transforms.plan.ooo_team import group_problems, is_group
from transforms.problems import Problem, error_rows, has_file_errors
from transforms.sheets.calcom_members import ORIGIN as CALCOM_MEMBERS
from transforms.sheets.calcom_members import WEIGHTS_NOT_SENT, calcom_attribute_cells
from transforms.sheets.columns import CANONICAL_COLUMNS, DEFINITION_KINDS, REQUIRED_COLUMNS
from transforms.sheets.reading import Sheet, Workbook
from transforms.validate.definitions import (
    announce_attributes,
    announce_teams,
    definition_problems,
)
from transforms.validate.leavers import leavers_problems
from transforms.validate.models import model_problems
from transforms.validate.rules import (
    normalise_locale,
    normalise_reason,
    normalise_role,
    normalise_time_format,
    normalise_time_zone,
    normalise_week_start,
    parse_day,
    permission_problem,
    split_list,
)
from transforms.validate.typed import (
    errors_on_rows,
    parse_attribute_cells,
    parse_team_cells,
    typed_ooo,
)

NAME_NOT_SETTABLE = (
    "the Cal.com API v2 has no name field on users: names are not sent (people set their own name)"
)


@dataclass
class ValidatedImport:
    """Normalised sheets by kind, the attribute each users column means, and all problems."""

    sheets: dict[str, Sheet]
    frames: dict[str, pl.DataFrame]
    attribute_columns: dict[str, Attribute]
    problems: list[Problem] = field(default_factory=list)
    typed: dict[str, pl.DataFrame] = field(default_factory=dict)
    """Per kind, the canonical typed columns the plan reads (see ``transforms.validate.typed``)."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def blocks_everything(self) -> bool:
        """A file-level error (missing column, empty file): no row can be trusted."""
        return has_file_errors(self.problems) or not self.frames

    def invalid_rows(self, kind: str) -> set[int]:
        sheet = self.sheets.get(kind)
        if sheet is None:
            return set()
        return error_rows(p for p in self.problems if p.sheet == sheet.source)


def _normalise_column(frame: pl.DataFrame, column: str, fn: Callable[[str], str]) -> pl.DataFrame:
    """Apply ``fn`` to each distinct value of a text column (fast on large sheets)."""
    values = frame[column].drop_nulls().unique().to_list()
    mapping = {v: fn(v) for v in values}
    return frame.with_columns(
        pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.Utf8)
    )


def _with_all_columns(sheet: Sheet) -> pl.DataFrame:
    missing = [c for c in CANONICAL_COLUMNS[sheet.kind] if c not in sheet.frame.columns]
    return sheet.frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c) for c in missing)


def _day_text(value: str) -> str:
    """``2026-07-01``; an unreadable date is marked so the model rejects it (quoting the raw)."""
    day = parse_day(value)
    return day.isoformat() if day else f"unreadable:{value}"


def _email_key(column: str) -> pl.Expr:
    """E-mails (and usernames) compare trimmed and in lower case."""
    return pl.col(column).str.strip_chars().str.to_lowercase()


_EXPRESSIONS: dict[str, tuple[str, ...]] = {
    "users": ("email", "username"),  # usernames compare like e-mails
    "ooo": ("email", "covering_email"),
    "roles": (),
    "leavers": ("email",),
}
_NORMALISERS: dict[str, dict[str, Callable[[str], str]]] = {
    "users": {
        "time_zone": normalise_time_zone,
        "locale": normalise_locale,
        "time_format": normalise_time_format,
        "week_start": normalise_week_start,
        "org_role": normalise_role,
    },
    "ooo": {
        "start": _day_text,
        "end": _day_text,
        "reason": normalise_reason,
    },
    "roles": {},
    "leavers": {},
}


def normalise_sheet(sheet: Sheet) -> pl.DataFrame:
    """The sheet with every canonical column present and each value in the API's spelling."""
    frame = _with_all_columns(sheet)
    frame = frame.with_columns(_email_key(c) for c in _EXPRESSIONS[sheet.kind])
    for column, fn in _NORMALISERS[sheet.kind].items():
        frame = _normalise_column(frame, column, fn)
    return frame


def validate_workbook(
    book: Workbook, state: OrgState, *, create_missing_options: bool = False
) -> ValidatedImport:
    """Every problem of the file at once, and the normalised frames the plan is made from."""
    result = ValidatedImport(sheets=book.sheets, frames={}, attribute_columns={})
    result.problems.extend(book.all_problems())
    for kind, sheet in book.sheets.items():
        if any(c not in sheet.frame.columns for c in REQUIRED_COLUMNS[kind]):
            continue  # reported by the reader; no row of this sheet can be checked
        if kind in DEFINITION_KINDS:
            result.frames[kind], problems = definition_problems(sheet)
            result.problems.extend(problems)
            continue
        frame = normalise_sheet(sheet)
        result.frames[kind] = frame
        result.problems.extend(
            model_problems(kind, frame, sheet.source, sheet.headers, _with_all_columns(sheet))
        )
    if "teams" in result.frames:
        announce_teams(result.frames["teams"], result.invalid_rows("teams"), state)
    if "attributes" in result.frames:
        announce_attributes(result.frames["attributes"], result.invalid_rows("attributes"), state)
    if "users" in result.frames:
        result.problems.extend(_users_problems(result, state, create_missing_options))
    if "ooo" in result.frames:
        result.problems.extend(_ooo_problems(result, state))
    if "roles" in result.frames:
        result.problems.extend(_roles_problems(result, state))
    if "leavers" in result.frames:
        typed, problems = leavers_problems(
            result.sheets["leavers"], result.frames["leavers"], state, result.frames.get("users")
        )
        result.typed["leavers"] = typed
        result.problems.extend(problems)
    return result


def _duplicates(
    frame: pl.DataFrame, column: str, sheet: Sheet, what: str, label: str | None = None
) -> list[Problem]:
    """Rows repeating an earlier row's ``column`` (already lower-cased): one problem each."""
    keyed = frame.select("row", column).drop_nulls()
    keyed = keyed.filter(pl.col(column).is_duplicated())
    repeats = keyed.with_columns(first=pl.col("row").min().over(column)).filter(
        pl.col("row") != pl.col("first")
    )
    return [
        Problem(
            sheet.source,
            row,
            label or sheet.label(column),
            value,
            f"duplicate {what}: already on row {first_row}",
            f"each {what} once",
        )
        for row, value, first_row in repeats.iter_rows()
    ]


def _users_problems(result: ValidatedImport, state: OrgState, create: bool) -> list[Problem]:
    """Checks that need other rows or the org; also builds the users' typed columns."""
    sheet, frame = result.sheets["users"], result.frames["users"]
    problems = _duplicates(frame, "email", sheet, "e-mail")
    problems += _duplicates(frame, "username", sheet, "username")
    problems += _username_taken(frame, sheet, state)
    if frame["name"].drop_nulls().len():
        problems.append(
            sheet.problem(
                None,
                "name",
                None,
                NAME_NOT_SETTABLE,
                "leave the column; it is reported, never sent",
                "warning",
            )
        )
    teams, errors = parse_team_cells(frame["teams"], state)
    problems += errors_on_rows(frame, "teams", errors, sheet.source, sheet.label("teams"))
    typed = [teams, pl.col("time_format").cast(pl.Int64, strict=False)]
    users = state.frame("users").select("email", "pending")
    pending = frame.select("row", "email").join(
        users, on="email", how="left", maintain_order="left"
    )
    pending_rows = pending["pending"].fill_null(False)
    for header in sheet.attribute_columns:
        attribute = state.attribute_for_header(header)
        if attribute is None:
            problems.append(
                Problem(
                    sheet.source,
                    None,
                    header,
                    None,
                    "not a calbulk column nor an attribute of the organization; ignored",
                    "an attribute name or slug",
                    "warning",
                )
            )
            continue
        result.attribute_columns[header] = attribute
        cells = frame[header]
        if sheet.origin == CALCOM_MEMBERS:
            cells, weighted = calcom_attribute_cells(cells, attribute.type)
            if weighted:
                problems.append(Problem(sheet.source, None, header, None, WEIGHTS_NOT_SENT,
                                        "nothing to change: the values are assigned",
                                        "warning"))  # fmt: skip
        options, errors = parse_attribute_cells(cells, attribute, state, create)
        typed.append(options)
        problems += errors_on_rows(frame, header, errors, sheet.source, header)
        refused = frame.filter(pending_rows & pl.col(header).is_not_null())
        problems += [
            Problem(sheet.source, row, header, cell, PENDING, PENDING_FIX)
            for row, cell in refused.select("row", header).iter_rows()
        ]
    result.typed["users"] = frame.with_columns(typed)
    return problems


PENDING = "this member has not accepted the invitation yet; the API refuses attribute values"
PENDING_FIX = "leave the cell empty until they accept, then import again"


def _username_taken(frame: pl.DataFrame, sheet: Sheet, state: OrgState) -> list[Problem]:
    """A username another member holds (matched as a join on the org's usernames)."""
    wanted = frame.select("row", "email", "username").drop_nulls()
    taken = (
        wanted.join(state.frame("usernames"), on="username", how="inner", maintain_order="left")
        .join(
            state.frame("users").select("email", "user_id"),
            on="email",
            how="left",
            maintain_order="left",
        )
        .filter(pl.col("user_id").is_null() | (pl.col("user_id") != pl.col("owner_id")))
    )
    return [
        sheet.problem(
            row,
            "username",
            username,
            "username is taken by another member of the organization",
            "a username nobody in the organization has",
        )
        for row, username in taken.select("row", "username").iter_rows()
    ]


def _ooo_problems(result: ValidatedImport, state: OrgState) -> list[Problem]:
    """Unknown people, self-cover, end before start and repeated entries, as joins."""
    sheet, frame = result.sheets["ooo"], result.frames["ooo"]
    known = state.frame("users").select("email")
    if "users" in result.frames:
        known = pl.concat([known, result.frames["users"].select("email").drop_nulls()]).unique()
    known = known.with_columns(known=pl.lit(True))
    typed = typed_ooo(frame)
    result.typed["ooo"] = typed
    checked = (
        typed.join(known, on="email", how="left", maintain_order="left")
        .join(
            known.rename({"email": "covering_email", "known": "cover_known"}),
            on="covering_email",
            how="left",
            maintain_order="left",
        )
        .with_columns(raw_start=frame["start"], raw_end=frame["end"], end_text=frame["end"])
    )
    found: list[tuple[int, int, Problem]] = []
    unknown = checked.filter(
        pl.col("email").is_not_null() & pl.col("known").is_null() & ~is_group()
    )
    for row, email in unknown.select("row", "email").iter_rows():
        found.append(
            (
                row,
                0,
                sheet.problem(
                    row,
                    "email",
                    email,
                    "no such member in the organization or the users sheet",
                    "the e-mail of a member",
                ),
            )
        )
    coverer = pl.col("covering_email").is_not_null()
    stranger = checked.filter(coverer & pl.col("cover_known").is_null())
    for row, email in stranger.select("row", "covering_email").iter_rows():
        found.append(
            (
                row,
                1,
                sheet.problem(
                    row,
                    "covering_email",
                    email,
                    "the covering person is not a member of the organization",
                    "the e-mail of a member (they must share a team)",
                ),
            )
        )
    itself = checked.filter(
        coverer
        & pl.col("cover_known").is_not_null()
        & (pl.col("covering_email") == pl.col("email"))
    )
    for row, email in itself.select("row", "covering_email").iter_rows():
        found.append(
            (
                row,
                1,
                sheet.problem(
                    row,
                    "covering_email",
                    email,
                    "cannot cover for oneself",
                    "someone else's e-mail",
                ),
            )
        )
    backwards = checked.filter(pl.col("end") < pl.col("start"))
    for row, start, end in backwards.select("row", "raw_start", "raw_end").iter_rows():
        found.append(
            (
                row,
                2,
                sheet.problem(
                    row,
                    "end",
                    end,
                    f"ends before it starts ({start})",
                    "an end date on or after the start date",
                ),
            )
        )
    found += [(p.row, 0, p) for p in group_problems(frame, state, sheet.problem)]
    problems = [p for _r, _o, p in sorted(found, key=lambda f: f[:2])]
    keyed = frame.with_columns(key=pl.concat_str(["email", "start", "end"], separator="|"))
    problems += _duplicates(
        keyed,
        "key",
        sheet,
        "out-of-office entry (same person and dates)",
        label=sheet.label("start"),
    )
    return problems


def _roles_problems(result: ValidatedImport, state: OrgState) -> list[Problem]:
    sheet, frame = result.sheets["roles"], result.frames["roles"]
    problems: list[Problem] = []
    for entry in frame.iter_rows(named=True):
        row, team = entry["row"], entry["team"]
        if team and state.team(team) is None:
            problems.append(
                sheet.problem(
                    row,
                    "team",
                    team,
                    "no such team in the organization",
                    "a team name, or empty for an organization role",
                )
            )
        for permission in split_list((entry["permissions"] or "").replace(",", ";")):
            why = permission_problem(permission, team_role=bool(team))
            if why:
                problems.append(
                    sheet.problem(
                        row,
                        "permissions",
                        permission,
                        why,
                        "resource.action, e.g. booking.read or eventType.create",
                    )
                )
    keyed = frame.with_columns(
        key=pl.concat_str(
            [pl.col("team").fill_null("").str.to_lowercase(), pl.col("name").str.to_lowercase()],
            separator="|",
        )
    )
    problems += _duplicates(
        keyed, "key", sheet, "role (same name and team)", label=sheet.label("name")
    )
    return problems
