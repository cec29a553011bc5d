"""Typed calls, one method per organization endpoint calbulk uses.

Every path is under ``/v2/organizations/{orgId}``; the org id is bound to the client.
Lists come in pairs: ``iter_x`` (an async iterator over all pages, each page as large
as the endpoint allows) and ``list_x`` (the same, collected). Writes take the API's
own field names (camelCase, sent as the JSON body as-is; the API silently drops
unknown fields) and return the record the API sends back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from calapi._pagination import USERS_MAX_TAKE
from calapi._records import (
    AssignedOption,
    Attribute,
    AttributeOption,
    Membership,
    OptionAssignment,
    OrgRole,
    OutOfOffice,
    Team,
    TeamMembership,
    TeamRole,
    User,
    Webhook,
)

ORG = "/v2/organizations/{orgId}"
USERS = ORG + "/users"
USER = USERS + "/{userId}"
MEMBERSHIPS = ORG + "/memberships"
MEMBERSHIP = MEMBERSHIPS + "/{membershipId}"
ATTRIBUTES = ORG + "/attributes"
ATTRIBUTE = ATTRIBUTES + "/{attributeId}"
OPTIONS = ATTRIBUTE + "/options"
OPTION = OPTIONS + "/{optionId}"
ASSIGNED = OPTIONS + "/assigned"
ASSIGNED_BY_SLUG = ATTRIBUTES + "/slugs/{attributeSlug}/options/assigned"
USER_OPTIONS = ATTRIBUTES + "/options/{userId}"
USER_OPTION = USER_OPTIONS + "/{attributeOptionId}"
USER_OOO = USER + "/ooo"
USER_OOO_ENTRY = USER_OOO + "/{oooId}"
ORG_OOO = ORG + "/ooo"
TEAMS = ORG + "/teams"
TEAM = TEAMS + "/{teamId}"
TEAM_MEMBERSHIPS = TEAM + "/memberships"
TEAM_MEMBERSHIP = TEAM_MEMBERSHIPS + "/{membershipId}"
MY_TEAMS = TEAMS + "/me"
ORG_ROLES = ORG + "/roles"
ORG_ROLE = ORG_ROLES + "/{roleId}"
TEAM_ROLES = TEAM + "/roles"
TEAM_ROLE = TEAM_ROLES + "/{roleId}"
WEBHOOKS = ORG + "/webhooks"
WEBHOOK = WEBHOOKS + "/{webhookId}"


def _csv(values: Iterable[Any] | None) -> str | None:
    return None if values is None else ",".join(str(v) for v in values)


def _roles(team_id: int | None) -> tuple[str, dict[str, Any]]:
    """Org roles or, with a team id, that team's roles: same shape, different base."""
    if team_id is None:
        return ORG_ROLES, {}
    return TEAM_ROLES, {"teamId": team_id}


