"""class-validator–style validation of request bodies and queries.

The real API runs a global ``ValidationPipe`` with ``whitelist: true`` (unknown properties
are silently dropped) and turns failures into ``BadRequestException({errors})`` whose items
look like ``{target, value, property, children: [], constraints: {name: message}}``
(api-notes §2.3). ``validate`` reproduces that for the flat DTOs the org endpoints use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox._errors import ValidationFailed

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
HEX_COLOR_RE = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")

Check = Callable[[str, Any], dict[str, str]]


def is_int(value: Any) -> bool:
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer()
    )


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _kind_errors(kind: str, prop: str, value: Any, choices: tuple[Any, ...]) -> dict[str, str]:
    if kind == "string" and not isinstance(value, str):
        return {"isString": f"{prop} must be a string"}
    if kind == "int" and not is_int(value):
        return {"isInt": f"{prop} must be an integer number"}
    if kind == "number" and not is_number(value):
        return {"isNumber": f"{prop} must be a number conforming to the specified constraints"}
    if kind == "bool" and not isinstance(value, bool):
        return {"isBoolean": f"{prop} must be a boolean value"}
    if kind == "email" and not (isinstance(value, str) and EMAIL_RE.match(value)):
        return {"isEmail": f"{prop} must be an email"}
    if kind == "hexcolor" and not (isinstance(value, str) and HEX_COLOR_RE.match(value)):
        return {"isHexColor": f"{prop} must be a hexadecimal color"}
    if kind == "object" and not isinstance(value, dict):
        return {"isObject": f"{prop} must be an object"}
    if kind == "array" and not isinstance(value, list):
        return {"isArray": f"{prop} must be an array"}
    if kind == "enum" and value not in choices:
        listed = ", ".join(str(c) for c in choices)
        return {"isEnum": f"{prop} must be one of the following values: {listed}"}
    return {}


@dataclass(frozen=True)
class Field:
    """One DTO property: its kind and constraints, as the decorators on the real DTO."""

    name: str
    kind: str
    required: bool = False
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    not_empty: bool = False
    each: tuple[Any, ...] | None = None  # array items must be one of these
    check: Check | None = None

    def errors(self, value: Any) -> dict[str, str]:
        prop = self.name
        constraints = dict(_kind_errors(self.kind, prop, value, self.choices))
        if self.not_empty and value in (None, "", []):
            constraints["isNotEmpty"] = f"{prop} should not be empty"
        if self.minimum is not None and not (is_number(value) and value >= self.minimum):
            constraints["min"] = f"{prop} must not be less than {self.minimum:g}"
        if self.maximum is not None and not (is_number(value) and value <= self.maximum):
            constraints["max"] = f"{prop} must not be greater than {self.maximum:g}"
        if (
            self.each is not None
            and isinstance(value, list)
            and any(item not in self.each for item in value)
        ):
            listed = ", ".join(str(c) for c in self.each)
            constraints["isEnum"] = (
                f"each value in {prop} must be one of the following values: {listed}"
            )
        if self.check is not None and not constraints:
            constraints.update(self.check(prop, value))
        return constraints


def validate(data: Mapping[str, Any], fields: tuple[Field, ...]) -> dict[str, Any]:
    """Whitelisted copy of ``data`` (undeclared keys dropped) or ``ValidationFailed``."""
    clean: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for field in fields:
        present = field.name in data and data[field.name] is not None
        if not present and not field.required:
            continue
        value = data.get(field.name)
        constraints = field.errors(value)
        if constraints:
            error = {"target": dict(data), "property": field.name, "children": []}
            if field.name in data:
                error["value"] = None if value != value else value  # JSON has no NaN
            error["constraints"] = constraints
            errors.append(error)
        else:
            clean[field.name] = value
    if errors:
        raise ValidationFailed(errors)
    return clean


def int_query(raw: str | None) -> Any:
    """What ``@Type(() => Number)`` makes of a query string: a number, or NaN (also for one
    outside the 64-bit range, which no ``LIMIT``/``OFFSET`` can take)."""
    if raw is None:
        return None
    try:
        number = float(raw)
    except ValueError:
        return math.nan
    if not math.isfinite(number) or abs(number) >= 2**63:
        return math.nan
    return int(number) if number.is_integer() else number
