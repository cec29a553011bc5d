"""The import's local work (no network): read, validate and plan big users sheets.

Used by ``bench/import.py`` (its ``--skip-api`` path runs only this). For 100,000 and
``--big-rows`` users rows it prints read, validate, plan and plan-file seconds and the peak
RSS, next to polars' own read of the same file (the baseline, measured in the same run); then
a 100,000-row .xlsx read against polars' calamine read; then a file whose 200,000 bad rows
are all reported (validate + errors file). Each measurement runs in its own process, so each
peak RSS is that run's alone. Targets (issue 13): 1,000,000 rows read + validated + planned
in under 5 s and 2 GB, 100,000 rows under 1 s, the 100,000-row .xlsx read under 3 s.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

BAD_ROWS = 200_000


def users_frame(rows: int, bad_every: int | None = None) -> pl.DataFrame:
    """New hires of the demo org: team, two single-selects and a number each."""
    frame = pl.DataFrame({"i": range(rows)}).select(
        "i",
        email=pl.format("person{}@big.example", "i"),
        username=pl.format("person{}", "i"),
        time_zone=pl.lit("Europe/Berlin"),
        org_role=pl.lit("MEMBER"),
        teams=pl.lit("Engineering"),
        Department=pl.lit("Sales"),
        Office=pl.lit("Remote"),
        Level=(pl.col("i") % 9 + 1).cast(pl.Utf8),
    )
    if bad_every:
        bad = pl.col("i") % bad_every == 0
        frame = frame.with_columns(
            time_zone=pl.when(bad).then(pl.lit("Europe/Berln")).otherwise("time_zone"),
            Department=pl.when(bad).then(pl.lit("Salse")).otherwise("Department"),
        )
    return frame.drop("i")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _polars_read(path: str) -> dict:
    started, cpu = time.perf_counter(), time.process_time()
    if path.endswith(".xlsx"):
        frame = pl.read_excel(path, engine="calamine")
    else:
        frame = pl.read_csv(path, infer_schema=False)
    return {
        "read": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "rows": frame.height,
        "peak": _peak_mb(),
    }


def _calbulk_import(path: str, plan_file: str | None) -> dict:
    from transforms.plan.build import build_plan
    from transforms.sheets.example import demo_state
    from transforms.sheets.reading import read_workbook
    from transforms.validate.sheet import validate_workbook

    state = demo_state()
    t0, cpu0 = time.perf_counter(), time.process_time()
    book = read_workbook(path)
    t1 = time.perf_counter()
    validated = validate_workbook(book, state)
    t2 = time.perf_counter()
    plan = build_plan(validated, state)
    t3, cpu3 = time.perf_counter(), time.process_time()
    peak = _peak_mb()  # read + validate + plan; the plan file is timed on its own
    if plan_file:
        plan.write_csv(plan_file)
    t4 = time.perf_counter()
    return {
        "read": t1 - t0,
        "validate": t2 - t1,
        "plan": t3 - t2,
        "cpu": cpu3 - cpu0,
        "plan_file": t4 - t3,
        "steps": plan.step_count,
        "errors": len(validated.errors),
        "peak": peak,
        "peak_with_file": _peak_mb(),
    }


def _calbulk_read(path: str) -> dict:
    from transforms.sheets.reading import read_workbook

    started = time.perf_counter()
    book = read_workbook(path)
    rows = sum(s.frame.height for s in book.sheets.values())
    return {"read": time.perf_counter() - started, "rows": rows, "peak": _peak_mb()}


def _calbulk_bad_rows(path: str, errors_file: str) -> dict:
    from transforms.problems import problems_frame
    from transforms.sheets.example import demo_state
    from transforms.sheets.reading import read_workbook
    from transforms.validate.sheet import validate_workbook

    state = demo_state()
    started = time.perf_counter()
    validated = validate_workbook(read_workbook(path), state)
    problems_frame(validated.problems).write_csv(errors_file)
    first = validated.errors[0]
    return {
        "seconds": time.perf_counter() - started,
        "errors": len(validated.errors),
        "rows": len({p.row for p in validated.errors}),
        "first": f"row {first.row}, {first.column}: {first.value!r} {first.problem} "
        f"({first.accepted})",
        "peak": _peak_mb(),
    }


def _child(queue, function: Callable, args: tuple) -> None:
    queue.put(function(*args))


def in_own_process(function: Callable, *args) -> dict:
    """Run ``function(*args)`` in a fresh process; its result (with that process's peak RSS)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, function, args))
    process.start()
    result = queue.get()
    process.join()
    return result


def bench_rows(rows: int, workdir: Path) -> None:
    path = workdir / f"users_{rows}.csv"
    started = time.perf_counter()
    users_frame(rows).write_csv(path)
    print(f"users CSV: {rows:,} rows, {path.stat().st_size / 1e6:.0f} MB "
          f"(written in {time.perf_counter() - started:.1f} s)")  # fmt: skip
    base = in_own_process(_polars_read, str(path))
    ours = in_own_process(_calbulk_import, str(path), str(workdir / f"users_{rows}.plan.csv"))
    total = ours["read"] + ours["validate"] + ours["plan"]
    print(f"  baseline polars read_csv {base['read']:.2f} s (cpu {base['cpu']:.2f} s), "
          f"peak {base['peak']:.0f} MB")  # fmt: skip
    print(f"  calbulk read {ours['read']:.2f} s + validate {ours['validate']:.2f} s + "
          f"plan {ours['plan']:.2f} s = {total:.2f} s (cpu {ours['cpu']:.2f} s, "
          f"{total / base['read']:.0f}x the baseline), peak {ours['peak']:.0f} MB; "
          f"{ours['steps']:,} steps, {ours['errors']} errors")  # fmt: skip
    print(f"  then the plan file {ours['plan_file']:.2f} s "
          f"(peak {ours['peak_with_file']:.0f} MB)")  # fmt: skip


def bench_xlsx(rows: int, workdir: Path) -> None:
    path = workdir / f"users_{rows}.xlsx"
    started = time.perf_counter()
    users_frame(rows).write_excel(path, worksheet="users")
    print(f"users .xlsx: {rows:,} rows, {path.stat().st_size / 1e6:.0f} MB "
          f"(written in {time.perf_counter() - started:.1f} s)")  # fmt: skip
    base = in_own_process(_polars_read, str(path))
    ours = in_own_process(_calbulk_read, str(path))
    print(f"  baseline polars read_excel(calamine) {base['read']:6.2f} s, "
          f"peak {base['peak']:.0f} MB")  # fmt: skip
    print(f"  calbulk read                         {ours['read']:6.2f} s, "
          f"peak {ours['peak']:.0f} MB ({ours['rows']:,} rows)")  # fmt: skip


def bench_bad_rows(rows: int, workdir: Path) -> None:
    path = workdir / f"users_{rows}_bad.csv"
    users_frame(rows, bad_every=rows // BAD_ROWS).write_csv(path)
    ours = in_own_process(_calbulk_bad_rows, str(path), str(workdir / "bad.errors.csv"))
    print(f"bad rows: {rows:,} rows, {BAD_ROWS:,} with a bad time zone and department")
    print(
        f"  calbulk validate + errors file {ours['seconds']:.2f} s, "
        f"peak {ours['peak']:.0f} MB: {ours['errors']:,} errors on {ours['rows']:,} rows"
    )
    print(f"  first: {ours['first']}")  # fmt: skip


def bench_local(rows: int, workdir: Path) -> None:
    """Everything above, for 100,000 rows and ``rows`` rows."""
    for count in sorted({100_000, rows}):
        bench_rows(count, workdir)
    bench_xlsx(100_000, workdir)
    bench_bad_rows(max(rows, BAD_ROWS), workdir)
