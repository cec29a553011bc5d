"""Org webhooks: CRUD at /v2/organizations/{orgId}/webhooks (ORG_ADMIN).

As the real API (``organizations-webhooks.controller.ts``, ``...repository.ts``): ids are
UUID strings (``uuidv4()``; the spec's number is wrong); ``IsWebhookInOrg`` answers 403 for
an id that is unknown or belongs to another org, before the body is validated; a second
webhook with the same subscriber URL in the org is a 409.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from sandbox._errors import conflict, forbidden
from sandbox._request import Reply, Request, created, crud_routes, ok
from sandbox._store import next_seq, owned_row, update_row
from sandbox._validation import Field, validate

TRIGGERS = (
    "BOOKING_CREATED",
    "BOOKING_PAYMENT_INITIATED",
    "BOOKING_PAID",
    "BOOKING_RESCHEDULED",
    "BOOKING_REQUESTED",
    "BOOKING_CANCELLED",
    "BOOKING_REJECTED",
    "BOOKING_NO_SHOW_UPDATED",
    "FORM_SUBMITTED",
    "MEETING_ENDED",
    "MEETING_STARTED",
    "RECORDING_READY",
    "INSTANT_MEETING",
    "RECORDING_TRANSCRIPTION_GENERATED",
    "OOO_CREATED",
    "AFTER_HOSTS_CAL_VIDEO_NO_SHOW",
    "AFTER_GUESTS_CAL_VIDEO_NO_SHOW",
    "FORM_SUBMITTED_NO_EVENT",
    "DELEGATION_CREDENTIAL_ERROR",
    "WRONG_ASSIGNMENT_REPORT",
)


def _url(prop: str, value: Any) -> dict[str, str]:
    if value.startswith(("https://", "http://")):
        return {}
    return {"isUrl": f"{prop} must be a URL address"}


def _fields(required: bool) -> tuple[Field, ...]:
    return (
        Field("payloadTemplate", "string"),
        Field("active", "bool", required=required),
        Field("subscriberUrl", "string", required=required, check=_url),
        Field("triggers", "array", required=required, each=TRIGGERS),
        Field("secret", "string"),
        Field("version", "enum", choices=("2021-10-20",)),
    )


def webhook_out(row: sqlite3.Row) -> dict[str, Any]:
    out = {
        "payloadTemplate": row["payload_template"],
        "teamId": row["team_id"],
        "id": row["id"],
        "triggers": json.loads(row["triggers"]),
        "subscriberUrl": row["subscriber_url"],
        "active": bool(row["active"]),
    }
    if row["secret"] is not None:
        out["secret"] = row["secret"]
    return out


def _webhook(req: Request, org_id: int) -> sqlite3.Row:
    """IsWebhookInOrg: an unknown id and another org's id are the same 403."""
    webhook_id = req.params["webhookId"]
    row = owned_row(req.conn, "webhooks", webhook_id, org_id)
    if row is None:
        raise forbidden(
            f"IsWebhookInOrg - webhook with id={webhook_id} is not part of the organization"
            f" with id={org_id}."
        )
    return row


def _refuse_duplicate_url(req: Request, org_id: int, url: str) -> None:
    sql = "SELECT 1 FROM webhooks WHERE team_id = ? AND subscriber_url = ?"
    if req.conn.execute(sql, (org_id, url)).fetchone() is not None:
        raise conflict("Webhook with this subscriber url already exists for this user")


def list_webhooks(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    rows = req.page_rows("SELECT * FROM webhooks WHERE team_id = ? ORDER BY seq", [org_id])
    return ok([webhook_out(row) for row in rows])


def get_webhook(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    return ok(webhook_out(_webhook(req, org_id)))


def create_webhook(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    data = validate(req.json(), _fields(True))
    _refuse_duplicate_url(req, org_id, data["subscriberUrl"])
    webhook_id = str(uuid.uuid4())
    req.conn.execute(
        "INSERT INTO webhooks (id, seq, team_id, subscriber_url, payload_template, active,"
        " secret, triggers, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            webhook_id,
            next_seq(req.conn, "webhooks"),
            org_id,
            data["subscriberUrl"],
            data.get("payloadTemplate"),
            data["active"],
            data.get("secret"),
            json.dumps(data["triggers"]),
            data.get("version", "2021-10-20"),
        ),
    )
    row = req.conn.execute("SELECT * FROM webhooks WHERE id = ?", (webhook_id,)).fetchone()
    return created(webhook_out(row))


def update_webhook(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    row = _webhook(req, org_id)
    data = validate(req.json(), _fields(False))
    columns = {
        "payloadTemplate": "payload_template",
        "active": "active",
        "secret": "secret",
        "subscriberUrl": "subscriber_url",
        "triggers": "triggers",
        "version": "version",
    }
    values = {columns[k]: (json.dumps(v) if k == "triggers" else v) for k, v in data.items()}
    update_row(req.conn, "webhooks", row["id"], values)
    return ok(webhook_out(_webhook(req, org_id)))


def delete_webhook(req: Request) -> Reply:
    org_id = req.org("ADMIN")
    row = _webhook(req, org_id)
    req.conn.execute("DELETE FROM webhooks WHERE id = ?", (row["id"],))
    return ok(webhook_out(row))


BASE = "/v2/organizations/{orgId}/webhooks"
ROUTES = crud_routes(
    BASE, "webhookId", (list_webhooks, create_webhook, get_webhook, update_webhook, delete_webhook)
)
