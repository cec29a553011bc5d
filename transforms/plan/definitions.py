"""Plan the definition sheets: teams, attributes (with their options) and webhooks.

Desired minus current as joins on natural keys: a team by name, an attribute by slug, an
option by attribute slug + value, a webhook by subscriber URL. What is missing is created, what
differs is updated; nothing is deleted unless ``prune`` (``--mode sync --prune-definitions``),
and then only what the org has and the file's sheet does not list (only for sheets the file
has). Prune steps are planned on lines numbered after the sheet's last row, keyed by name.

A webhook's secret never enters the plan: its step says only that a secret is sent; the value
is looked up by subscriber URL when the step runs (``flows.importer.steps``).
"""

from __future__ import annotations

import polars as pl

from transforms.org_state import OrgState
from transforms.plan.steps import RowPlan, Step, frames_from_rows
from transforms.sheets.columns import DEFINITION_KINDS
from transforms.validate.definitions import SELECT_TYPES, slugify
from transforms.validate.rules import split_list

OWNER_NOTE = "the API makes the key's user an OWNER of a team it creates"
SECRET_NOTE = "a webhook's secret cannot be read back: it is sent when the webhook is created"
TEAM_FIELDS = {  # sheet column -> API field
    "name": "name",
    "slug": "slug",
    "bio": "bio",
    "is_private": "isPrivate",
    "hide_book_a_team_member": "hideBookATeamMember",
    "hide_branding": "hideBranding",
    "time_zone": "timeZone",
    "week_start": "weekStart",
    "time_format": "timeFormat",
    "logo_url": "logoUrl",
}


BOOLEAN_COLUMNS = ("is_private", "hide_book_a_team_member", "hide_branding", "enabled", "active")


def _api_value(column: str, value: str) -> object:
    if value in ("true", "false") and column in BOOLEAN_COLUMNS:
        return value == "true"
    if column == "time_format":
        return int(value)
    return value


def _as_text(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Current values as the sheet spells them (booleans ``true``/``false``, numbers as text)."""
    return frame.with_columns(
        pl.col(c).cast(pl.Utf8).str.to_lowercase()
        if frame.schema[c] == pl.Boolean
        else pl.col(c).cast(pl.Utf8)
        for c in columns
        if c in frame.columns
    )


def _valid(frame: pl.DataFrame, skip_rows: set[int]) -> pl.DataFrame:
    return frame.filter(~pl.col("row").is_in(sorted(skip_rows)))


def _prune_rows(
    sheet: str,
    frame: pl.DataFrame,
    current: pl.DataFrame,
    listed: pl.DataFrame,
    *,
    on: str,
    ident: str,
    key: str,
) -> list[RowPlan]:
    """One ``delete_<sheet's definition>`` line per org definition (a ``current`` row, matched
    ``on``) that the sheet (``listed``) no longer lists, numbered after the sheet's last row and
    named by ``current``'s ``key`` column; ``ident`` is the id column the step deletes by."""
    what = sheet.removesuffix("s")
    gone = current.join(listed.select(on), on=on, how="anti", maintain_order="left")
    start = int(frame["row"].max() or 1)
    plans = []
    for offset, (ident_value, name) in enumerate(gone.select(ident, key).iter_rows(), start=1):
        plan = RowPlan(sheet, start + offset, name, None)
        plan.steps.append(
            Step(f"delete_{what}", {"id": ident_value, "key": name}, f"delete {what} {name}")
        )
        plans.append(plan)
    return plans


def _update_step(
    action: str, target: dict[str, object], changed: dict[str, str], names: dict[str, str]
) -> Step:
    """Update the definition ``target`` (its id field) with the sheet's ``changed`` columns, sent
    as the API fields ``names`` gives (else under the column's own name)."""
    fields = {names.get(c, c): _api_value(c, v) for c, v in changed.items()}
    summary = "update " + ", ".join(f"{c}={v}" for c, v in changed.items())
    return Step(action, {**target, **fields}, summary)


