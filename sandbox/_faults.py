"""Fault injection: a small spec language and the per-request draw.

Spec: comma-separated ``name=value`` items, e.g.
``500=0.05,503=0.02,reset=0.05,latency=0.3:20-200ms,hang=0.01:30s,ambiguous=0.02,reorder=1,seed=42``

- ``500`` / ``502`` / ``503`` = P: answer that status (error envelope) INSTEAD of processing.
- ``reset`` = P: drop the connection without processing (the client sees a transport error).
- ``ambiguous`` = P: for writes (POST/PATCH/PUT/DELETE) apply the write, then drop the
  connection before the response completes. Reads are not affected.
- ``hang`` = P:DURATION: wait DURATION (``30s``, ``500ms``), then drop the connection
  without processing (a client with a shorter timeout gives up first).
- ``latency`` = P:LOW-HIGHms: add a uniform delay in [LOW, HIGH] ms, then process normally.
- ``reorder`` = P: a list request is served from a fresh shuffle of the list.
- ``seed`` = S: seed of the fault RNG (reproducible runs). Default 0.

Probabilities are per request; 5xx/reset/hang/ambiguous are exclusive (one draw), latency
and reorder are independent draws. The empty spec (or ``none``) disables faults.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

STATUS_FAULTS = ("500", "502", "503")
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)$")


class FaultSpecError(ValueError):
    """The --faults text does not parse; the message says which item and why."""


def parse_duration(text: str) -> float:
    match = _DURATION_RE.match(text.strip())
    if not match:
        raise FaultSpecError(f"duration {text!r} must look like 30s or 200ms")
    number = float(match.group(1))
    return number / 1000 if match.group(2) == "ms" else number


def _probability(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FaultSpecError(f"{name}: probability {text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise FaultSpecError(f"{name}: probability {value} must be between 0 and 1")
    return value


@dataclass(frozen=True)
class FaultSpec:
    statuses: dict[str, float] = field(default_factory=dict)
    reset: float = 0.0
    ambiguous: float = 0.0
    hang: float = 0.0
    hang_seconds: float = 30.0
    latency: float = 0.0
    latency_range: tuple[float, float] = (0.0, 0.0)
    reorder: float = 0.0
    seed: int = 0
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(
            any(self.statuses.values())
            or self.reset
            or self.ambiguous
            or self.hang
            or self.latency
            or self.reorder
        )


def parse_faults(text: str | None) -> FaultSpec:
    """Parse the spec (see the module docstring); raises ``FaultSpecError``."""
    text = (text or "").strip()
    if text in ("", "none"):
        return FaultSpec()
    values: dict = {"statuses": {}, "text": text}
    for item in text.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            raise FaultSpecError(f"item {item!r} must be name=value")
        if name in STATUS_FAULTS:
            values["statuses"][name] = _probability(name, value)
        elif name in ("reset", "ambiguous", "reorder"):
            values[name] = _probability(name, value)
        elif name == "hang":
            prob, _, duration = value.partition(":")
            values["hang"] = _probability(name, prob)
            values["hang_seconds"] = parse_duration(duration or "30s")
        elif name == "latency":
            prob, _, span = value.partition(":")
            values["latency"] = _probability(name, prob)
            low, _, high = (span or "0-0ms").removesuffix("ms").partition("-")
            try:
                values["latency_range"] = (float(low) / 1000, float(high or low) / 1000)
            except ValueError:
                raise FaultSpecError(f"latency range {span!r} must look like 20-200ms") from None
        elif name == "seed":
            try:
                values["seed"] = int(value)
            except ValueError:
                raise FaultSpecError(f"seed {value!r} is not an integer") from None
        else:
            raise FaultSpecError(f"unknown fault {name!r}")
    return FaultSpec(**values)


@dataclass(frozen=True)
class FaultDraw:
    """What happens to one request."""

    kind: str | None = None  # "500" / "502" / "503" / "reset" / "hang" / "ambiguous" / None
    delay: float = 0.0
    reorder_seed: int | None = None


class FaultInjector:
    """Holds the current spec (replaceable at runtime) and its seeded RNG."""

    def __init__(self, spec: FaultSpec) -> None:
        self.replace(spec)

    def replace(self, spec: FaultSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)

    def draw(self, method: str) -> FaultDraw:
        spec = self.spec
        if not spec.active:
            return FaultDraw()
        rng = self.rng
        delay = 0.0
        if spec.latency and rng.random() < spec.latency:
            delay = rng.uniform(*spec.latency_range)
        reorder_seed = (
            rng.randrange(2**31) if spec.reorder and rng.random() < spec.reorder else None
        )
        roll = rng.random()
        kind = None
        options = [*spec.statuses.items(), ("reset", spec.reset), ("hang", spec.hang)]
        if method in WRITE_METHODS:
            options.append(("ambiguous", spec.ambiguous))
        for name, probability in options:
            if roll < probability:
                kind = name
                break
            roll -= probability
        return FaultDraw(kind, delay, reorder_seed)
