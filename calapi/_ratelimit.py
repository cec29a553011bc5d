"""The one rate limiter: use every window of the key's limits, and never cross one.

Cal.com counts each key's requests in FIXED windows that start at the first request
(api-notes.md §1.4) and tells, on every response, for every limit the key has, how many
are left and when the window ends: ``X-RateLimit-Limit-<Name>``, ``-Remaining-<Name>``,
``-Reset-<Name>`` (whole seconds, rounded up). A default key has one limit, ``Default``
(120 per 60 s); a key with rows in the ``RateLimit`` table has those instead (e.g.
``Short`` and ``Long``, §1.5), each counted on every request. The limiter learns every
named limit from the headers (nothing is configured: a raised key runs at its limit, a
lower one slows down) and follows all of them, whichever is tightest at each moment.

For each limit, every answer is read as a promise about the window it was counted in:
the server had ``remaining`` left after our send number ``s``, so our sends up to number
``s + remaining - u`` may land there (``u``: our earlier sends it may not have counted yet:
those unanswered, or answered with no more left, i.e. counted after ``s``). The best
promise of the window is used, so a window is spent to its last request, requests in
flight included. Answers are grouped into windows by
when they say the window ends: between ``sent + reset - 1`` and ``received + reset``.
When our sends reach the promise we wait until the window has surely ended (the reset is
rounded up: never early), then the next window starts with us. Until an answer from a new
window is in, at most ``limit`` sends may be unanswered, those in flight included.

Safeties: the first send is a probe (nothing else goes out before its answer says what
the window has left: a window still holding an earlier run's requests is used to what the
server says is left, no less). Another user of the key shows as requests counted that are
not ours, seen while we watch. So that it is seen before it crosses the limit (one
crossing blocks the key for both of us), the last ``HOLD`` of each window is kept for the
window's tail (its last ``TAIL``), where one peek reads the headers again before the rest
goes; once seen, what it spends per window (at its pace so far) is kept free for it, in
proportion to the time left after each promise. Cost: a run's last window may wait for
its tail; a window is never lost. A 429 holds everything until the longest reset it
names, then a probe goes first again. ``cap`` (CAL_RATE_LIMIT) is a ceiling the user may
set: no span of ``window`` seconds holds more of our sends. A server that sends no
rate-limit headers gets ``fallback_limit`` per ``window`` (less ``margin``). Routes with
their own throttle are paced elsewhere (calapi/_throttles.py) and never reach this limiter.

Runs sharing the key: a :class:`~calapi._budget.SharedBudget` (``budget``), when given, is
asked for every send once the limiter's own checks pass, with the key's limits as learned
(the fallback before any answer); it makes all runs on the key together stay under each
limit. A budget that counts the other runs' sends (``CountingBudget``: the lock file) also
tells the limiter who spent a window: each promise is spent less what the other runs sent
since it was made, every other run's send since the window's earliest start is taken as
counted in it, and only what the headers show beyond all of them is a tool outside calbulk,
seen and left its share per window as above (while one is seen, a window no answer of ours
came from yet gets one peek first). A budget that cannot count them (the Prefect one)
makes every request not ours count as those runs': no share is kept for an outside tool,
and the tail peek and a 429's hold are its only guard.

The clock is injected (``now`` and ``sleep``) so unit tests run without sleeping.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from calapi._budget import CountingBudget, KeyLimit, SharedBudget

SHARED_MEMORY = 2  # windows a sighting of another user of the key is remembered
# A 429 we did not cause is proof, not an estimate: remembered longer, since a steady tool may go
# unseen for windows in which we send nothing after it (estimates stay short: at sub-second
# windows, whose resets round up to a second, they can be wrong and would starve the run).
BLOCKED_MEMORY = 6
PAD = 0.02  # seconds after the server's reset before a new window is assumed
HOLD = 0.15  # of each window kept for its tail, when the headers show who else spent
TAIL = 0.1  # of the window: its tail
OVERDUE = 3  # round trips an answer may take before the server's state counts as unknown
SLACK = 0.1  # seconds a send may take from the shared budget's count to the wire, at most


@dataclass
class MonotonicClock:
    """The real clock: ``time.monotonic`` and ``asyncio.sleep``."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)


