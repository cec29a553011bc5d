"""A local emulator of the Cal.com API v2 organization endpoints (ASGI + SQLite).

Independent of ``calapi``/``flows``: it is the oracle our client is tested against, so it
imports nothing from them. Run it with ``python -m sandbox serve`` or
``calbulk sandbox serve``; see sandbox/README.md.
"""

from sandbox._faults import FaultSpec, FaultSpecError, parse_faults
from sandbox._ratelimit import FixedWindowLimiter, KeyLimitSpecError, parse_key_limits
from sandbox._server import SandboxOptions, build_app, build_runtime, serve

__all__ = [
    "FaultSpec",
    "FaultSpecError",
    "FixedWindowLimiter",
    "KeyLimitSpecError",
    "SandboxOptions",
    "build_app",
    "build_runtime",
    "parse_faults",
    "parse_key_limits",
    "serve",
]
