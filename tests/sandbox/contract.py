"""Check sandbox responses against the official OpenAPI document's response schemas.

``ContractClient.call(method, template, status, ...)`` sends the request, asserts the status
and validates the body against the schema the spec gives for (path, method, status), with
``$ref``s inlined and the documented deviations (``DEVIATIONS``, also in sandbox/README.md)
applied. It records which operations succeeded so a test can demand full coverage.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
from openapi_schema_validator import OAS30Validator

OOO_ENTRY = {
    "type": "object",
    "required": ["userId", "id", "uuid", "start", "end", "reason"],
    "properties": {
        "userId": {"type": "integer"},
        "toUserId": {"type": "integer", "nullable": True},
        "id": {"type": "integer"},
        "uuid": {"type": "string"},
        "start": {"type": "string", "pattern": r"T00:00:00\.000Z$"},
        "end": {"type": "string", "pattern": r"T23:59:59\.999Z$"},
        "notes": {"type": "string", "nullable": True},
        "reason": {"enum": ["unspecified", "vacation", "travel", "sick", "public_holiday"]},
    },
}
ERROR_ENVELOPE = {
    "type": "object",
    "required": ["status", "timestamp", "path", "error"],
    "properties": {
        "status": {"enum": ["error"]},
        "timestamp": {"type": "string"},
        "path": {"type": "string"},
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        },
    },
}

# Where the real API is known to differ from its own spec (evidence in sandbox/README.md).
DEVIATIONS = {
    "GetAllOrgMemberships.data": "an array of OrganizationMembershipOutput (api-notes §6)",
    "MembershipUserOutputDto nulls": "username/name/bio/avatarUrl are null when unset (§5.1)",
    "AssignedOptionOutput.assignedUserIds": "numbers, they are user ids (api-notes §7.2)",
    "TeamWebhookOutputDto": "id is a UUID string (spec: number); triggers are strings; "
    "payloadTemplate may be null",
    "OOO operations": "no schema in the spec; checked against UserOooOutputDto (api-notes §8)",
    "OrganizationMembershipOutput.attributes": "oneOf -> anyOf: Text and SingleSelect shapes are "
    "identical, so no value can match exactly one (a flaw of the spec, not of the API)",
    "teams/me items": "OrgMeTeamOutputDto adds the caller's role and accepted (extra properties)",
    "undeclared path parameters": "49 org operations use {orgId} etc. without declaring them "
    "(test_schemathesis declares them on a copy)",
    "CreateUserInput.locale": "no enum in the spec; LocaleValidator accepts exactly 22 locales",
}


def _apply_deviations(spec: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    schemas = spec["components"]["schemas"]
    schemas["GetAllOrgMemberships"]["properties"]["data"] = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/OrganizationMembershipOutput"},
    }
    for name in ("username", "name", "bio", "avatarUrl"):
        schemas["MembershipUserOutputDto"]["properties"][name]["nullable"] = True
    schemas["AssignedOptionOutput"]["properties"]["assignedUserIds"]["items"] = {"type": "integer"}
    attributes = schemas["OrganizationMembershipOutput"]["properties"]["attributes"]["items"]
    attributes["anyOf"] = attributes.pop("oneOf")
    webhook = schemas["TeamWebhookOutputDto"]["properties"]
    webhook["id"] = {"type": "string"}
    webhook["triggers"]["items"] = {"type": "string"}
    webhook["payloadTemplate"]["nullable"] = True
    return spec


class SchemaBook:
    """Response schemas by (path template, method, status), refs inlined."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = _apply_deviations(spec)

    def _inline(self, node: Any, depth: int = 0) -> Any:
        if depth > 40:
            raise RecursionError("schema nesting too deep (cyclic $ref?)")
        if isinstance(node, dict):
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[-1]
                target = self._inline(self.spec["components"]["schemas"][name], depth + 1)
                siblings = {k: v for k, v in node.items() if k != "$ref"}
                return {**target, **siblings}
            return {k: self._inline(v, depth + 1) for k, v in node.items()}
        if isinstance(node, list):
            return [self._inline(item, depth + 1) for item in node]
        return node

    def has(self, template: str, method: str) -> bool:
        return method.lower() in self.spec["paths"].get(template, {})

    def schema(self, template: str, method: str, status: int) -> dict[str, Any] | None:
        operation = self.spec["paths"][template][method.lower()]
        response = operation["responses"][str(status)]
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if "/ooo" in template:
            data = OOO_ENTRY if method != "GET" else {"type": "array", "items": OOO_ENTRY}
            return {
                "type": "object",
                "required": ["status", "data"],
                "properties": {"status": {"enum": ["success"]}, "data": data},
            }
        return None if not schema else self._inline(schema)


class ContractClient:
    """Sends requests and validates every answer; remembers the operations it saw succeed."""

    def __init__(self, client: httpx.Client, book: SchemaBook) -> None:
        self.client = client
        self.book = book
        self.covered: set[tuple[str, str]] = set()

    def call(self, method: str, template: str, status: int, **kwargs: Any) -> Any:
        values = kwargs.pop("path", {})
        url = template.format(**values)
        response = self.client.request(method, url, **kwargs)
        assert response.status_code == status, f"{method} {url}: {response.text}"
        assert self.book.has(template, method), f"{method} {template} is not in the spec"
        if status == 204:
            assert response.content == b""
        elif status >= 400:
            OAS30Validator(ERROR_ENVELOPE).validate(response.json())
        else:
            schema = self.book.schema(template, method, status)
            assert schema is not None, f"no schema for {method} {template} {status}"
            OAS30Validator(schema).validate(response.json())
        if status < 400:
            self.covered.add((method, template))
        return None if status == 204 else response.json()