class OrganizationEndpoints:
    """Mixed into CalClient, which provides ``_org_call`` (one call, org id filled in)
    and ``_paginate`` (an async iterator over every page of a take/skip list)."""

    _org_call: Any
    _paginate: Any

    # -- users -----------------------------------------------------------------

    def iter_users(
        self,
        emails: Iterable[str] | None = None,
        team_ids: Iterable[int] | None = None,
        assigned_option_ids: Iterable[str] | None = None,
        attribute_query_operator: str | None = None,
    ) -> AsyncIterator[User]:
        params = {
            "emails": list(emails) if emails is not None else None,
            "teamIds": _csv(team_ids),
            "assignedOptionIds": _csv(assigned_option_ids),
            "attributeQueryOperator": attribute_query_operator,
        }
        return self._paginate(USERS, params=params, take=USERS_MAX_TAKE)

    async def list_users(self, **filters: Any) -> list[User]:
        return [u async for u in self.iter_users(**filters)]

    async def create_user(self, **fields: Any) -> User:
        return await self._org_call("POST", USERS, json=fields)

    async def update_user(self, user_id: int, **fields: Any) -> User:
        return await self._org_call("PATCH", USER, json=fields, userId=user_id)

    async def delete_user(self, user_id: int) -> User:
        """Deletes the whole user ACCOUNT, not only the org membership (api-notes §5.3).
        To take someone out of the org but keep the account, use ``delete_membership``."""
        return await self._org_call("DELETE", USER, userId=user_id)

    # -- org memberships ---------------------------------------------------------

    def iter_memberships(self) -> AsyncIterator[Membership]:
        return self._paginate(MEMBERSHIPS)

    async def list_memberships(self) -> list[Membership]:
        return [m async for m in self.iter_memberships()]

    async def get_membership(self, membership_id: int) -> Membership:
        return await self._org_call("GET", MEMBERSHIP, membershipId=membership_id)

    async def create_membership(self, **fields: Any) -> Membership:
        """``userId`` required; an existing membership is updated (the API upserts)."""
        return await self._org_call("POST", MEMBERSHIPS, json=fields)

    async def update_membership(self, membership_id: int, **fields: Any) -> Membership:
        return await self._org_call("PATCH", MEMBERSHIP, json=fields, membershipId=membership_id)

    async def delete_membership(self, membership_id: int) -> Membership:
        return await self._org_call("DELETE", MEMBERSHIP, membershipId=membership_id)

    # -- attributes and options ----------------------------------------------------

    def iter_attributes(self) -> AsyncIterator[Attribute]:
        return self._paginate(ATTRIBUTES)

    async def list_attributes(self) -> list[Attribute]:
        return [a async for a in self.iter_attributes()]

    async def get_attribute(self, attribute_id: str) -> Attribute | None:
        """The API answers 200 with ``null`` for an unknown id."""
        return await self._org_call("GET", ATTRIBUTE, attributeId=attribute_id)

    async def create_attribute(self, **fields: Any) -> Attribute:
        """``name``, ``slug``, ``type`` and ``options`` (list of {value, slug}) required."""
        fields.setdefault("options", [])
        return await self._org_call("POST", ATTRIBUTES, json=fields)

    async def update_attribute(self, attribute_id: str, **fields: Any) -> Attribute:
        return await self._org_call("PATCH", ATTRIBUTE, json=fields, attributeId=attribute_id)

    async def delete_attribute(self, attribute_id: str) -> Attribute:
        return await self._org_call("DELETE", ATTRIBUTE, attributeId=attribute_id)

    async def list_attribute_options(self, attribute_id: str) -> list[AttributeOption]:
        """All options of an attribute (this endpoint is not paginated)."""
        return await self._org_call("GET", OPTIONS, attributeId=attribute_id) or []

    async def create_attribute_option(self, attribute_id: str, **fields: Any) -> AttributeOption:
        return await self._org_call("POST", OPTIONS, json=fields, attributeId=attribute_id)

    async def update_attribute_option(
        self, attribute_id: str, option_id: str, **fields: Any
    ) -> AttributeOption:
        return await self._org_call(
            "PATCH", OPTION, json=fields, attributeId=attribute_id, optionId=option_id
        )

    async def delete_attribute_option(self, attribute_id: str, option_id: str) -> AttributeOption:
        return await self._org_call("DELETE", OPTION, attributeId=attribute_id, optionId=option_id)

    def iter_assigned_options(
        self,
        attribute_id: str,
        assigned_option_ids: Iterable[str] | None = None,
        team_ids: Iterable[int] | None = None,
    ) -> AsyncIterator[AssignedOption]:
        params = {"assignedOptionIds": _csv(assigned_option_ids), "teamIds": _csv(team_ids)}
        return self._paginate(ASSIGNED, params=params, attributeId=attribute_id)

    async def list_assigned_options(
        self, attribute_id: str, **filters: Any
    ) -> list[AssignedOption]:
        return [o async for o in self.iter_assigned_options(attribute_id, **filters)]

    def iter_assigned_options_by_slug(self, attribute_slug: str) -> AsyncIterator[AssignedOption]:
        return self._paginate(ASSIGNED_BY_SLUG, attributeSlug=attribute_slug)

    async def list_user_options(self, user_id: int) -> list[AttributeOption]:
        """Options assigned to one user (not paginated)."""
        return await self._org_call("GET", USER_OPTIONS, userId=user_id) or []

    async def assign_attribute_option(
        self,
        user_id: int,
        attribute_id: str,
        option_id: str | None = None,
        value: str | None = None,
    ) -> OptionAssignment:
        """Adds a value; it never replaces one (unassign first). A ``value`` on a TEXT or
        NUMBER attribute creates a new option every time (api-notes §7.3)."""
        body = {"attributeId": attribute_id, "attributeOptionId": option_id, "value": value}
        body = {k: v for k, v in body.items() if v is not None}
        return await self._org_call("POST", USER_OPTIONS, json=body, userId=user_id)

    async def unassign_attribute_option(self, user_id: int, option_id: str) -> OptionAssignment:
        return await self._org_call(
            "DELETE", USER_OPTION, userId=user_id, attributeOptionId=option_id
        )

    # -- out of office --------------------------------------------------------------

    def iter_user_ooo(
        self, user_id: int, sort_start: str | None = None, sort_end: str | None = None
    ) -> AsyncIterator[OutOfOffice]:
        params = {"sortStart": sort_start, "sortEnd": sort_end}
        return self._paginate(USER_OOO, params=params, userId=user_id)

    async def list_user_ooo(self, user_id: int, **sort: Any) -> list[OutOfOffice]:
        return [o async for o in self.iter_user_ooo(user_id, **sort)]

    def iter_org_ooo(
        self, email: str | None = None, sort_start: str | None = None, sort_end: str | None = None
    ) -> AsyncIterator[OutOfOffice]:
        params = {"email": email, "sortStart": sort_start, "sortEnd": sort_end}
        return self._paginate(ORG_OOO, params=params)

    async def list_org_ooo(self, email: str | None = None, **sort: Any) -> list[OutOfOffice]:
        return [o async for o in self.iter_org_ooo(email, **sort)]

    async def create_ooo(self, user_id: int, **fields: Any) -> OutOfOffice:
        """``start``/``end`` as ``YYYY-MM-DDTHH:MM:SSZ`` (whole UTC days are kept)."""
        return await self._org_call("POST", USER_OOO, json=fields, userId=user_id)

    async def update_ooo(self, user_id: int, ooo_id: int, **fields: Any) -> OutOfOffice:
        return await self._org_call(
            "PATCH", USER_OOO_ENTRY, json=fields, userId=user_id, oooId=ooo_id
        )

    async def delete_ooo(self, user_id: int, ooo_id: int) -> OutOfOffice:
        return await self._org_call("DELETE", USER_OOO_ENTRY, userId=user_id, oooId=ooo_id)

    # -- teams and team memberships ------------------------------------------------

    def iter_teams(self) -> AsyncIterator[Team]:
        return self._paginate(TEAMS)

    async def list_teams(self) -> list[Team]:
        return [t async for t in self.iter_teams()]

    def iter_my_teams(self) -> AsyncIterator[Team]:
        """``GET /teams/me``: the teams the credential's user is in (an org admin: all)."""
        return self._paginate(MY_TEAMS)

    async def list_my_teams(self) -> list[Team]:
        return [t async for t in self.iter_my_teams()]

    async def get_team(self, team_id: int) -> Team:
        return await self._org_call("GET", TEAM, teamId=team_id)

    async def create_team(self, **fields: Any) -> Team:
        return await self._org_call("POST", TEAMS, json=fields)

    async def update_team(self, team_id: int, **fields: Any) -> Team:
        return await self._org_call("PATCH", TEAM, json=fields, teamId=team_id)

    async def delete_team(self, team_id: int) -> Team:
        """Cal.com throttles this endpoint on its own (1 request per second, outside the
        key's budget): concurrent calls are sent one at a time, each after the last's reset."""
        return await self._org_call("DELETE", TEAM, teamId=team_id)

    def iter_team_memberships(self, team_id: int) -> AsyncIterator[TeamMembership]:
        return self._paginate(TEAM_MEMBERSHIPS, teamId=team_id)

    async def list_team_memberships(self, team_id: int) -> list[TeamMembership]:
        return [m async for m in self.iter_team_memberships(team_id)]

    async def get_team_membership(self, team_id: int, membership_id: int) -> TeamMembership:
        return await self._org_call(
            "GET", TEAM_MEMBERSHIP, teamId=team_id, membershipId=membership_id
        )

    async def create_team_membership(self, team_id: int, **fields: Any) -> TeamMembership:
        return await self._org_call("POST", TEAM_MEMBERSHIPS, json=fields, teamId=team_id)

    async def update_team_membership(
        self, team_id: int, membership_id: int, **fields: Any
    ) -> TeamMembership:
        return await self._org_call(
            "PATCH", TEAM_MEMBERSHIP, json=fields, teamId=team_id, membershipId=membership_id
        )

    async def delete_team_membership(self, team_id: int, membership_id: int) -> TeamMembership:
        return await self._org_call(
            "DELETE", TEAM_MEMBERSHIP, teamId=team_id, membershipId=membership_id
        )

    # -- roles and permissions (org roles; team roles with team_id) -----------------

    def iter_org_roles(self) -> AsyncIterator[OrgRole]:
        return self._paginate(ORG_ROLES)

    async def list_org_roles(self) -> list[OrgRole]:
        return [r async for r in self.iter_org_roles()]

    def iter_team_roles(self, team_id: int) -> AsyncIterator[TeamRole]:
        return self._paginate(TEAM_ROLES, teamId=team_id)

    async def list_team_roles(self, team_id: int) -> list[TeamRole]:
        return [r async for r in self.iter_team_roles(team_id)]

    async def get_org_role(self, role_id: str) -> OrgRole:
        return await self._org_call("GET", ORG_ROLE, roleId=role_id)

    async def get_team_role(self, team_id: int, role_id: str) -> TeamRole:
        return await self._org_call("GET", TEAM_ROLE, teamId=team_id, roleId=role_id)

    async def create_org_role(self, **fields: Any) -> OrgRole:
        return await self._org_call("POST", ORG_ROLES, json=fields)

    async def update_org_role(self, role_id: str, **fields: Any) -> OrgRole:
        """``permissions``, if given, REPLACES the role's whole set."""
        return await self._org_call("PATCH", ORG_ROLE, json=fields, roleId=role_id)

    async def delete_org_role(self, role_id: str) -> OrgRole:
        return await self._org_call("DELETE", ORG_ROLE, roleId=role_id)

    async def create_team_role(self, team_id: int, **fields: Any) -> TeamRole:
        return await self._org_call("POST", TEAM_ROLES, json=fields, teamId=team_id)

    async def update_team_role(self, team_id: int, role_id: str, **fields: Any) -> TeamRole:
        return await self._org_call("PATCH", TEAM_ROLE, json=fields, teamId=team_id, roleId=role_id)

    async def delete_team_role(self, team_id: int, role_id: str) -> TeamRole:
        return await self._org_call("DELETE", TEAM_ROLE, teamId=team_id, roleId=role_id)

    async def list_role_permissions(self, role_id: str, team_id: int | None = None) -> list[str]:
        base, ids = _roles(team_id)
        return await self._org_call("GET", base + "/{roleId}/permissions", roleId=role_id, **ids)

    async def add_role_permissions(
        self, role_id: str, permissions: Iterable[str], team_id: int | None = None
    ) -> list[str]:
        """Union with the current set; returns the full list."""
        return await self._write_permissions("POST", role_id, permissions, team_id)

    async def set_role_permissions(
        self, role_id: str, permissions: Iterable[str], team_id: int | None = None
    ) -> list[str]:
        """Replace the whole set; returns it."""
        return await self._write_permissions("PUT", role_id, permissions, team_id)

    async def _write_permissions(
        self, method: str, role_id: str, permissions: Iterable[str], team_id: int | None
    ) -> list[str]:
        base, ids = _roles(team_id)
        body = {"permissions": list(permissions)}
        return await self._org_call(
            method, base + "/{roleId}/permissions", json=body, roleId=role_id, **ids
        )

    async def remove_role_permissions(
        self, role_id: str, permissions: str | Iterable[str], team_id: int | None = None
    ) -> None:
        """Remove one permission (a string) or several (an iterable); the API answers 204."""
        base, ids = _roles(team_id)
        if isinstance(permissions, str):
            template = base + "/{roleId}/permissions/{permission}"
            await self._org_call("DELETE", template, roleId=role_id, permission=permissions, **ids)
            return
        params = {"permissions": _csv(permissions)}
        await self._org_call(
            "DELETE", base + "/{roleId}/permissions", params=params, roleId=role_id, **ids
        )

    # -- webhooks ---------------------------------------------------------------------

    def iter_webhooks(self) -> AsyncIterator[Webhook]:
        return self._paginate(WEBHOOKS)

    async def list_webhooks(self) -> list[Webhook]:
        return [w async for w in self.iter_webhooks()]

    async def get_webhook(self, webhook_id: str) -> Webhook:
        return await self._org_call("GET", WEBHOOK, webhookId=webhook_id)

    async def create_webhook(self, **fields: Any) -> Webhook:
        return await self._org_call("POST", WEBHOOKS, json=fields)

    async def update_webhook(self, webhook_id: str, **fields: Any) -> Webhook:
        return await self._org_call("PATCH", WEBHOOK, json=fields, webhookId=webhook_id)

    async def delete_webhook(self, webhook_id: str) -> Webhook:
        return await self._org_call("DELETE", WEBHOOK, webhookId=webhook_id)