def plan_teams(
    frame: pl.DataFrame, teams: pl.DataFrame, skip_rows: set[int], prune: bool
) -> list[RowPlan]:
    """Create missing teams (by name), update the fields that differ, prune unlisted ones."""
    columns = list(TEAM_FIELDS)
    current = _as_text(teams, columns[1:]).select(
        "team_id", key=pl.col("name").str.to_lowercase(),
        **{f"{c}_now": pl.col(c) for c in columns if c in teams.columns},
    )  # fmt: skip
    joined = _valid(frame, skip_rows).with_columns(key=pl.col("name").str.to_lowercase())
    joined = joined.join(current, on="key", how="left", maintain_order="left")
    plans = []
    for entry in joined.iter_rows(named=True):
        plan = RowPlan("teams", entry["row"], entry["name"], None)
        given = {c: entry[c] for c in columns if entry[c] is not None}
        body = {TEAM_FIELDS[c]: _api_value(c, v) for c, v in given.items()}
        if entry["team_id"] is None:
            plan.notes.append(OWNER_NOTE)
            plan.steps.append(Step("create_team", body, f"create team {entry['name']}"))
        else:
            changed = {c: v for c, v in given.items() if v != entry.get(f"{c}_now")}
            if changed:
                target = {"team_id": entry["team_id"]}
                plan.steps.append(_update_step("update_team", target, changed, TEAM_FIELDS))
        plans.append(plan)
    if prune:
        plans += _prune_rows("teams", frame, current, joined, on="key", ident="team_id",
                             key="name_now")  # fmt: skip
    return plans


def plan_attributes(
    frame: pl.DataFrame,
    attributes: pl.DataFrame,
    options: pl.DataFrame,
    skip_rows: set[int],
    prune: bool,
) -> list[RowPlan]:
    """Create missing attributes (by slug) with their options; update name, type, enabled;
    add missing options (by value); prune removes unlisted options and attributes."""
    current = _as_text(attributes, ["enabled"]).select(
        "attribute_id", "slug", name_now="name", type_now="type", enabled_now="enabled"
    )
    joined = _valid(frame, skip_rows).join(current, on="slug", how="left", maintain_order="left")
    wanted = (
        joined.select(
            "row",
            "attribute_id",
            value=pl.col("options")
            .str.split(";")
            .list.eval(pl.element().str.strip_chars())
            .list.filter(pl.element() != ""),
        )
        .explode("value")
        .drop_nulls("value")
        .with_columns(key=pl.col("value").str.to_lowercase())
    )
    held = options.select(
        "attribute_id", "option_id", value_now="value", key=pl.col("value").str.to_lowercase()
    )
    missing = wanted.filter(pl.col("attribute_id").is_not_null()).join(
        held, on=["attribute_id", "key"], how="anti", maintain_order="left"
    )
    plans = []
    for entry in joined.iter_rows(named=True):
        plan = RowPlan("attributes", entry["row"], entry["slug"], None)
        values = split_list(entry["options"]) if entry["type"] in SELECT_TYPES else []
        if entry["attribute_id"] is None:
            body = {
                "name": entry["name"],
                "slug": entry["slug"],
                "type": entry["type"],
                "options": [{"value": v, "slug": slugify(v) or "option"} for v in values],
            }
            if entry["enabled"] is not None:
                body["enabled"] = entry["enabled"] == "true"
            plan.steps.append(
                Step(
                    "create_attribute",
                    body,
                    f"create {entry['type']} attribute {entry['name']}"
                    + (f" with {len(values)} option(s)" if values else ""),
                )
            )
            plans.append(plan)  # fmt: skip
            continue
        changed = {k: entry[k] for k in ("name", "type", "enabled")
                   if entry[k] is not None and entry[k] != entry[f"{k}_now"]}  # fmt: skip
        if changed:
            target = {"attribute_id": entry["attribute_id"]}
            plan.steps.append(_update_step("update_attribute", target, changed, {}))
        for value in missing.filter(pl.col("row") == entry["row"])["value"]:
            plan.steps.append(
                Step("add_attribute_option", {"attribute_id": entry["attribute_id"],
                     "value": value, "slug": slugify(value) or "option"}, f"add option {value}")
            )  # fmt: skip
        if prune and entry["options"] is not None:
            listed = wanted.filter(pl.col("row") == entry["row"]).select("key")
            extra = held.filter(pl.col("attribute_id") == entry["attribute_id"]).join(
                listed, on="key", how="anti", maintain_order="left"
            )
            for option_id, value in extra.select("option_id", "value_now").iter_rows():
                plan.steps.append(
                    Step("delete_attribute_option", {"attribute_id": entry["attribute_id"],
                         "option_id": option_id, "value": value}, f"delete option {value}")
                )  # fmt: skip
        plans.append(plan)
    if prune:
        plans += _prune_rows("attributes", frame, current, joined, on="slug",
                             ident="attribute_id", key="slug")  # fmt: skip
    return plans


