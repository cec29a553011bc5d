"""Where an import writes (receipt, plan, journal, errors) and how: owner-only, like exports.

The receipt goes next to the input unless ``--receipt`` says where; the plan, the journal and
the errors file go next to the receipt (so ``--receipt out/hr.receipt.csv`` keeps every output
of the run in ``out/``). They hold personal data: files are 0600, folders made here 0700.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def output_paths(file: Path, receipt: str | Path | None) -> dict[str, Path]:
    """Receipt next to the input unless given; plan, journal and errors next to the receipt."""
    receipt_path = Path(receipt) if receipt else file.with_name(f"{file.stem}.receipt.csv")
    stem = receipt_path.with_suffix("")
    if file.resolve() in {receipt_path.resolve(), receipt_path.with_suffix(".xlsx").resolve()}:
        raise ValueError(f"the receipt would overwrite the input {file.name}; choose --receipt")
    return {
        "receipt": receipt_path,
        "receipt_xlsx": receipt_path.with_suffix(".xlsx"),
        "plan": stem.with_name(f"{stem.name}.plan.csv"),
        "journal": stem.with_name(f"{stem.name}.journal.jsonl"),
        "errors": receipt_path.with_name(f"{file.stem}.errors.csv"),
    }


@contextmanager
def private_file(path: Path) -> Iterator[Path]:
    """``with private_file(p) as target: write(target)``: the file exists 0600 before anything
    is written to it and is 0600 after (even if the writer replaced it)."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=DIR_MODE)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    yield path
    path.chmod(FILE_MODE)


__all__ = ["FILE_MODE", "output_paths", "private_file"]