@dataclass(frozen=True)
class NamedBudget:
    """One ``X-RateLimit-*-<Name>`` triple (``None`` where a header was absent)."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # seconds until the window (or the block) ends


@dataclass(frozen=True)
class ServerBudget:
    """Every named triple of one response, by lower-cased name (``default``, ``short``)."""

    limits: Mapping[str, NamedBudget] = field(default_factory=dict)

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> ServerBudget:
        fields_by_name: dict[str, dict[str, str]] = {}
        for key, value in headers.items():
            parts = key.lower().split("-", 3)
            if len(parts) == 4 and parts[:2] == ["x", "ratelimit"]:
                fields_by_name.setdefault(parts[3], {})[parts[2]] = value
        return cls(
            {
                name: NamedBudget(
                    _number(values.get("limit"), int),
                    _number(values.get("remaining"), int),
                    _number(values.get("reset"), float),
                )
                for name, values in fields_by_name.items()
            }
        )

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.limits)

    @property
    def longest_reset(self) -> float | None:
        resets = [b.reset for b in self.limits.values() if b.reset is not None]
        return max(resets, default=None)


@dataclass(frozen=True)
class Ticket:
    """One send: its number (1, 2, ... in send order), when it went out, and the earlier
    sends still unanswered then (the server may count them before or after this one)."""

    seq: int
    sent_at: float
    before: tuple[int, ...] = ()


@dataclass
class _Window:
    """What the answers counted in one server window say about it."""

    lo: float  # it ends no earlier than this
    hi: float  # and surely by this
    # (cap, said at): our sends up to number ``cap`` may land in it, as of that time (later
    # answers with a higher cap make earlier ones moot, so caps fall as times rise)
    promises: list[tuple[int, float]]
    base: int  # requests not ours in it when we first saw it (e.g. an earlier run)
    foreign: int = 0  # requests not ours counted in it since we watch (a lower bound)
    answers: int = 0  # our answers counted in it

    def promise(self, cap: int, at: float) -> None:
        while self.promises and self.promises[-1][0] <= cap:
            self.promises.pop()
        self.promises.append((cap, at))

    def cap(self, others: int, ttl: float, runs: Callable[[float], int] | None = None) -> int:
        """The highest send number that may land in it, leaving ``others`` per window (in
        proportion to the time left after each promise) to other users of the key, and
        less what the other calbulk runs on the budget sent since each promise (``runs``:
        their sends since a time, when the budget can tell)."""
        best = None
        for cap, at in self.promises:
            left = min(1.0, max(0.0, self.hi - at) / ttl)
            kept = math.ceil(others * left) + 1 if others else 0
            if runs is not None:
                kept += runs(at)
            best = cap - kept if best is None else max(best, cap - kept)
        return best if best is not None else 0

    @property
    def told_at(self) -> float:
        return self.promises[-1][1]


class _NamedLimit:
    """One of the key's limits (``default``, ``short``, ...) and its recent windows."""

    def __init__(self, name: str, limit: int, ttl: float) -> None:
        self.name = name
        self.limit = limit
        self.ttl = ttl  # the longest reset seen outside a block: at least the window
        self.windows: deque[_Window] = deque(maxlen=4)
        self._foreign: list[tuple[float, int, int]] = []  # (seen at, spent by others, memory)

    def foreign_per_window(self, now: float) -> int:
        self._foreign = [seen for seen in self._foreign if seen[0] > now - seen[2] * self.ttl]
        return max((spent for _, spent, _ in self._foreign), default=0)

    def note_foreign(self, now: float, spent: int, memory: int = SHARED_MEMORY) -> None:
        """Another user of the key spent ``spent`` per window, remembered ``memory`` windows."""
        if spent > 0:
            self._foreign.append((now, spent, memory))

    def delay(
        self,
        now: float,
        seq: int,
        in_flight: int,
        latency: float,
        runs: Callable[[float], int] | None = None,
        overdue: bool = False,
    ) -> float:
        """Seconds before send number ``seq`` may go out for this limit (0: now); ``overdue``:
        a send has waited for its answer much longer than answers take."""
        others = self.foreign_per_window(now)
        window = self.windows[-1] if self.windows else None
        if window is not None and now < window.hi:
            cap = window.cap(others, self.ttl, runs)
            tail = window.hi - PAD - max(TAIL * self.ttl, 4 * latency)
            held = math.ceil(HOLD * self.limit) if now < tail else 0
            if seq > cap - held:
                return (tail if seq <= cap else window.hi) - now  # the tail, or the next window
            if held == 0 and window.told_at < tail and in_flight:
                return max(latency, 0.01)  # the tail: one peek first, to read who else spent
            if now + latency < window.lo:
                return 0.0
        # The send may land in a window no answer of ours has come from yet: besides it,
        # that window may hold every send still unanswered. Where another tool spends on the
        # key (or an answer is overdue: a stalled server, a slow network), that tool may have
        # blocked the key meanwhile, and a window's worth sent into a block is a window's
        # worth of 429s: such a window is entered one send at a time until an answer is in.
        if window is not None and in_flight and (overdue or (others and now >= window.hi)):
            return max(latency, 0.01)
        room = self.limit - (others + 1 if others else 0)
        if others and runs is not None and runs(now - self.ttl):
            room = 1  # another tool and other calbulk runs send too: one peek reads them first
        if in_flight + 1 > room:
            return max(latency, 0.01)  # woken early by the next answer
        return 0.0

    def observe(
        self, budget: NamedBudget, ticket: Ticket, now: float, said: Mapping[int, dict]
    ) -> tuple[_Window, int] | None:
        """Fold one answer into its window; returns (window, used by all) or None."""
        if budget.limit is None or budget.remaining is None or budget.reset is None:
            return None
        self.limit = max(1, budget.limit)
        reset = budget.reset
        if budget.remaining > 0:
            self.ttl = max(self.ttl, reset)
        # Earlier sends the server may not have counted yet when it answered this one: those
        # unanswered, or answered with no more left than this one (counted after it).
        uncounted = 0
        for seq in ticket.before:
            left = said.get(seq, {}).get(self.name)
            uncounted += left is None or left <= budget.remaining
        rounding = 1.0 if float(reset).is_integer() else 0.001
        lo, hi = ticket.sent_at + reset - rounding, now + reset + PAD
        cap = ticket.seq + budget.remaining - uncounted
        used = self.limit - budget.remaining
        window = self.windows[-1] if self.windows else None
        if window is not None and max(window.lo, lo) < min(window.hi, hi):
            window.lo, window.hi = max(window.lo, lo), min(window.hi, hi)
        elif window is not None and hi <= window.hi:
            return None  # a late answer from a window already over
        else:
            window = _Window(lo, hi, [], base=-1)
            self.windows.append(window)
        window.promise(cap, now)
        window.answers += 1
        return window, used


