"""Generated onboarding files: N new hires that use the org's own attributes and teams.

Used by the end-to-end tests, the benchmark and the demo's example workbook. Every attribute
type is exercised (SINGLE_SELECT and MULTI_SELECT from existing options, TEXT from a small set
of desk names so rows share values, NUMBER levels), teams with team roles, and out-of-office
entries covered by another new hire. Deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import polars as pl

from transforms.org_state import OrgState

ZONES = ("Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo", "UTC")
LOCALES = ("en", "de", "fr", "es", "pt-BR")
REASONS = ("vacation", "travel", "sick", "public_holiday", "unspecified")


def onboarding_frames(
    state: OrgState,
    n_users: int,
    *,
    seed: int = 0,
    domain: str = "onboard.example",
    ooo_every: int = 5,
    max_teams: int = 2,
) -> dict[str, pl.DataFrame]:
    """``{"users": ..., "ooo": ...}`` sheets as a person would fill them in."""
    rng = random.Random(seed)
    teams = sorted({t["name"] for t in state.teams_by_name.values()})
    attributes = sorted(state.attributes.values(), key=lambda a: a.name)
    rows = []
    for i in range(n_users):
        row = {
            "email": f"hire{i:05d}@{domain}",
            "username": f"hire{i:05d}",
            "name": f"Hire {i:05d}",
            "time_zone": rng.choice(ZONES),
            "locale": rng.choice(LOCALES),
            "time_format": rng.choice(("12", "24")),
            "org_role": "ADMIN" if i % 50 == 0 else "MEMBER",
            "teams": _teams_cell(rng, teams, max_teams),
        }
        for attribute in attributes:
            row[attribute.name] = _attribute_value(rng, state, attribute.attribute_id,
                                                   attribute.type)  # fmt: skip
        rows.append(row)
    users = pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.Utf8) if rows else None)
    return {"users": users, "ooo": _ooo_rows(rng, rows, ooo_every)}


def _teams_cell(rng: random.Random, teams: list[str], max_teams: int) -> str | None:
    if not teams:
        return None
    chosen = rng.sample(teams, k=rng.randint(1, min(max_teams, len(teams))))
    return "; ".join(f"{t}:ADMIN" if rng.random() < 0.1 else t for t in chosen)


def _attribute_value(rng: random.Random, state: OrgState, attribute_id: str, kind: str) -> str:
    values = state.option_values(attribute_id)
    if kind == "SINGLE_SELECT" and values:
        return rng.choice(values)
    if kind == "MULTI_SELECT" and values:
        return "; ".join(rng.sample(values, k=rng.randint(1, min(3, len(values)))))
    if kind == "NUMBER":
        return str(rng.randint(1, 9))
    return f"Desk {rng.randint(1, 12)}"


def _ooo_rows(rng: random.Random, rows: list[dict], every: int) -> pl.DataFrame:
    entries = []
    for i in range(0, len(rows), every):
        coverer = rows[(i + 1) % len(rows)]["email"] if len(rows) > 1 else None
        start = dt.date(2027, 1, 4) + dt.timedelta(days=rng.randint(0, 200))
        entries.append({
            "email": rows[i]["email"],
            "start": start.isoformat(),
            "end": (start + dt.timedelta(days=rng.randint(0, 10))).isoformat(),
            "reason": rng.choice(REASONS),
            "notes": "onboarding trip" if i % 2 else None,
            "covering_email": coverer,
        })  # fmt: skip
    schema = dict.fromkeys(("email", "start", "end", "reason", "notes", "covering_email"), pl.Utf8)
    return pl.DataFrame(entries, schema=schema)


def write_onboarding_workbook(path: Path, frames: dict[str, pl.DataFrame]) -> Path:
    """Write the sheets as one .xlsx workbook (sheet per kind), as Excel would hold them."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    with xlsxwriter.Workbook(str(path)) as book:
        for kind, frame in frames.items():
            frame.write_excel(book, worksheet=kind, autofit=True)
    return path


# The sandbox's seeded org (sandbox/_seed.py) has these attributes and at least these teams;
# the example workbook in templates/ is written against them so `calbulk demo` can import it.
DEMO_ATTRIBUTES = {
    "Department": ("SINGLE_SELECT", ["Engineering", "Sales", "Marketing", "Support", "People"]),
    "Skills": ("MULTI_SELECT", ["Python", "SQL", "Go", "Design", "Spanish", "German"]),
    "Office": ("SINGLE_SELECT", ["Zürich", "São Paulo", "Kraków", "New York", "Remote"]),
    "Location note": ("TEXT", []),
    "Level": ("NUMBER", []),
}
DEMO_TEAMS = ("Engineering", "Sales EMEA")


def demo_state() -> OrgState:
    """An OrgState with the demo org's attribute names, options and teams (no users)."""
    from transforms.org_state import Attribute

    state = OrgState()
    for index, (name, (kind, values)) in enumerate(DEMO_ATTRIBUTES.items()):
        attribute_id = f"demo-{index}"
        state.attributes[attribute_id] = Attribute(attribute_id, name, name.lower(), kind)
        state.options[attribute_id] = {v.casefold(): (f"{attribute_id}-{v}", v) for v in values}
    for team_id, name in enumerate(DEMO_TEAMS, start=1):
        state.teams_by_name[name.casefold()] = {"team_id": team_id, "name": name}
    return state


def write_example_workbook(path: Path, n_users: int = 40) -> Path:
    """templates/example_onboarding.xlsx: 40 hires and their out-of-office entries."""
    frames = onboarding_frames(demo_state(), n_users, seed=2026, domain="newhires.example")
    return write_onboarding_workbook(path, frames)


if __name__ == "__main__":
    import sys

    print(write_example_workbook(Path(sys.argv[1] if len(sys.argv) > 1 else "templates")
                                 / "example_onboarding.xlsx"))  # fmt: skip
