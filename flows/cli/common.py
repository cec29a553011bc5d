"""What every command shares: exit codes and the one place errors become messages."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes DESIGN.md promises."""

    DONE = 0
    FAILED_ROWS = 1
    BAD_INPUT = 2
