"""Plan the users sheet: desired rows minus the org's current users, memberships and options.

Computed as joins on natural keys (e-mail, (user, team), (user, option)) over the typed columns
validation hands over: one frame of steps per kind of change, each line one step.

Rules the API forces (api-notes §5-§7):
- ``name`` cannot be set (no such field): reported in the row's notes, never sent. Neither is
  ``week_start`` (the API's ``weekday`` field writes a column that does not exist).
- An empty cell leaves the value as it is. In ``sync`` mode an empty teams or attribute cell
  (in a column the file has) removes what the user holds there; ``add`` never removes.
- A single-valued attribute (SINGLE_SELECT, TEXT, NUMBER) changes by unassign + assign, in both
  modes: assigning never replaces.
- TEXT/NUMBER values reuse the option holding that value; a value no option holds is created
  once, in the prelude, and assigned by id, so re-runs never multiply options.
- Users are never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from transforms.org_state import Attribute, OrgState
from transforms.plan.steps import PRELUDE_SCHEMA, ROW_SCHEMA, Step, params_json
from transforms.validate.rules import canonical_number

SINGLE_VALUED = ("SINGLE_SELECT", "TEXT", "NUMBER")
# sheet column -> API field, in the order a person reads them in "update ..." lines
USER_FIELDS: dict[str, str] = {
    "username": "username",
    "time_zone": "timeZone",
    "locale": "locale",
    "time_format": "timeFormat",
}
NOT_SENT = {
    "name": "name is not settable through the Cal.com API v2; not sent",
    "week_start": "week start is not settable through the Cal.com API v2; not sent",
}
# Step lines before ordering: ``order`` (group << 32 | position) places a step in its row.
_PIECE = {
    "row": pl.Int64,
    "order": pl.Int64,
    "action": pl.Utf8,
    "detail": pl.Utf8,
    "params": pl.Utf8,
}
_ROWS_FOR_ONE_KEY = 1 << 23  # below this, (row, order) sorts as one Int64 key
_TEAMS, _TEAM_REMOVALS, _ATTRIBUTES = 2, 3, 10


@dataclass
class UsersPlan:
    rows: pl.DataFrame
    steps: pl.DataFrame
    prelude: pl.DataFrame


def plan_users(
    typed: pl.DataFrame,
    state: OrgState,
    attribute_columns: dict[str, Attribute],
    *,
    mode: str,
    skip_rows: set[int],
    present: set[str],
    text: pl.DataType = pl.Utf8,
    creator: pl.DataFrame | None = None,
) -> UsersPlan:
    """Row, step and prelude frames for the valid rows of ``typed`` (``present``: the columns
    the file has; ``typed``: validation's typed users columns; ``text``: the dtype of the
    steps' action, detail and params; ``creator``: team memberships the run's team creations
    make, held from then on, see ``transforms.plan.creator``)."""
    current = state.frame("users").rename(
        lambda c: c if c in ("email", "user_id", "org_membership_id") else f"current_{c}"
    )
    if skip_rows:
        typed = typed.filter(~pl.col("row").is_in(sorted(skip_rows)))
    # joined on the e-mail alone, then put beside the typed columns (which are not copied)
    matched = typed.select("email").join(current, on="email", how="left", maintain_order="left")
    desired = typed.hstack(matched.drop("email"))
    pieces: list[pl.DataFrame] = []

    def keep(*new: pl.DataFrame) -> None:  # as text of ``text`` dtype as soon as made
        types = {**_PIECE, "action": text, "detail": text, "params": text}
        pieces.extend(p.select(list(_PIECE)).cast(types) for p in new)

    keep(_create_users(desired), _update_users(desired), _change_org_roles(desired))
    if "teams" in present:
        keep(*_team_steps(desired, state, mode, text, creator))
    prelude_wanted = []
    for index, (header, attribute) in enumerate(attribute_columns.items()):
        wanted = _explode(desired, header, "option")
        prelude_wanted.append(
            wanted.filter(pl.col("option_id").is_null()).select(
                "row",
                pl.lit(index).alias("column"),
                "position",
                pl.lit(attribute.attribute_id).alias("attribute_id"),
                "value",
            )
        )
        keep(*_attribute_steps(desired, wanted, attribute, index, state, mode, text))
    steps = _in_row_order(pl.concat(pieces, rechunk=False))
    del pieces[:]
    rows = desired.select(
        sheet=pl.lit("users"),
        row="row",
        key="email",
        user_id="user_id",
        creates=pl.col("user_id").is_null(),
        refusal=pl.lit(None, dtype=pl.Utf8),
        notes=pl.concat_list(
            [pl.when(pl.col(c).is_not_null()).then(pl.lit(note)) for c, note in NOT_SENT.items()]
        ).list.drop_nulls(),
    ).cast(ROW_SCHEMA)
    return UsersPlan(rows, steps, _prelude(prelude_wanted, attribute_columns))


def _in_row_order(steps: pl.DataFrame) -> pl.DataFrame:
    """Sort steps by (row, order) and number them 1.. within their row."""
    if steps.height and steps["row"].max() < _ROWS_FOR_ONE_KEY and steps["order"].max() < 1 << 40:
        steps = steps.sort(pl.col("row") * (1 << 40) + pl.col("order"))
    else:
        steps = steps.sort("row", "order")
    index = pl.int_range(pl.len(), dtype=pl.Int64)
    first = pl.when(pl.col("row").is_first_distinct()).then(index).forward_fill()
    return steps.select(
        pl.lit("users").alias("sheet"),
        "row",
        (index - first + 1).alias("step"),
        "action",
        "detail",
        "params",
    )


def json_of(**fields: pl.Expr) -> pl.Expr:
    """The fields as compact JSON with sorted keys (the plan's params), nulls kept."""
    return pl.struct(**dict(sorted(fields.items()))).struct.json_encode()


def json_without_nulls(frame: pl.DataFrame, **fields: pl.Expr) -> pl.Expr:
    """:func:`json_of` leaving out fields that are null (the optional fields of a body).

    Fields null on every line of ``frame`` are left out of the struct; the text is edited only
    when some field is null on some lines.
    """
    nulls = frame.select(**{k: e.null_count() for k, e in fields.items()}, lines=pl.len()).row(
        0, named=True
    )
    kept = {k: e for k, e in fields.items() if nulls[k] < nulls["lines"]}
    if not kept:
        return pl.lit("{}")
    text = json_of(**kept)
    if any(nulls[k] for k in kept):
        text = text.str.replace_all(r'"[A-Za-z_]+":null,?', "").str.replace(r",}$", "}")
    return text


def _piece(
    frame: pl.DataFrame, group: int, position: pl.Expr | None = None, **columns: pl.Expr
) -> pl.DataFrame:
    order = pl.lit(group << 32, dtype=pl.Int64)
    if position is not None:
        order = order + position.cast(pl.Int64)
    return frame.select(pl.col("row"), order=order, **columns)


def _create_users(desired: pl.DataFrame) -> pl.DataFrame:
    new = desired.filter(pl.col("user_id").is_null())
    return _piece(
        new,
        0,
        action=pl.lit("create_user"),
        detail=pl.format("create user {}", "email"),
        params=json_without_nulls(
            new,
            email=pl.col("email"),
            username=pl.col("username"),
            timeZone=pl.col("time_zone"),
            locale=pl.col("locale"),
            timeFormat=pl.col("time_format"),
            organizationRole=pl.col("org_role").fill_null("MEMBER"),
            autoAccept=pl.lit(True),
        ),
    )


def _update_users(desired: pl.DataFrame) -> pl.DataFrame:
    changed = {
        column: pl.col(column).is_not_null()
        & pl.col(column).ne_missing(pl.col(f"current_{column}"))
        for column in USER_FIELDS
    }
    existing = desired.filter(
        pl.col("user_id").is_not_null() & pl.any_horizontal(list(changed.values()))
    )
    what = pl.concat_str(
        [
            pl.when(changed[c]).then(pl.format(f"{api}={{}}", pl.col(c).cast(pl.Utf8)))
            for c, api in USER_FIELDS.items()
        ],
        separator=", ",
        ignore_nulls=True,
    )
    return _piece(
        existing,
        0,
        action=pl.lit("update_user"),
        detail=pl.format("update {}", what),
        params=json_without_nulls(
            existing,
            **{api: pl.when(changed[c]).then(pl.col(c)) for c, api in USER_FIELDS.items()},
        ),
    )


def _change_org_roles(desired: pl.DataFrame) -> pl.DataFrame:
    role, held = pl.col("org_role"), pl.col("current_org_role")
    changing = desired.filter(
        pl.col("user_id").is_not_null() & role.is_not_null() & held.is_not_null() & (role != held)
    )
    return _piece(
        changing,
        1,
        action=pl.lit("change_org_role"),
        detail=pl.format("org role {} -> {}", held, role),
        params=json_of(membership_id=pl.col("org_membership_id"), role=role),
    )


def _explode(desired: pl.DataFrame, column: str, what: str) -> pl.DataFrame:
    """One line per item of a typed list column, with its position in the cell."""
    listed = desired.select("row", "user_id", pl.col(column).alias(what)).filter(
        pl.col(what).list.len() > 0
    )
    return (
        listed.with_columns(position=pl.int_ranges(pl.col(what).list.len(), dtype=pl.Int64))
        .explode(what, "position")
        .unnest(what)
    )


def _texts_once(
    frame: pl.DataFrame, keys: list[str], text: pl.DataType, **columns: pl.Expr
) -> pl.DataFrame:
    """``frame`` with ``columns`` (a summary, params) made once per distinct ``keys`` and
    joined back as ``text``: a thousand hires joining one team share one line of text."""
    texts = (
        frame.select(keys).unique().with_columns(**{k: e.cast(text) for k, e in columns.items()})
    )
    return frame.join(texts, on=keys, how="left", maintain_order="left", nulls_equal=True)


def _team_steps(
    desired: pl.DataFrame,
    state: OrgState,
    mode: str,
    text: pl.DataType,
    creator: pl.DataFrame | None = None,
) -> list[pl.DataFrame]:
    """Joins, role changes and (sync) removals. A membership is held where it has a role: the
    key's user's OWNER membership of a team this run creates (``creator``) has no id yet."""
    names = state.frame("team_names")
    team_name = pl.coalesce("team_name", pl.col("team_id").cast(pl.Utf8))
    memberships = state.frame("team_memberships")
    if creator is not None and creator.height:
        memberships = pl.concat([memberships, creator.select(memberships.columns)])
    held = pl.col("held_role").is_not_null()
    wanted = (
        _explode(desired, "teams", "team")
        .join(memberships, on=["user_id", "team_id"], how="left")
        # a team without a role: a new member joins as MEMBER, a member keeps their role
        .with_columns(role=pl.coalesce("role", pl.when(~held).then(pl.lit("MEMBER"))))
        .join(names, on="team_id", how="left")
    )
    added = _texts_once(
        wanted.filter(~held),
        ["team_id", "role", "team_name"],
        text,
        detail=pl.format("join team {} as {}", team_name, "role"),
        params=json_of(team_id=pl.col("team_id"), role=pl.col("role")),
    )
    changed = wanted.filter(
        held & pl.col("role").is_not_null() & (pl.col("held_role") != pl.col("role"))
    )
    pieces = [
        _piece(
            added,
            _TEAMS,
            position=pl.col("position"),
            action=pl.lit("add_team_membership"),
            detail=pl.col("detail"),
            params=pl.col("params"),
        ),
        _piece(
            changed,
            _TEAMS,
            position=pl.col("position"),
            action=pl.lit("change_team_role"),
            detail=pl.format("team {} role {} -> {}", team_name, "held_role", "role"),
            params=json_of(
                team_id=pl.col("team_id"),
                membership_id=pl.col("membership_id"),
                role=pl.col("role"),
            ),
        ),
    ]
    if mode == "sync":
        unlisted = (
            desired.select("row", "user_id")
            .filter(pl.col("user_id").is_not_null())
            .join(memberships, on="user_id", how="inner")
            .join(wanted.select("row", "team_id"), on=["row", "team_id"], how="anti")
            .join(names, on="team_id", how="left")
        )
        pieces.append(
            _piece(
                unlisted,
                _TEAM_REMOVALS,
                position=pl.col("team_id").rank("dense"),
                action=pl.lit("remove_team_membership"),
                detail=pl.format("leave team {}", team_name),
                params=json_of(team_id=pl.col("team_id"), membership_id=pl.col("membership_id")),
            )
        )
    return pieces


def _value_key(attribute: Attribute, values: pl.Series) -> pl.Series:
    """What makes two TEXT/NUMBER values the same (trimmed case-folded text; the number)."""
    distinct = values.drop_nulls().unique().to_list()
    if attribute.type == "NUMBER":
        keys = {v: canonical_number(v) for v in distinct}
    else:
        keys = {v: v.strip().casefold() for v in distinct}
    return values.replace_strict(keys, default=None, return_dtype=pl.Utf8)


def _attribute_steps(
    desired: pl.DataFrame,
    wanted: pl.DataFrame,
    attribute: Attribute,
    index: int,
    state: OrgState,
    mode: str,
    text: pl.DataType,
) -> list[pl.DataFrame]:
    held = (
        state.frame("assignments")
        .filter(pl.col("attribute_id") == attribute.attribute_id)
        .drop("attribute_id")
    )
    matched = wanted.join(
        held.select("user_id", option_id="held_option_id", id_match="held_option_id"),
        on=["user_id", "option_id"],
        how="left",
    )
    if attribute.type in ("TEXT", "NUMBER"):
        by_value = (
            held.with_columns(key=_value_key(attribute, held["held_value"]))
            .drop_nulls("key")
            .group_by("user_id", "key")
            .agg(value_match=pl.col("held_option_id").min())
        )
        matched = matched.with_columns(key=_value_key(attribute, matched["value"])).join(
            by_value, on=["user_id", "key"], how="left"
        )
    else:
        matched = matched.with_columns(value_match=pl.lit(None, dtype=pl.Utf8))
    matched = matched.with_columns(match=pl.coalesce("id_match", "value_match"))
    group = _ATTRIBUTES + 2 * index
    name = pl.lit(attribute.name)
    assigned = _texts_once(
        matched.filter(pl.col("match").is_null()),
        ["option_id", "value"],
        text,
        detail=pl.format("set {}={}", name, "value"),
        params=json_of(
            attribute_id=pl.lit(attribute.attribute_id),
            option_id=pl.col("option_id"),
            value=pl.col("value"),
        ),
    )
    pieces = [
        _piece(
            assigned,
            group + 1,
            position=pl.col("position"),
            action=pl.lit("assign_option"),
            detail=pl.col("detail"),
            params=pl.col("params"),
        )
    ]
    single = attribute.type in SINGLE_VALUED
    if mode == "sync" or single:
        eligible = desired.select("row", "user_id").filter(pl.col("user_id").is_not_null())
        if mode != "sync":
            eligible = eligible.join(wanted.select("row").unique(), on="row", how="semi")
        kept = matched.select("row", held_option_id="match").drop_nulls()
        removed = (
            eligible.select("row", "user_id")
            .join(held, on="user_id", how="inner")
            .join(kept, on=["row", "held_option_id"], how="anti")
        )
        pieces.append(
            _piece(
                removed,
                group,
                position=pl.col("held_option_id").rank("dense"),
                action=pl.lit("unassign_option"),
                detail=pl.format("unset {}={}", name, "held_value"),
                params=json_of(
                    attribute_id=pl.lit(attribute.attribute_id),
                    option_id=pl.col("held_option_id"),
                    value=pl.col("held_value"),
                ),
            )
        )
    return pieces


def _prelude(wanted: list[pl.DataFrame], attribute_columns: dict[str, Attribute]) -> pl.DataFrame:
    """Options no one holds yet, each (attribute, value) once, in the order the file asks."""
    attributes = list(attribute_columns.values())
    if not wanted:
        return pl.DataFrame(schema=PRELUDE_SCHEMA)
    new = (
        pl.concat(wanted)
        .sort("row", "column", "position")
        .with_columns(folded=pl.col("value").str.to_lowercase())
        .unique(["attribute_id", "folded"], keep="first", maintain_order=True)
    )
    steps = []
    for column, value in new.select("column", "value").iter_rows():
        attribute = attributes[column]
        params = {"attribute_id": attribute.attribute_id, "value": value}
        steps.append(Step("create_option", params, f"create option {value!r} of {attribute.name}"))
    return pl.DataFrame(
        [(s.action, s.summary, params_json(s.params)) for s in steps],
        schema=PRELUDE_SCHEMA,
        orient="row",
    )
