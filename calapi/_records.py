"""Typed records: the JSON objects the API returns, camelCase keys as on the wire.

They mirror the response schemas of the Cal.com API v2 OpenAPI document (the
``data`` of each response) plus what api-notes.md documents where the spec is
silent (out-of-office entries). They are plain dicts at runtime, so
``polars.DataFrame(records)`` works directly. Keys the spec marks optional are
``NotRequired``. Note: attribute, option, role and webhook ids are strings (webhook ids are
UUIDs: the spec's number is wrong, Cal.com's e2e asserts ``expect.any(String)``); user,
membership, team and OOO ids are numbers.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

MembershipRole = Literal["MEMBER", "ADMIN", "OWNER"]
AttributeType = Literal["TEXT", "NUMBER", "SINGLE_SELECT", "MULTI_SELECT"]


class MeOrganization(TypedDict):
    id: int
    isPlatform: bool


class Me(TypedDict):
    id: int
    username: str
    email: str
    name: str | None
    avatarUrl: str | None
    bio: str | None
    timeFormat: int
    defaultScheduleId: int | None
    weekStart: str
    timeZone: str
    organizationId: int | None
    organization: NotRequired[MeOrganization]


class UserProfile(TypedDict, total=False):
    id: int
    organizationId: int
    userId: int
    username: str


class User(TypedDict):
    id: int
    email: str
    timeZone: str
    weekStart: str
    hideBranding: bool
    createdDate: str
    profile: UserProfile
    username: NotRequired[str | None]
    name: NotRequired[str | None]
    emailVerified: NotRequired[str | None]
    bio: NotRequired[str | None]
    avatarUrl: NotRequired[str | None]
    appTheme: NotRequired[str | None]
    theme: NotRequired[str | None]
    defaultScheduleId: NotRequired[int | None]
    locale: NotRequired[str | None]
    timeFormat: NotRequired[int | None]
    brandColor: NotRequired[str | None]
    darkBrandColor: NotRequired[str | None]
    allowDynamicBooking: NotRequired[bool | None]
    verified: NotRequired[bool | None]
    invitedTo: NotRequired[int | None]
    metadata: NotRequired[dict[str, Any]]


class MembershipUser(TypedDict):
    email: str
    avatarUrl: NotRequired[str | None]
    username: NotRequired[str | None]
    name: NotRequired[str | None]
    bio: NotRequired[str | None]
    metadata: NotRequired[dict[str, Any]]


class MultiSelectValue(TypedDict):
    optionId: str
    option: str


class MemberAttribute(TypedDict):
    """One attribute value of a member: text/number/singleSelect carry ``option`` and
    ``optionId``; multiSelect carries ``options``."""

    id: str
    name: str
    type: Literal["text", "number", "singleSelect", "multiSelect"]
    option: NotRequired[str | float]
    optionId: NotRequired[str]
    options: NotRequired[list[MultiSelectValue]]


class TeamMembership(TypedDict):
    id: int
    userId: int
    teamId: int
    accepted: bool
    role: MembershipRole
    user: MembershipUser
    disableImpersonation: NotRequired[bool]


class Membership(TeamMembership):
    """An organization membership, with the member's attribute values."""

    attributes: list[MemberAttribute]


class Attribute(TypedDict):
    id: str
    teamId: int
    type: AttributeType
    name: str
    slug: str
    enabled: bool
    usersCanEditRelation: NotRequired[bool]


class AttributeOption(TypedDict):
    id: str
    attributeId: str
    value: str
    slug: str


class AssignedOption(AttributeOption):
    # The spec types these as strings; the API's source (and the sandbox) return user ids.
    assignedUserIds: list[int]


class OptionAssignment(TypedDict):
    """The user <-> option row returned by assign/unassign."""

    id: str
    memberId: int
    attributeOptionId: str


class OutOfOffice(TypedDict):
    id: int
    uuid: str
    userId: int
    start: str
    end: str
    reason: str
    toUserId: NotRequired[int | None]
    notes: NotRequired[str | None]


class Team(TypedDict):
    id: int
    name: str
    isOrganization: bool
    parentId: NotRequired[int]
    slug: NotRequired[str]
    logoUrl: NotRequired[str]
    calVideoLogo: NotRequired[str]
    appLogo: NotRequired[str]
    appIconLogo: NotRequired[str]
    bio: NotRequired[str]
    hideBranding: NotRequired[bool]
    isPrivate: NotRequired[bool]
    hideBookATeamMember: NotRequired[bool]
    metadata: NotRequired[dict[str, Any]]
    theme: NotRequired[str]
    brandColor: NotRequired[str]
    darkBrandColor: NotRequired[str]
    bannerUrl: NotRequired[str]
    timeFormat: NotRequired[int]
    timeZone: NotRequired[str]
    weekStart: NotRequired[str]


class Role(TypedDict):
    """What org and team roles share."""

    id: str
    name: str
    type: Literal["SYSTEM", "CUSTOM"]
    permissions: list[str]
    createdAt: str
    updatedAt: str
    color: NotRequired[str | None]
    description: NotRequired[str | None]


class OrgRole(Role):
    organizationId: NotRequired[int | None]


class TeamRole(Role):
    teamId: NotRequired[int | None]


class Webhook(TypedDict):
    id: str
    teamId: int
    payloadTemplate: str
    triggers: list[str]
    subscriberUrl: str
    active: bool
    secret: NotRequired[str]


__all__ = [
    "AssignedOption",
    "Attribute",
    "AttributeOption",
    "AttributeType",
    "Me",
    "MeOrganization",
    "MemberAttribute",
    "Membership",
    "MembershipRole",
    "MembershipUser",
    "MultiSelectValue",
    "OptionAssignment",
    "OrgRole",
    "OutOfOffice",
    "Role",
    "Team",
    "TeamMembership",
    "TeamRole",
    "User",
    "UserProfile",
    "Webhook",
]
