"""Team-wide out-of-office: an ``ooo`` row naming ``team:Support`` or ``*`` instead of an e-mail.

At plan time such a row expands to one entry per current member of the team (``*``: of the
organization), the coverer excluded from their own entry, as joins on the org's memberships;
invitations not yet accepted are not current members.
Its steps name each person (``ana@example.com: out of office ...``), so the receipt can give
one line per person (:func:`per_person_receipt`): created, or already there (unchanged); a row
that failed keeps a line with the API's error after the people it reached, and a rerun completes
the members not reached.
"""

from __future__ import annotations

import polars as pl

from transforms.org_state import OrgState
from transforms.problems import Problem

EVERYONE = "*"
TEAM_PREFIX = "team:"
WHO_PATTERN = r"^(?:team:.+|\*)$"
ALREADY = "already has this out-of-office entry"


def is_group() -> pl.Expr:
    """Rows whose ``email`` names a team or everyone."""
    email = pl.col("email")
    return email.str.starts_with(TEAM_PREFIX) | (email == EVERYONE)


def group_problems(frame: pl.DataFrame, state: OrgState, problem) -> list[Problem]:
    """Teams named in the e-mail column that the organization does not have."""
    named = frame.filter(pl.col("email").str.starts_with(TEAM_PREFIX)).select("row", "email")
    return [
        problem(
            row,
            "email",
            who,
            "no such team in the organization",
            "a member's e-mail, team:<team name> for a whole team, or * for everyone",
        )
        for row, who in named.iter_rows()
        if state.team(who[len(TEAM_PREFIX) :].strip()) is None
    ]


def expand_groups(groups: pl.DataFrame, state: OrgState) -> pl.DataFrame:
    """One line per (group row, member): the row's columns with ``email`` the member's, plus
    ``group`` (what the row named) and ``user_id``; the coverer gets no entry of their own."""
    users = state.frame("users").filter(~pl.col("pending")).select("email", "user_id")
    names = state.frame("team_names").select(
        "team_id", team_key=pl.col("team_name").str.strip_chars().str.to_lowercase()
    )
    members = _accepted_team_members(state)
    team_rows = (
        groups.filter(pl.col("email").str.starts_with(TEAM_PREFIX))
        .with_columns(team_key=pl.col("email").str.slice(len(TEAM_PREFIX)).str.strip_chars())
        .join(names, on="team_key", how="inner")
        .join(members, on="team_id", how="inner")
        .drop("team_key", "team_id")
    )
    everyone = groups.filter(pl.col("email") == EVERYONE).join(users.select("user_id"), how="cross")
    expanded = (
        pl.concat([team_rows, everyone], how="vertical_relaxed")
        .rename({"email": "group"})
        .join(users, on="user_id", how="inner")
        .filter(pl.col("covering_email").is_null() | (pl.col("covering_email") != pl.col("email")))
    )
    return expanded.sort("row", "email")


def _accepted_team_members(state: OrgState) -> pl.DataFrame:
    """(user_id, team_id) of accepted team memberships: an invitee is not a current member (and
    the API refuses to redirect their bookings)."""
    pairs = [
        (user_id, team_id)
        for user_id, held in state.team_memberships.items()
        for team_id, membership in held.items()
        if membership.get("accepted", True) is not False
    ]
    return pl.DataFrame(pairs, schema={"user_id": pl.Int64, "team_id": pl.Int64}, orient="row")


