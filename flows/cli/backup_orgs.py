"""`calbulk backup --orgs orgs.toml`: every organization of the orgs file.

The file is checked first (exit 2 naming the entry and field, nothing sent). Without a Prefect
server the orgs are backed up in this process, at most ``--parallel`` at a time
(`flows.backup.many.backup_many`); with PREFECT_API_URL set, the ``backup_orgs`` parent flow
submits one ``backup_org`` run per org to the work pool (`flows.backup.many_flow`). Either way
the summary lists each org's outcome, rows, requests and time, and the exit code is 1 if any
org failed.
"""

from __future__ import annotations

from pathlib import Path

from flows.cli.common import ExitCode, Run, explain, on_prefect, run_pipeline, scrub


def backup_orgs_command(
    run: Run, orgs: Path, org_id: int | None, out: Path, format: str, keep: dict, parallel: int
) -> None:
    from calapi import ConfigError
    from flows.backup.many import backup_many, load_orgs
    from flows.backup.pipeline import backup_formats, check_keep

    if org_id is not None:
        run.fail("--org-id and --orgs together; the orgs file names each org_id")
    if parallel < 1:
        run.fail(f"--parallel is {parallel}; give 1 or more")
    try:
        backup_formats(format)
        check_keep(**keep)
        entries = load_orgs(orgs, check_env=on_prefect() is None)
    except ConfigError as error:
        run.fail(str(error))
    if out.exists() and not out.is_dir():
        run.fail(f"--out {out} is a file; give a folder (snapshots go in OUT/<org_id>/)")

    async def in_process() -> list[dict]:
        outcomes = await backup_many(entries, out, format, parallel, keep)
        rows = []
        for outcome in outcomes:
            row = outcome.as_dict()
            if outcome.exception is not None:  # the CLI's one wording of each failure
                settings = entries_settings(entries, outcome.org_id)
                if settings is not None:
                    message = explain(outcome.exception, settings)[1]
                    row["error"] = scrub(message, settings.secrets())
            rows.append(row)
        return rows

    async def on_server() -> list[dict]:
        from dataclasses import asdict

        from flows.backup.many_flow import run_backup_orgs

        return await run_backup_orgs(orgs=[asdict(entry) for entry in entries], out=str(out),
                                 format=format, **keep)  # fmt: skip

    rows = run_pipeline(run, in_process, on_server)
    failed = [row for row in rows if row["outcome"] != "ok"]
    if not run.as_json:
        show_orgs(rows)
    code = ExitCode.FAILED_ROWS if failed else ExitCode.DONE
    run.finish({"orgs": rows, "failed": [row["name"] for row in failed]}, code)


def entries_settings(entries: list, org_id: int):
    """The org's settings for wording its failure; None for a block-held key (its failure
    keeps the wording the run scrubbed of that key)."""
    entry = next(e for e in entries if e.org_id == org_id)
    return None if entry.api_key_block else entry.settings()


def show_orgs(rows: list[dict]) -> None:
    from flows.cli.output import console, print_table

    out = console()
    table = [(r["name"], r["org_id"], r["outcome"], r["rows"], r["requests"], f"{r['seconds']} s")
             for r in rows]  # fmt: skip
    print_table(out, "Backups", ["org", "org_id", "outcome", "rows", "requests", "time"], table)
    for row in rows:
        if row["outcome"] == "ok":
            out.print(f"{row['name']}: snapshot: {row['folder']}")
        else:
            out.print(f"{row['name']}: FAILED: {row['error']}")
    failed = [row["name"] for row in rows if row["outcome"] != "ok"]
    if failed:
        out.print(f"{len(failed)} of {len(rows)} organization(s) failed: {', '.join(failed)}")
    else:
        out.print(f"all {len(rows)} organization(s) backed up")
