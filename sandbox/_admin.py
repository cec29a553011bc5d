"""Admin routes outside /v2: no credentials, no rate limit, no faults.

- ``GET /_sandbox/info``   -> base URL, org id, keys, OAuth client, limits, current faults
- ``PUT /_sandbox/faults`` -> replace the fault spec; body ``{"faults": "500=0.1,seed=1"}``
  (or the spec as plain text); answers the parsed spec. ``""`` or ``"none"`` turns faults off.
- ``GET /_sandbox/stats``  -> ``{requests, by_status, rate_limited, faults, peak_in_flight, ...}``
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sandbox._faults import FaultSpecError, parse_faults

if TYPE_CHECKING:
    from sandbox._request import Request


def _replace_faults(req: Request) -> tuple[int, Any]:
    text = req.body.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        try:
            text = str(json.loads(text).get("faults") or "")
        except ValueError:
            return 400, {"error": 'body must be JSON {"faults": SPEC} or the spec as text'}
    try:
        spec = parse_faults(text)
    except FaultSpecError as exc:
        return 400, {"error": str(exc)}
    req.runtime.faults.replace(spec)
    return 200, {"faults": spec.text, "active": spec.active}


def handle(req: Request) -> tuple[int, Any]:
    route = (req.method, req.path.rstrip("/"))
    if route == ("GET", "/_sandbox/info"):
        return 200, req.runtime.info()
    if route == ("GET", "/_sandbox/stats"):
        return 200, req.runtime.stats.as_dict()
    if route == ("PUT", "/_sandbox/faults"):
        return _replace_faults(req)
    return 404, {"error": f"no admin route {req.method} {req.path}"}