def per_person_receipt(receipt: pl.DataFrame) -> pl.DataFrame:
    """Receipt lines of team-wide OOO rows, one per person: each done step ``who: ...`` and
    each note ``who: already ...`` becomes its own line; other lines are kept as they are."""
    group = (pl.col("sheet") == "ooo") & (
        pl.col("email").str.starts_with(TEAM_PREFIX) | (pl.col("email") == EVERYONE)
    )
    ran = group & pl.col("outcome").is_in(["created", "updated", "unchanged", "failed"])
    indexed = receipt.with_row_index("order")
    # a failed row keeps its line (the error, after the people it reached); others are replaced
    keep = indexed.filter(~ran | (pl.col("outcome") == "failed")).with_columns(
        done=pl.when(ran).then(pl.lit(None, dtype=pl.Utf8)).otherwise(pl.col("done"))
    )
    expanded = indexed.filter(ran)
    done = (
        expanded.select("order", "sheet", "row", item=pl.col("done").str.split("; "))
        .explode("item")
        .filter(pl.col("item").is_not_null() & pl.col("item").str.contains(": "))
        .with_columns(outcome=pl.lit("created"))
    )
    noted = (
        expanded.select("order", "sheet", "row", item=pl.col("notes").str.split("; "))
        .explode("item")
        .filter(pl.col("item").is_not_null() & pl.col("item").str.ends_with(f": {ALREADY}"))
        .with_columns(outcome=pl.lit("unchanged"))
    )
    people = pl.concat([done, noted]).select(
        "order",
        "sheet",
        "row",
        email=pl.col("item").str.extract(r"^([^:]+): ", 1),
        user_id=pl.lit(None, dtype=receipt.schema["user_id"]),
        outcome="outcome",
        done=pl.when(pl.col("outcome") == "created").then(
            pl.col("item").str.replace(r"^[^:]+: ", "")
        ),
        error=pl.lit(None, dtype=pl.Utf8),
        notes=pl.when(pl.col("outcome") == "unchanged").then(pl.lit(ALREADY)),
    )
    lines = pl.concat([people.cast(keep.schema), keep], how="vertical")
    return lines.sort("order", maintain_order=True).drop("order")


def create_ooo_exprs(json_of, *, name_person: bool, **extra: pl.Expr) -> dict[str, pl.Expr]:
    """The ``detail`` and ``params`` of a create_ooo step (one home for rows naming a person
    and rows expanded from a team); ``name_person`` puts the e-mail in front of the detail."""
    reason = pl.col("reason").fill_null("unspecified")
    cover = pl.col("covering_email")
    covered = pl.when(cover.is_not_null()).then(pl.format(", covered by {}", cover))
    parts = ["start", "end", reason, covered.otherwise(pl.lit(""))]
    detail = (
        pl.format("{}: out of office {}..{} ({}{})", "email", *parts)
        if name_person
        else pl.format("out of office {}..{} ({}{})", *parts)
    )
    params = json_of(
        email=pl.col("email"),
        **extra,
        start=pl.format("{}T00:00:00.000Z", "start"),
        end=pl.format("{}T00:00:00.000Z", "end"),
        reason=reason,
        notes=pl.col("notes"),
        covering_email=cover,
    )
    return {"detail": detail, "params": params}


def plan_groups(
    groups: pl.DataFrame, state: OrgState, row_schema: dict, step_schema: dict, json_of
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(row frame, step frame) for team-wide rows: a step per member without the entry yet
    (numbered within the row), a note per member who has it."""
    entries = expand_groups(groups, state).join(
        state.frame("ooo"), on=["user_id", "start", "end"], how="left", maintain_order="left"
    )
    already = (
        entries.filter(pl.col("exists").is_not_null())
        .group_by("row", maintain_order=True)
        .agg(pl.format("{}: {}", "email", pl.lit(ALREADY)).alias("already"))
    )
    rows = (
        groups.join(already, on="row", how="left", maintain_order="left")
        .select(
            sheet=pl.lit("ooo"),
            row="row",
            key="email",
            user_id=pl.lit(None, dtype=pl.Int64),
            creates=pl.lit(False),
            refusal=pl.lit(None, dtype=pl.Utf8),
            notes=pl.col("already").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))),
        )
        .cast(row_schema)
    )
    steps = entries.filter(pl.col("exists").is_null()).select(
        sheet=pl.lit("ooo"),
        row="row",
        step=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("row"),
        action=pl.lit("create_ooo"),
        **create_ooo_exprs(json_of, name_person=True, user_id=pl.col("user_id")),
    )
    return rows, steps.cast(step_schema)
