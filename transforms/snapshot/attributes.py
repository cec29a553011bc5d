"""API records -> the attributes, attribute_options and attribute_assignments tables.

Assignments come from the org memberships listing, which carries each member's
attribute values in four shapes (api-notes §6)::

    {"id", "name", "type": "text",         "option": "…",  "optionId": "…"}
    {"id", "name", "type": "number",       "option": 42,   "optionId": "…"}
    {"id", "name", "type": "singleSelect", "option": "…",  "optionId": "…"}
    {"id", "name", "type": "multiSelect",  "options": [{"optionId": "…", "option": "…"}, …]}

so one paged listing yields every assignment; no call per user.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import polars as pl

from transforms.snapshot._records import Record, number_text, text_id
from transforms.snapshot.schemas import frame

# The memberships listing spells attribute types in camelCase; the attributes endpoint in CAPS.
MEMBERSHIP_ATTRIBUTE_TYPES = {
    "text": "TEXT",
    "number": "NUMBER",
    "singleSelect": "SINGLE_SELECT",
    "multiSelect": "MULTI_SELECT",
}


def attributes_table(records: Iterable[Record]) -> pl.DataFrame:
    """``GET /organizations/{orgId}/attributes`` items -> the ``attributes`` table."""
    rows = [
        {
            "attribute_id": text_id(r["id"]),
            "name": r["name"],
            "slug": r["slug"],
            "type": r["type"],
            "enabled": r.get("enabled", True),
            "users_can_edit_relation": r.get("usersCanEditRelation"),
        }
        for r in records
    ]
    return frame("attributes", rows)


def attribute_options_table(records: Iterable[Record]) -> pl.DataFrame:
    """``GET /attributes/{id}/options`` items (all attributes, concatenated) -> options table."""
    rows = [
        {
            "option_id": text_id(r["id"]),
            "attribute_id": text_id(r["attributeId"]),
            "value": r["value"],
            "slug": r["slug"],
        }
        for r in records
    ]
    return frame("attribute_options", rows)


def _member_assignments(user_id: int, item: Record) -> Iterator[dict]:
    kind = MEMBERSHIP_ATTRIBUTE_TYPES.get(item.get("type", ""), str(item.get("type", "")).upper())
    attribute_id = text_id(item["id"])
    if kind == "MULTI_SELECT":
        for choice in item.get("options") or []:
            yield {
                "user_id": user_id,
                "attribute_id": attribute_id,
                "option_id": text_id(choice.get("optionId")),
                "value": choice.get("option"),
            }
        return
    value = item.get("option")
    yield {
        "user_id": user_id,
        "attribute_id": attribute_id,
        "option_id": text_id(item.get("optionId")),
        "value": number_text(value) if kind == "NUMBER" else value,
    }


def attribute_assignments_table(membership_records: Iterable[Record]) -> pl.DataFrame:
    """Org memberships items (with ``attributes``) -> one row per user and option or value."""
    rows = [
        row
        for membership in membership_records
        for item in membership.get("attributes") or []
        for row in _member_assignments(membership["userId"], item)
    ]
    return frame("attribute_assignments", rows)


__all__ = [
    "MEMBERSHIP_ATTRIBUTE_TYPES",
    "attribute_assignments_table",
    "attribute_options_table",
    "attributes_table",
]