class RateLimiter:
    """The limiter shared by every request of one credential.

    The pure methods (``delay``, ``try_acquire``, ``observe``, ``on_rate_limited``,
    ``on_no_response``) take the time as an argument; ``acquire`` is the async face.
    """

    def __init__(
        self,
        fallback_limit: int = 120,
        window: float = 60.0,
        *,
        cap: int | None = None,
        margin: float = 0.05,
        clock: MonotonicClock | None = None,
        probe_first: bool = True,
        budget: SharedBudget | None = None,
    ) -> None:
        self.fallback_limit = fallback_limit
        self.window = window
        self.cap = cap
        self.margin = margin
        self.clock = clock or MonotonicClock()
        self.budget = budget
        # the budget's count of the other runs' sends, if it keeps one (see CountingBudget)
        self._runs_sent = budget.others_sent if isinstance(budget, CountingBudget) else None
        self.seconds_waited = 0.0
        self.shared_key_detections = 0
        self.latency = 0.0  # longest recent round trip, decaying
        self.limits: dict[str, _NamedLimit] = {}
        self._seq = 0
        self._times: list[float] = []  # send times of sends _first_seq, _first_seq + 1, ...
        self._first_seq = 1
        self._unanswered: dict[int, float] = {}
        self._said: dict[int, dict[str, int]] = {}  # seq -> remaining by limit, lately
        self._headless = not probe_first  # follow the fallback until headers are seen
        self._probe_wanted = probe_first
        self._probe_seq: int | None = None
        self._hold_until = 0.0
        self._lock = asyncio.Lock()
        self._news = asyncio.Event()  # set when the server said something new

    # -- sending -----------------------------------------------------------

    def key_rate(self) -> tuple[int, float]:
        """The key's sustained rate as ``(requests, seconds)``: the tightest limit learned from
        the headers (or the fallback before any), under the user's ceiling. For estimates."""
        rates = [(limit.limit, limit.ttl) for limit in self.limits.values() if limit.ttl > 0]
        if not rates:
            rates = [(self.fallback_limit, self.window)]
        if self.cap is not None:
            rates.append((self.cap, self.window))
        return min(rates, key=lambda rate: rate[0] / rate[1])

    @property
    def in_flight(self) -> int:
        return len(self._unanswered)

    def delay(self, now: float) -> float:
        """Seconds to wait before the next send is allowed (``<= 0``: allowed now)."""
        if now < self._hold_until:
            return self._hold_until - now
        if self._probe_seq is not None:
            return max(self.latency, 0.05)  # the probe's answer wakes the queue
        waits = [0.0]
        seq = self._seq + 1
        runs = self._runs_since(now)
        overdue, in_flight = self._overdue(now), len(self._unanswered)
        for limit in self.limits.values():
            waits.append(limit.delay(now, seq, in_flight, self.latency, runs, overdue))
        if self.cap is not None:
            waits.append(self._sliding(now, self.cap, self.window))
        if self._headless and not self.limits:
            budget = max(1, math.floor(self.fallback_limit * (1.0 - self.margin)))
            waits.append(self._sliding(now, budget, self.window + PAD + self.latency))
        return max(waits)

    def _overdue(self, now: float) -> bool:
        """Whether the oldest unanswered send has waited well beyond the usual round trip."""
        if not self._unanswered:
            return False
        oldest = next(iter(self._unanswered.values()))
        return now - oldest > max(OVERDUE * self.latency, 0.05)

    def _runs_since(self, now: float) -> Callable[[float], int] | None:
        """The other calbulk runs' sends since an answer came (from the server's count of
        it, at most a round trip earlier), or None when the budget cannot tell."""
        if self._runs_sent is None:
            return None
        counted: dict[float, int] = {}

        def since(at: float) -> int:
            if at not in counted:
                counted[at] = self._runs_sent(max(0.0, now - at + self.latency + PAD))
            return counted[at]

        return since

    def _sliding(self, now: float, budget: int, span: float) -> float:
        """Wait so that no ``span`` seconds hold more than ``budget`` of our sends."""
        inside = len(self._times) - bisect.bisect_right(self._times, now - span)
        if inside < budget:
            return 0.0
        return self._times[len(self._times) - budget] + span - now

    def record_send(self, now: float) -> Ticket:
        self._seq += 1
        self._times.append(now)
        before = tuple(self._unanswered)
        self._unanswered[self._seq] = now
        if self._probe_wanted:
            self._probe_wanted, self._probe_seq = False, self._seq
        if len(self._times) > 4096:
            self._trim(now)
        if len(self._said) > 4096:
            self._said = {seq: v for seq, v in self._said.items() if seq > self._seq - 1024}
        return Ticket(self._seq, now, before)

    def _trim(self, now: float) -> None:
        longest = max([self.window, *(limit.ttl for limit in self.limits.values())])
        cut = bisect.bisect_left(self._times, now - 2 * longest - 2.0)
        cut = min(cut, len(self._times) - 1)
        if cut > len(self._times) // 2:
            del self._times[:cut]
            self._first_seq += cut

    def try_acquire(self, now: float) -> Ticket | None:
        """Record a send and return its ticket if allowed at ``now``, else None."""
        if self.delay(now) > 0:
            return None
        return self.record_send(now)

    # -- what the server says ------------------------------------------------

    def _answered(self, ticket: Ticket, now: float) -> None:
        """Forget the send as unanswered."""
        self._unanswered.pop(ticket.seq, None)
        self.latency = min(max(now - ticket.sent_at, self.latency * 0.98), self.window / 4)
        if self._probe_seq == ticket.seq:
            self._probe_seq = None
        self._news.set()

    def _ours_since(self, start: float, until: float) -> int:
        """Our sends between ``start`` and ``until`` (send times are in order)."""
        return bisect.bisect_right(self._times, until) - bisect.bisect_left(self._times, start)

    def observe(self, budget: ServerBudget, ticket: Ticket, now: float) -> None:
        """Follow the server's windows from a (non-429) response's headers."""
        was_probe = ticket.seq == self._probe_seq
        self._answered(ticket, now)
        if not budget.limits:
            self._headless = True
            return
        self._said[ticket.seq] = {
            name: named.remaining
            for name, named in budget.limits.items()
            if named.remaining is not None
        }
        for name, named in budget.limits.items():
            limit = self.limits.get(name)
            if limit is None:
                if named.limit is None or named.reset is None:
                    continue
                limit = self.limits[name] = _NamedLimit(name, named.limit, named.reset)
            seen = limit.observe(named, ticket, now, self._said)
            if seen is not None:
                self._follow_others(limit, *seen, now=now, first_look=was_probe)

    def _follow_others(
        self, limit: _NamedLimit, window: _Window, used: int, *, now: float, first_look: bool
    ) -> None:
        """Requests counted in the window that are not ours: another user of the key."""
        others = max(0, used - window.answers - len(self._unanswered))
        if others and self._runs_sent is not None:  # less every other calbulk run's sends
            others = max(0, others - self._runs_sent(max(0.0, now - self._start_of(window, limit))))
        if window.base < 0:  # the window's first answer: what it held before we looked
            window.base = others if first_look else 0
            others = 0 if first_look else others

        else:
            others = max(0, others - window.base)
        if others > window.foreign:
            if window.foreign == 0:
                self.shared_key_detections += 1
            window.foreign = others
            if self.budget is not None and self._runs_sent is None:
                return  # not told apart from the runs on the budget, which counts them
            # Spent so far, at the same pace for the whole window.
            elapsed = max(now - (window.hi - PAD - limit.ttl), 0.25 * limit.ttl)
            limit.note_foreign(now, math.ceil(others * min(4.0, limit.ttl / elapsed)))

    @staticmethod
    def _start_of(window: _Window, limit: _NamedLimit) -> float:
        """When the window started, at the earliest: every other run's send since then is
        taken as counted in it (more rather than fewer, so those runs never look foreign)."""
        return window.lo - limit.ttl

    def on_no_response(self, ticket: Ticket) -> None:
        """A send ended without a response (reset, timeout): nothing to learn from it, so a
        probe in flight must not keep everyone waiting."""
        self._unanswered.pop(ticket.seq, None)
        if self._probe_seq == ticket.seq:
            self._probe_seq = None
            self._probe_wanted = True
        self._news.set()

    def on_rate_limited(self, budget: ServerBudget, ticket: Ticket, now: float) -> None:
        """A 429: nothing is sent until the longest reset it names (else one window) has
        passed, then a probe reads the new windows first."""
        self._answered(ticket, now)
        for name, named in budget.limits.items():
            limit = self.limits.get(name)
            if limit is None or named.limit is None:
                continue
            # Our own sends never cross the limit: someone else spent at least the rest.
            start = now - limit.ttl - self.latency - PAD
            runs = self._runs_sent(now - start) if self._runs_sent is not None else 0
            spent = named.limit + 1 - self._ours_since(start, now) - runs
            limit.note_foreign(now, spent, BLOCKED_MEMORY)
        reset = budget.longest_reset
        self.hold_until(now + (reset if reset is not None else self.window) + PAD, probe=True)

    def hold_until(self, until: float, *, probe: bool) -> None:
        self._hold_until = max(self._hold_until, until)
        if probe:
            self._probe_wanted = True

    # -- the async face used by the client -----------------------------------

    async def acquire(self) -> Ticket:
        """Wait until a send is allowed, record it, and return its ticket."""
        async with self._lock:
            start = self.clock.now()
            while True:
                now = self.clock.now()
                wait = self.delay(now)
                if wait <= 0:
                    if self.budget is not None:
                        await self.budget.take(self.key_limits(), self.budget_pad)
                        now = self.clock.now()
                    self.seconds_waited += now - start
                    return self.record_send(now)
                await self._sleep_or_news(wait)

    @property
    def budget_pad(self) -> float:
        """The pad a send asks the shared budget for: the spread from count to the wire."""
        return PAD + SLACK + self.latency

    def key_limits(self) -> tuple[KeyLimit, ...]:
        """The key's limits as learned from the headers, else the fallback (not learned)."""
        if self.limits:
            return tuple(KeyLimit(n, lim.limit, lim.ttl) for n, lim in self.limits.items())
        return (KeyLimit("fallback", self.fallback_limit, self.window, learned=False),)

    async def _sleep_or_news(self, seconds: float) -> None:
        """Sleep, but wake early when a response brings news (e.g. the probe's answer)."""
        self._news.clear()
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        news = asyncio.ensure_future(self._news.wait())
        _, pending = await asyncio.wait({sleeper, news}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()


def _number(raw: str | None, kind: type) -> int | float | None:
    if raw is None:
        return None
    try:
        return kind(float(raw)) if kind is int else kind(raw)
    except ValueError:
        return None
