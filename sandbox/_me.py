"""``GET /v2/me``: the caller's own profile (the client's cheap credential check)."""

from __future__ import annotations

from sandbox._request import Reply, Request, ok


def get_me(req: Request) -> Reply:
    row = req.conn.execute("SELECT * FROM users WHERE id = ?", (req.user_id,)).fetchone()
    org_id = row["organization_id"]
    data = {
        "id": row["id"],
        "username": row["username"],
        "email": row["email"],
        "name": row["name"],
        "avatarUrl": row["avatar_url"],
        "bio": row["bio"],
        "timeFormat": row["time_format"],
        "defaultScheduleId": row["default_schedule_id"],
        "weekStart": row["week_start"],
        "timeZone": row["time_zone"],
        "organizationId": org_id,
    }
    if org_id is not None:
        data["organization"] = {"isPlatform": False, "id": org_id}
    return ok(data)


ROUTES = [("GET", "/v2/me", get_me)]
