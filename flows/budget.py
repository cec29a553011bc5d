"""One rate budget per API key, shared by every calbulk run that uses the key.

Two :class:`calapi.SharedBudget` implementations, picked by :func:`with_shared_budget`:

- :class:`LockFileBudget` (no Prefect server): runs on one machine coordinate through a
  per-user state file ``~/.local/state/calbulk/ratelimit/<fingerprint>.json`` (0600, in a
  0700 folder; named by a hash of the key, never the key), guarded by ``fcntl.flock``. It
  holds the send times of every run and the key's limits as learned from the headers, and
  admits a send only if no span of ``window + pad`` seconds would then hold more than
  ``limit`` sends: whatever fixed window the API draws, all local runs together stay under
  each named limit. It also tells the limiter how many requests the OTHER runs took lately
  (``others_sent``), so what the headers show beyond every local run's sends is taken for
  a tool outside calbulk and left its share of each window.
- :class:`PrefectBudget` (inside a flow run on a Prefect server): a Prefect global
  concurrency limit per named limit, ``calbulk-key-<fingerprint>-<name>``, created on first
  use from the limits learned from the headers, taken per request in Prefect's rate-limit
  mode (as ``prefect.concurrency.asyncio.rate_limit`` does). Its slots decay so that no
  window of the key can receive more than the limit (:func:`decay_for`); any worker shares it.
  Limitation: a Prefect limit counts slots, not who took them when, so this budget cannot
  report the other runs' sends; the limiter then takes every request not its own for
  another calbulk run, and a tool outside calbulk on the key is caught only by the tail
  peek of each window and the 429 safety net (no share is kept for it). Telling them apart
  would need each run's send times on the server (a write per request besides the take,
  racing every other run's): not worth it while the headers and the 429 hold guard the
  key. Nor do the two budgets see each other: keep the runs on one key all on a Prefect
  server or all off it (README, Rate limits).

calapi's header following stays on in every run as the safety net.
"""

from __future__ import annotations

import asyncio
import dataclasses
import fcntl
import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

from calapi import KeyLimit, Settings, key_fingerprint

