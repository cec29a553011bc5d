"""calbulk accepts exactly what the API accepts, and survives what the API sends.

- Locales, time zones and permissions: calbulk's validation, its templates and the sandbox
  agree with Cal.com's own validators (``LocaleValidator``, ``TimeZoneValidator``, the PBAC
  ``permission-registry.ts``); a value one accepts and another refuses would pass a dry run
  and fail at apply time.
- Export: a field the API adds is ignored; a value of the wrong type in a known column stops
  the export with a message naming table, column, value and what was expected.
"""

from __future__ import annotations

import openpyxl
import pytest

from sandbox import _permissions as sandbox_permissions
from sandbox._users import LOCALES as SANDBOX_LOCALES
from sandbox._users import TIME_ZONES as SANDBOX_TIME_ZONES
from tests.conftest import REPO_ROOT
from transforms.sheets.templates import dropdown_lists
from transforms.snapshot.schemas import UnexpectedValue
from transforms.snapshot.teams import webhooks_table
from transforms.snapshot.users import users_table
from transforms.validate.rules import (
    LOCALES,
    ORG_PERMISSIONS,
    TEAM_PERMISSIONS,
    permission_problem,
    time_zones,
)

# apps/api/v2/src/modules/users/validators/localeValidator.ts, verbatim
CALCOM_LOCALES = {
    "en", "fr", "it", "ru", "es", "de", "pt", "ro", "nl", "pt-BR", "ko", "ja", "pl", "ar", "iw",
    "zh-CN", "zh-TW", "cs", "sr", "sv", "vi", "bn",
}  # fmt: skip


def test_locales_are_the_api_validators_list_everywhere() -> None:
    assert set(LOCALES) == CALCOM_LOCALES == set(SANDBOX_LOCALES)
    assert set(dropdown_lists(None)["locales"]) == CALCOM_LOCALES
    lists = openpyxl.load_workbook(REPO_ROOT / "templates" / "users.xlsx")["lists"]
    cells = {c for row in lists.iter_rows(values_only=True) for c in row if isinstance(c, str)}
    assert "es-419" not in cells and "pt-BR" in cells  # the shipped template follows


def test_time_zones_are_the_same_list_as_the_sandbox() -> None:
    assert time_zones() == SANDBOX_TIME_ZONES
    assert "Europe/Rome" in time_zones() and "europe/rome" not in time_zones()


def test_permissions_are_the_sandbox_registry_in_both_scopes() -> None:
    assert ORG_PERMISSIONS == sandbox_permissions.ORG_PERMISSIONS
    assert TEAM_PERMISSIONS == sandbox_permissions.TEAM_PERMISSIONS


@pytest.mark.parametrize(
    ("permission", "team_role", "problem"),
    [
        ("organization.passwordReset", False, None),
        ("featureOptIn.read", False, None),
        ("featureOptIn.update", True, None),
        ("organization.passwordReset", True, "organization permissions are not allowed"),
        ("ooo.read", False, "unknown permission"),  # in the registry with an empty scope
        ("team.manageBilling", False, "unknown permission"),
    ],
)
def test_newest_permissions(permission: str, team_role: bool, problem: str | None) -> None:
    found = permission_problem(permission, team_role)
    assert found == problem or (problem is not None and found and found.startswith(problem))


def _webhook(**changes: object) -> dict:
    record = {
        "id": "5b1f4a4e-8d0c-4c61-9f55-0a8c2b0d8f11",
        "teamId": 7,
        "subscriberUrl": "https://hooks.example.com/a",
        "triggers": ["BOOKING_CREATED", "WRONG_ASSIGNMENT_REPORT"],
        "active": True,
        "payloadTemplate": None,
        "secret": "whsec_never_exported",
    }
    record.update(changes)
    return record


def test_a_field_the_api_adds_never_fails_an_export() -> None:
    hooks = webhooks_table([_webhook(version="2021-10-20", platform=False, time={"unit": "s"})])
    assert hooks["webhook_id"].to_list() == ["5b1f4a4e-8d0c-4c61-9f55-0a8c2b0d8f11"]
    assert "version" not in hooks.columns and "secret" not in hooks.columns
    users = users_table(
        [{"id": 3, "email": "a@example.com", "newFlag": True, "timeZone": "Europe/Rome"}]
    )
    assert users["user_id"].to_list() == [3] and "newFlag" not in users.columns


def _hook(**changes: object):
    return webhooks_table([_webhook(**changes)])


def _user(**changes: object):
    return users_table([{"id": 7, "email": "a@example.com", **changes}])


@pytest.mark.parametrize(
    ("table", "build", "column", "value", "expected"),
    [
        ("webhooks", lambda v: _hook(active=v), "active", "yes", "true or false"),
        ("webhooks", lambda v: _hook(subscriberUrl=v), "subscriber_url", 5, "text"),
        ("users", lambda v: _user(id=v), "user_id", "7", "a whole number"),
        ("users", lambda v: _user(timeFormat=v), "time_format", True, "a whole number"),
    ],
    ids=["bool-as-text", "number-as-text", "id-as-text", "bool-as-number"],
)
def test_a_wrong_type_in_a_known_column_names_table_column_value_and_expected(
    table, build, column, value, expected
) -> None:
    with pytest.raises(UnexpectedValue) as caught:
        build(value)
    message = str(caught.value)
    assert f"table {table}, column {column}" in message
    assert repr(value) in message and f"expected {expected}" in message
