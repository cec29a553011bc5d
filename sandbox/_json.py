"""JSON encoding for responses (orjson when present: it is several times faster)."""

from __future__ import annotations

import json
from typing import Any

try:  # orjson comes with the locked environment (via prefect); stdlib json otherwise
    import orjson

    def dumps(value: Any) -> bytes:
        return orjson.dumps(value)

except ImportError:  # pragma: no cover - depends on the environment

    def dumps(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