FOLDER_ENV = "CALBULK_RATELIMIT_DIR"  # where the lock files live (default: default_folder())
KEEP = 2.0  # seconds of send times kept beyond the longest window
GRAIN = 1000  # Prefect slots per request (see PrefectBudget)
MIN_WAIT = 0.002  # seconds: after a denial, at least this before the next take
MAX_WAIT = 1.0  # seconds: at most this before a full Prefect limit is read again
BUSY_TRIES = 6  # quick tries of a take the Prefect server's database was too busy for
BUSY_WAIT = 0.02  # seconds before the first of them; doubling, jittered


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
        self._mine: list[float] = []  # this run's sends, as written to the file

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
                self._mine = [t for t in self._mine if t > now - longest - pad - KEEP]
                self._mine.append(now)
            state["sends"] = sends
            handle.seek(0)
            handle.truncate()
            json.dump(state, handle)
            return wait

    def others_sent(self, seconds: float) -> int:
        """Sends the other runs on the key took in the last ``seconds``: the file's, less
        this run's own (read under a shared lock; a missing file: none)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return 0
        with os.fdopen(fd, "r", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_SH)
            sends = _read_state(handle)["sends"]
        since = self.clock() - seconds
        mine = sum(1 for t in self._mine if t > since)
        return max(0, sum(1 for t in sends if t > since) - mine)


def _read_state(handle) -> dict:
    try:
        state = json.loads(handle.read() or "{}")
    except ValueError:  # a torn file from a killed run: start over, nothing is lost but history
        state = {}
    return {"limits": dict(state.get("limits") or {}), "sends": list(state.get("sends") or [])}


SLACK_REQUESTS = 0.25  # a Prefect bucket's room beyond one request: a late take loses nothing
EDGE = 0.01  # requests kept off the bound, so a span never holds exactly one more


def decay_for(limit: int, window: float, pad: float) -> tuple[float, float]:
    """Requests a Prefect rate limit holds at once (``size``), and how many it frees per
    second (``rate``), such that no ``window + pad`` seconds admit more than ``limit``.

    A bucket that starts full admits its k-th request of a span once ``size - 1 + rate * t
    >= k - 1``: a span of ``T`` seconds admits ``floor(size + rate * T)`` at most, so
    ``size + rate * T < limit + 1`` is the bound (counting the bucket AND the whole refill
    against the limit, as this did before, gave away one request per window: 5% of a
    compressed 20-request limit). The bucket holds one request plus ``SLACK_REQUESTS``, so
    a take a little late (the round trip to the server, a busy machine) loses no refill."""
    size = min(1.0 + SLACK_REQUESTS, float(limit))
    return size, (limit + 1 - size - EDGE) / (window + pad)


class PrefectBudget:
    """The key's budget on a Prefect server: one global concurrency limit per named limit,
    taken with ``mode="rate_limit"`` as `prefect.concurrency.asyncio.rate_limit` does.

    Prefect decays a limit's slots in whole slots counted from its last update, so a
    request takes ``GRAIN`` slots of a limit ``GRAIN`` times as large, decaying ``GRAIN``
    times as fast (the same budget; the whole slot a successful take rounds away is a
    thousandth of a request). A full limit is not polled: the denial is followed by one
    read of the limit (its slots after decay; a read changes nothing), and the run sleeps
    until its request fits, then takes it (Prefect's own Retry-After grows with every
    denial; polling every 50 ms, as this did, cost each waiting run ~4 denied writes per
    request and up to 50 ms of lateness, more than the bucket's slack covers at a fast
    key. Measured: a denial does not lose the decay since the last take).
    """

    PREFIX = "calbulk-key"

    def __init__(self, fingerprint: str, pad: float = 0.1) -> None:
        self.fingerprint = fingerprint
        self.pad = pad  # a round trip to the Prefect server sits between slot and send
        self.seconds_waited = 0.0
        self.denials = 0  # takes the server refused (another run got there first)
        self.busy = 0  # takes the server's database was too busy for (503), tried again
        self._quick = True  # takes may skip the client's retry loop (see _increment)
        self._owed = 0  # sends let through before the key's limit existed, not yet charged
        self._made: dict[str, tuple[int, float]] = {}
        self._windows: dict[str, float] = {}  # the longest window seen, per named limit
        self._found: list[str] | None = None
        self._lock = asyncio.Lock()

    def name(self, limit: KeyLimit) -> str:
        return f"{self.PREFIX}-{self.fingerprint}-{limit.name}"

    async def take(self, limits: tuple[KeyLimit, ...], pad: float) -> None:
        from prefect.client.orchestration import get_client

        learned = [k for k in limits if k.learned]
        async with get_client() as client:
            async with self._lock:
                for k in learned:
                    await self._ensure(client, k)
                # before the headers say the key's limits (the probe): another run's, if any
                names = [self.name(k) for k in learned] or await self._existing(client)
            if not names:  # the first run on the key: its probe goes before a limit exists
                self._owed += 1
                return
            # a probe sent without a slot is charged first: runs that start together each
            # probe before either made the limit, and the first window holds those too
            owed, self._owed = self._owed, 0
            for _ in range(owed + 1):
                while not await self._increment(client, names):
                    self.denials += 1
                    wait = await self._until_room(client, names)
                    self.seconds_waited += wait
                    await asyncio.sleep(wait)

    async def _increment(self, client, names: list[str]) -> bool:
        """One take of a request's slots: True if granted, False if a limit is full (423).

        A server on SQLite answers 503 when another write holds its database (nothing was
        taken), and Prefect's client sleeps 2 s, then 4 s, before trying again (and 2 s
        before giving up, even with PREFECT_CLIENT_MAX_RETRIES=0): a window or more of a
        fast key, and several runs taking per request make such clashes common (seen: ten
        503s in one backup of 3 orgs on 2 workers, its org backups 4.8 -> 12.5 s). So the
        first ``BUSY_TRIES`` tries go straight to the wire (httpx's own ``send`` on the
        Prefect client's connection: its URL, auth and TLS, without its retry loop) and a
        503 is tried again within milliseconds; anything else unexpected (a dropped
        connection, a CSRF check) and a server still busy go to the client's own call, its
        retries and its errors."""
        import httpx

        http = getattr(client, "_client", None)  # the PrefectHttpxAsyncClient under it
        body = {"names": names, "slots": GRAIN, "mode": "rate_limit"}
        quick = BUSY_TRIES if self._quick and isinstance(http, httpx.AsyncClient) else 0
        for attempt in range(quick):
            request = http.build_request("POST", "/v2/concurrency_limits/increment", json=body)
            try:
                response = await httpx.AsyncClient.send(http, request)
                await response.aclose()
            except httpx.TransportError:
                break
            if response.is_success:
                return True
            if response.status_code == 423:
                return False
            if response.status_code != 503:  # e.g. a server checking CSRF tokens: the
                self._quick = False  # client's own call from now on (it sends them)
                break
            self.busy += 1
            await asyncio.sleep(BUSY_WAIT * 2**attempt * random.uniform(0.5, 1.5))
        try:
            await client.increment_concurrency_slots(names, GRAIN, "rate_limit")
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code == 423:
                return False
            raise
        return True

    async def _until_room(self, client, names: list[str]) -> float:
        """Seconds until every limit named has room for one request, from their slots
        after decay as the server reads them now (plus the floor's rounding)."""
        wait = 0.0
        for name in names:
            gcl = await client.read_global_concurrency_limit_by_name(name)
            over = gcl.active_slots + GRAIN - gcl.limit
            if over > 0 and gcl.slot_decay_per_second > 0:
                wait = max(wait, (over + 1) / gcl.slot_decay_per_second)
        return min(max(wait, MIN_WAIT), MAX_WAIT)

    async def _existing(self, client) -> list[str]:
        """The key's limits some run created already (read once per run)."""
        if self._found is None:
            prefix, found, offset = f"{self.PREFIX}-{self.fingerprint}-", [], 0
            while page := await client.read_global_concurrency_limits(limit=200, offset=offset):
                found += [gcl.name for gcl in page if gcl.name.startswith(prefix)]
                offset += len(page)
            self._found = found
        return self._found

    async def _ensure(self, client, k: KeyLimit) -> None:
        """Create the limit, or make it stricter, when this run learns a shape for it.

        A shape only ever gets stricter: a run that starts inside a window the API opened
        earlier first sees that window's rest as its length (the reset header), and a
        limit shaped from it would decay too fast for every run on the key. So each run
        shapes from the longest window it has seen, and a limit some run made slower is
        kept (a key whose limit was raised keeps its old pace until the limit is deleted:
        ``prefect gcl delete calbulk-key-...``)."""
        from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

        window = self._windows[k.name] = max(self._windows.get(k.name, 0.0), k.window)
        size, rate = decay_for(k.limit, window, self.pad)
        shape = (round(size * GRAIN), rate * GRAIN)
        if self._made.get(k.name) == shape:
            return
        name = self.name(k)
        try:
            found = await client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            found = None
        if found is None:
            try:
                await client.upsert_global_concurrency_limit_by_name(
                    name, shape[0], slot_decay_per_second=shape[1]
                )
                self._made[k.name] = shape
                return
            except ObjectAlreadyExists:  # another run made it meanwhile
                found = await client.read_global_concurrency_limit_by_name(name)
        if found.limit > shape[0] or found.slot_decay_per_second > shape[1]:
            limit = min(found.limit, shape[0])
            decay = min(found.slot_decay_per_second, shape[1])
            await client.upsert_global_concurrency_limit_by_name(
                name, limit, slot_decay_per_second=decay
            )
        self._made[k.name] = shape


def default_folder() -> Path:
    """One folder per user, whatever folder calbulk runs from, so every local run on a key
    shares its file: ``$XDG_STATE_HOME/calbulk/ratelimit`` (``~/.local/state/...``)."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "calbulk" / "ratelimit"


def with_shared_budget(settings: Settings, folder: Path | None = None) -> Settings:
    """``settings`` with the key's shared budget: the Prefect one inside a flow run on a
    Prefect server, else the lock file in the data folder. A budget already set is kept."""
    if settings.budget is not None:
        return settings
    secret = settings.api_key or settings.client_id or ""
    fingerprint = key_fingerprint(secret)
    if _on_prefect_server():
        return dataclasses.replace(settings, budget=PrefectBudget(fingerprint))
    where = folder or Path(os.environ.get(FOLDER_ENV) or default_folder())
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