def plan_webhooks(
    frame: pl.DataFrame, webhooks: pl.DataFrame, skip_rows: set[int], prune: bool
) -> list[RowPlan]:
    """Create missing webhooks (by subscriber URL); update triggers, active, payload template."""
    current = webhooks.select(
        "webhook_id",
        key=pl.col("subscriber_url").str.to_lowercase(),
        url_now="subscriber_url",
        triggers_now=pl.col("triggers").list.sort().list.join("; "),
        active_now=pl.col("active").cast(pl.Utf8).str.to_lowercase(),
        template_now="payload_template",
    )
    joined = _valid(frame, skip_rows).with_columns(key=pl.col("subscriber_url").str.to_lowercase())
    joined = joined.join(current, on="key", how="left", maintain_order="left")
    plans = []
    for entry in joined.iter_rows(named=True):
        url = entry["subscriber_url"]
        plan = RowPlan("webhooks", entry["row"], url, None)
        triggers = split_list(entry["triggers"])
        if entry["webhook_id"] is None:
            body = {"subscriberUrl": url, "triggers": triggers,
                    "active": entry["active"] != "false"}  # fmt: skip
            if entry["payload_template"]:
                body["payloadTemplate"] = entry["payload_template"]
            if entry["secret"]:
                body["secret"] = True  # a marker: the value is sent from the sheet, never planned
            plan.steps.append(Step("create_webhook", body, f"create webhook {url}"))
        else:
            changed = {}
            if entry["triggers"] != entry["triggers_now"]:
                changed["triggers"] = triggers
            if entry["active"] is not None and entry["active"] != entry["active_now"]:
                changed["active"] = entry["active"] == "true"
            template = entry["payload_template"]
            if template is not None and template != entry["template_now"]:
                changed["payloadTemplate"] = template
            if changed:
                plan.steps.append(
                    Step("update_webhook", {"webhook_id": entry["webhook_id"], **changed},
                         "update " + ", ".join(changed))
                )  # fmt: skip
            if entry["secret"]:
                plan.notes.append(SECRET_NOTE)
        plans.append(plan)
    if prune:
        plans += _prune_rows("webhooks", frame, current, joined, on="key", ident="webhook_id",
                             key="url_now")  # fmt: skip
    return plans


def plan_definitions(
    frames: dict[str, pl.DataFrame],
    tables: dict[str, pl.DataFrame],
    skip: dict[str, set[int]],
    *,
    prune: bool = False,
) -> list[RowPlan]:
    """Every definition sheet's rows, teams first, then attributes, then webhooks."""
    plans: list[RowPlan] = []
    if "teams" in frames:
        plans += plan_teams(frames["teams"], tables["teams"], skip["teams"], prune)
    if "attributes" in frames:
        attributes, options = tables["attributes"], tables["attribute_options"]
        plans += plan_attributes(frames["attributes"], attributes, options,
                                 skip["attributes"], prune)  # fmt: skip
    if "webhooks" in frames:
        plans += plan_webhooks(frames["webhooks"], tables["webhooks"], skip["webhooks"], prune)
    return plans


def definition_frames(
    validated, state: OrgState, *, prune: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """The row and step frames of the file's definition sheets, or None when it has none."""
    kinds = [k for k in DEFINITION_KINDS if k in validated.frames]
    if not kinds:
        return None
    tables = {name: state.tables.get(name, _EMPTY[name]) for name in _EMPTY}
    skip = {k: validated.invalid_rows(k) for k in kinds}
    return frames_from_rows(plan_definitions(validated.frames, tables, skip, prune=prune))


_EMPTY = {
    "teams": pl.DataFrame(schema={"team_id": pl.Int64, **{c: pl.Utf8 for c in TEAM_FIELDS}}),
    "attributes": pl.DataFrame(schema={"attribute_id": pl.Utf8, "name": pl.Utf8, "slug": pl.Utf8,
                                       "type": pl.Utf8, "enabled": pl.Boolean}),
    "attribute_options": pl.DataFrame(schema={"option_id": pl.Utf8, "attribute_id": pl.Utf8,
                                              "value": pl.Utf8, "slug": pl.Utf8}),
    "webhooks": pl.DataFrame(schema={"webhook_id": pl.Utf8, "subscriber_url": pl.Utf8,
                                     "triggers": pl.List(pl.Utf8), "active": pl.Boolean,
                                     "payload_template": pl.Utf8}),
}  # fmt: skip


__all__ = [
    "definition_frames",
    "plan_attributes",
    "plan_definitions",
    "plan_teams",
    "plan_webhooks",
]
