"""One rate budget per API key, shared by every calbulk run that uses the key.

Two :class:`calapi.SharedBudget` implementations, picked by :func:`with_shared_budget`:

- :class:`LockFileBudget` (no Prefect server): runs on one machine coordinate through a
  state file ``data/.ratelimit/<fingerprint>.json`` (0600, in a 0700 folder; named by a hash
  of the key, never the key), guarded by ``fcntl.flock``. It holds the send times of every
  run and the key's limits as learned from the headers, and admits a send only if no span of
  ``window + pad`` seconds would then hold more than ``limit`` sends: whatever fixed window
  the API draws, all local runs together stay under each named limit.
- :class:`PrefectBudget` (inside a flow run on a Prefect server): a Prefect global
  concurrency limit per named limit, ``calbulk-key-<fingerprint>-<name>``, created on first
  use from the limits learned from the headers, taken per request with
  ``prefect.concurrency.asyncio.rate_limit``. Its slots decay so that no window of the key
  can receive more than the limit (see :func:`decay_for`); runs on any worker share it.

calapi's header following stays on in every run as the safety net.
"""

from __future__ import annotations

import asyncio
import dataclasses
import fcntl
import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path

from calapi import KeyLimit, Settings, key_fingerprint

DEFAULT_FOLDER = Path("data/.ratelimit")
FOLDER_ENV = "CALBULK_RATELIMIT_DIR"  # where the lock files live (default data/.ratelimit)
KEEP = 2.0  # seconds of send times kept beyond the longest window
GRAIN = 10  # Prefect slots per request (see PrefectBudget)


def sliding_wait(sends: list[float], limit: int, span: float, now: float) -> float:
    """Seconds until one more send keeps every ``span`` seconds at most ``limit`` sends
    (``sends`` in order); 0: now."""
    inside = [t for t in sends if t > now - span]
    if len(inside) < limit:
        return 0.0
    return inside[len(inside) - limit] + span - now


class LockFileBudget:
    """The key's budget shared by the runs on this machine, through one locked state file."""

    def __init__(self, folder: Path, fingerprint: str, clock: Callable[[], float] = time.time):
        self.path = Path(folder) / f"{fingerprint}.json"
        self.clock = clock
        self.seconds_waited = 0.0

    async def take(self, limits: tuple[KeyLimit, ...], pad: float) -> None:
        while True:
            wait = await asyncio.to_thread(self.try_take, limits, pad)
            if wait <= 0:
                return
            self.seconds_waited += wait
            await asyncio.sleep(wait)

    def try_take(self, limits: tuple[KeyLimit, ...], pad: float) -> float:
        """Count one send if every limit has room now; else the seconds to wait."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
            state = _read_state(handle)
            learned = {k.name: [k.limit, k.window] for k in limits if k.learned}
            if learned:
                state["limits"] = learned
            known = state["limits"] or {k.name: [k.limit, k.window] for k in limits}
            now = self.clock()
            longest = max(window for _, window in known.values())
            sends = [t for t in state["sends"] if t > now - longest - pad - KEEP]
            wait = max(sliding_wait(sends, n, w + pad, now) for n, w in known.values())
            if wait <= 0:
                sends.append(now)
            state["sends"] = sends
            handle.seek(0)
            handle.truncate()
            json.dump(state, handle)
            return wait


def _read_state(handle) -> dict:
    try:
        state = json.loads(handle.read() or "{}")
    except ValueError:  # a torn file from a killed run: start over, nothing is lost but history
        state = {}
    return {"limits": dict(state.get("limits") or {}), "sends": list(state.get("sends") or [])}


def decay_for(limit: int, window: float, pad: float) -> tuple[int, float]:
    """Slots and decay per second of a Prefect rate limit such that no ``window`` seconds
    admit more than ``limit`` requests: a bucket of ``slots`` refilled at ``decay`` per
    second admits at most ``slots + decay * window``, so the bucket is kept small."""
    slots = max(1, math.ceil(limit / 10))
    return slots, (limit - slots) / (window + pad)


class PrefectBudget:
    """The key's budget on a Prefect server: one global concurrency limit per named limit.

    Prefect decays a limit's slots in whole slots counted from its last update, and every
    update (a denied attempt too) restarts that count: with one slot per request, runs that
    retry often would wait far longer than the decay says. So a request takes ``GRAIN``
    slots of a limit ``GRAIN`` times as large, decaying ``GRAIN`` times as fast: the same
    budget, with a restart costing a tenth of a request instead of up to one.
    """

    PREFIX = "calbulk-key"

    def __init__(self, fingerprint: str, pad: float = 0.25) -> None:
        self.fingerprint = fingerprint
        self.pad = pad  # a round trip to the Prefect server sits between slot and send
        self._made: dict[str, tuple[int, float]] = {}
        self._lock = asyncio.Lock()

    def name(self, limit: KeyLimit) -> str:
        return f"{self.PREFIX}-{self.fingerprint}-{limit.name}"

    async def take(self, limits: tuple[KeyLimit, ...], pad: float) -> None:
        from prefect.concurrency.asyncio import rate_limit

        learned = [k for k in limits if k.learned]
        if not learned:
            return  # the probe, before the headers say the key's limits: it goes alone
        async with self._lock:
            for k in learned:
                await self._ensure(k)
        await rate_limit([self.name(k) for k in learned], occupy=GRAIN, strict=True)

    async def _ensure(self, k: KeyLimit) -> None:
        """Create (or correct) the limit the first time this run learns it."""
        slots, decay = decay_for(k.limit, k.window, self.pad)
        shape = (slots * GRAIN, decay * GRAIN)
        if self._made.get(k.name) == shape:
            return
        from prefect.client.orchestration import get_client

        async with get_client() as client:
            await client.upsert_global_concurrency_limit_by_name(
                self.name(k), shape[0], slot_decay_per_second=shape[1]
            )
        self._made[k.name] = shape


def with_shared_budget(settings: Settings, folder: Path | None = None) -> Settings:
    """``settings`` with the key's shared budget: the Prefect one inside a flow run on a
    Prefect server, else the lock file in the data folder. A budget already set is kept."""
    if settings.budget is not None:
        return settings
    secret = settings.api_key or settings.client_id or ""
    fingerprint = key_fingerprint(secret)
    if _on_prefect_server():
        return dataclasses.replace(settings, budget=PrefectBudget(fingerprint))
    where = folder or Path(os.environ.get(FOLDER_ENV) or DEFAULT_FOLDER)
    return dataclasses.replace(settings, budget=LockFileBudget(where, fingerprint))


def _on_prefect_server() -> bool:
    """In a flow run whose API is a real server (not Prefect's ephemeral one)."""
    if not os.environ.get("PREFECT_API_URL"):
        return False
    from prefect.context import FlowRunContext

    return FlowRunContext.get() is not None


__all__ = [
    "GRAIN",
    "LockFileBudget",
    "PrefectBudget",
    "decay_for",
    "sliding_wait",
    "with_shared_budget",
]
