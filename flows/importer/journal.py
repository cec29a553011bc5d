"""The import journal: what was sent, row by row, so a killed run resumes with no duplicates.

A JSON-lines file next to the receipt. The first line names the input (its sha256) and the
mode; every step is written as ``start`` before it is sent and ``done`` after, and a run that
ends (not interrupted) writes ``finished``. Lines are flushed as they are written, so a SIGKILL
loses at most the step in flight, and that step is found again by reading the org (the plan of
the next run no longer contains it if it landed).

``history`` is what interrupted runs since the last finished one did: that is what a rerun
resumes. A finished run is history in the other sense: its steps belong to its own receipt,
never to the next run's (an add run, then a sync run of the same file). ``this_run`` is what
the current run journaled, so an interrupted run's receipt can say what it did. The file is
owner-only: it names people.

The journal never holds a credential: only actions, row numbers and what a person reads.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class RowHistory:
    """What earlier runs did for one input row."""

    done: list[str] = field(default_factory=list)
    started: list[tuple[str, str]] = field(default_factory=list)
    created: bool = False
    user_id: int | None = None


class Journal:
    """Append-only, flushed per line; ``history`` is what it held when opened."""

    def __init__(self, path: Path, file_sha256: str, mode: str) -> None:
        self.path = path
        self.history: dict[tuple[str, int], RowHistory] = {}
        self.this_run: dict[tuple[str, int], RowHistory] = {}
        header = {"event": "run", "input_sha256": file_sha256, "mode": mode}
        if path.exists() and self._same_input(file_sha256):
            self._load()
        elif path.exists():
            path.replace(path.with_suffix(".previous.jsonl"))
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)
        self._file = os.fdopen(fd, "a", encoding="utf-8")
        self._write(header)

    def _same_input(self, file_sha256: str) -> bool:
        with self.path.open(encoding="utf-8") as handle:
            return _entry(handle.readline()).get("input_sha256") == file_sha256

    def _load(self) -> None:
        self.history = _history(self.path)

    def _write(self, entry: dict[str, Any]) -> None:
        self._file.write(json.dumps(entry, default=str) + "\n")
        self._file.flush()

    def started(self, sheet: str, row: int, action: str, summary: str) -> None:
        entry = {"event": "start", "sheet": sheet, "row": row, "action": action,
                 "summary": summary}  # fmt: skip
        self._write(entry)
        _note(self.this_run, entry)

    def done(self, sheet: str, row: int, action: str, summary: str, user_id: int | None) -> None:
        entry = {"event": "done", "sheet": sheet, "row": row, "action": action,
                 "summary": summary, "user_id": user_id}  # fmt: skip
        self._write(entry)
        _note(self.this_run, entry)

    def finished(self) -> None:
        """The run ended (rows failed or not): a rerun starts afresh instead of resuming."""
        self._write({"event": "finished"})

    def close(self) -> None:
        self._file.close()


CREATING = ("create_user", "create_ooo", "create_role")


def _history(path: Path) -> dict[tuple[str, int], RowHistory]:
    history: dict[tuple[str, int], RowHistory] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = _entry(line)
        if entry.get("event") == "finished":
            history.clear()  # what came before belongs to that run's receipt
        elif entry.get("event") in ("start", "done"):
            _note(history, entry)
    return history


def started_before(path: Path, file_sha256: str, sheet: str, action: str) -> set[int]:
    """Rows of ``sheet`` where an interrupted run of the same input started ``action`` (what a
    rerun resumes; read without writing, before the run's journal is opened). Only the lines
    naming ``action`` or ending a run are parsed."""
    if not path.is_file():
        return set()
    rows: set[int] = set()
    with path.open(encoding="utf-8") as handle:
        if _entry(handle.readline()).get("input_sha256") != file_sha256:
            return set()
        wanted = f'"{action}"'
        for line in handle:
            if wanted not in line and '"finished"' not in line:
                continue
            entry = _entry(line)
            if entry.get("event") == "finished":
                rows.clear()  # what came before belongs to that run's receipt
            elif (entry.get("event"), entry.get("sheet"), entry.get("action")) == (
                "start", sheet, action
            ):  # fmt: skip
                rows.add(entry["row"])
    return rows


def _entry(line: str) -> dict[str, Any]:
    """One journal line; a line cut short by a kill (or not an object) reads as empty."""
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        return {}
    return entry if isinstance(entry, dict) else {}


def _note(rows: dict[tuple[str, int], RowHistory], entry: dict[str, Any]) -> None:
    row = rows.setdefault((entry["sheet"], entry["row"]), RowHistory())
    if entry.get("user_id") is not None:
        row.user_id = entry["user_id"]
    if entry["event"] == "start":
        row.started.append((entry["action"], entry["summary"]))
        return
    row.done.append(entry["summary"])
    row.created = row.created or entry["action"] in CREATING
