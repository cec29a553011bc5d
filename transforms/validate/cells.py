"""Cells whose meaning depends on the organization: team lists and attribute values.

Validation and the plan both read these cells through the functions here, so what validation
accepts is exactly what the plan sends.
"""

from __future__ import annotations

from dataclasses import dataclass

from transforms.org_state import Attribute, OrgState
from transforms.validate.rules import (
    MEMBERSHIP_ROLES,
    accepted_list,
    canonical_number,
    did_you_mean,
    normalise_role,
    split_list,
)


@dataclass(frozen=True)
class CellError:
    """What is wrong with one cell (or one item of a list cell) and what is accepted."""

    value: str
    problem: str
    accepted: str


@dataclass(frozen=True)
class WantedOption:
    """An option a user should hold: ``option_id`` None means it must be created first."""

    attribute_id: str
    value: str
    option_id: str | None


def parse_teams(cell: str | None, state: OrgState) -> tuple[dict[int, str | None], list[CellError]]:
    """``'Sales; Support:ADMIN'`` -> ({sales_id: None, support_id: 'ADMIN'}, errors).

    A team without a role (None) means membership only: a new member joins as MEMBER, an
    existing member keeps their team role; only an explicit ``Team:ROLE`` changes a role.
    """
    teams: dict[int, str | None] = {}
    errors: list[CellError] = []
    known = sorted({t["name"] for t in state.teams_by_name.values()})
    for item in split_list(cell):
        name, _, role_text = item.rpartition(":") if ":" in item else (item, "", "")
        name = name.strip()
        role = normalise_role(role_text) if role_text.strip() else None
        team = state.team(name)
        if team is None:
            hint = did_you_mean(name, known)
            errors.append(
                CellError(
                    item,
                    "no such team in the organization",
                    hint or f"one of: {accepted_list(known) or '(no teams)'}",
                )
            )
            continue
        if role is not None and role not in MEMBERSHIP_ROLES:
            errors.append(
                CellError(
                    item,
                    f"unknown team role {role_text.strip()!r}",
                    "Team or Team:ADMIN / Team:OWNER (MEMBER when omitted)",
                )
            )
            continue
        if team["team_id"] in teams:
            errors.append(CellError(item, "team listed twice in this cell", "each team once"))
            continue
        teams[team["team_id"]] = role
    return teams, errors


def parse_attribute_cell(
    attribute: Attribute, cell: str | None, state: OrgState, create_missing: bool
) -> tuple[list[WantedOption], list[CellError]]:
    """The options a cell asks for, by attribute type.

    SINGLE_SELECT takes one existing option, MULTI_SELECT several (``;``-separated); both may
    name options that do not exist only with ``create_missing``. TEXT takes any text and NUMBER
    a number: their values reuse an existing option with that value, else one is created.
    """
    if cell is None or not cell.strip():
        return [], []
    if attribute.type in ("TEXT", "NUMBER"):
        return _free_value(attribute, cell.strip(), state)
    items = split_list(cell) if attribute.type == "MULTI_SELECT" else [cell.strip()]
    if attribute.type == "SINGLE_SELECT" and len(split_list(cell)) > 1:
        return [], [
            CellError(
                cell,
                f"{attribute.name} takes one value",
                "a single option (this attribute is single-select)",
            )
        ]
    wanted: list[WantedOption] = []
    errors: list[CellError] = []
    for item in items:
        found = state.option_for(attribute.attribute_id, item)
        if found is not None:
            option = WantedOption(attribute.attribute_id, found[1], found[0])
        elif create_missing:
            option = WantedOption(attribute.attribute_id, item, None)
        else:
            choices = state.option_values(attribute.attribute_id)
            hint = did_you_mean(item, choices)
            accepted = f"one of: {accepted_list(choices) or '(no options)'}"
            errors.append(
                CellError(
                    item,
                    f"not an option of {attribute.name}",
                    f"{hint + ' ' if hint else ''}{accepted} (or --create-missing-options)",
                )
            )
            continue
        if option.value.casefold() not in {w.value.casefold() for w in wanted}:
            wanted.append(option)
    return wanted, errors


def _free_value(
    attribute: Attribute, text: str, state: OrgState
) -> tuple[list[WantedOption], list[CellError]]:
    if attribute.type == "NUMBER":
        number = canonical_number(text)
        if number is None:
            return [], [
                CellError(text, f"{attribute.name} takes a number", "a number like 42 or 3.5")
            ]
        text = number
    found = state.option_for(attribute.attribute_id, text)
    if found is not None:
        return [WantedOption(attribute.attribute_id, found[1], found[0])], []
    return [WantedOption(attribute.attribute_id, text, None)], []
