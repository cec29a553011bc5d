"""Back up many organizations: the orgs file, and running one backup per org side by side.

``calbulk backup --orgs orgs.toml`` reads a TOML file of ``[[org]]`` entries::

    [[org]]
    name = "acme"                       # used in messages
    org_id = 101
    api_url = "https://api.cal.com"     # optional
    api_key_env = "ACME_CAL_API_KEY"    # or api_key_block = "acme-cal-key" (a Secret block)
    rate_limit = 120                    # optional cap, requests per minute

:func:`load_orgs` checks the whole file before anything is sent (unknown field, missing key
variable, duplicate name or org id, both or neither key source), naming the entry and field.
:func:`backup_many` runs :func:`flows.backup.pipeline.backup_snapshot` for every org in this
process, at most ``parallel`` at a time, each with its own Settings and so its own per-key
budget (`flows.budget`); one org's failure never stops the others. With a Prefect server the
parent flow in `flows.backup.many_flow` submits one ``backup_org`` run per org instead.
"""

from __future__ import annotations

import asyncio
import os
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from calapi import ConfigError, Settings
from flows.backup.pipeline import DEFAULT_KEEP, backup_snapshot
from flows.reporter import SILENT, Reporter

FIELDS = ("name", "org_id", "api_url", "api_key_env", "api_key_block", "rate_limit")
DEFAULT_PARALLEL = 4


@dataclass(frozen=True)
class OrgEntry:
    """One ``[[org]]`` of the orgs file. It names where the key is, never the key itself."""

    name: str
    org_id: int
    api_url: str | None = None
    api_key_env: str | None = None
    api_key_block: str | None = None
    rate_limit: int | None = None

    def settings(self, environ: Mapping[str, str] | None = None, api_key: str | None = None):
        """Settings for this org; the key from ``api_key_env`` (or ``api_key`` if given)."""
        source = os.environ if environ is None else environ
        key = api_key if api_key is not None else source.get(self.api_key_env or "", "").strip()
        env = {"CAL_API_KEY": key, "CAL_ORG_ID": str(self.org_id)}
        if self.api_url:
            env["CAL_API_URL"] = self.api_url
        if self.rate_limit:
            env["CAL_RATE_LIMIT"] = str(self.rate_limit)
        return Settings.from_env(env)


@dataclass
class OrgOutcome:
    """How one org's backup ended: the snapshot, or why it failed."""

    name: str
    org_id: int
    ok: bool
    seconds: float
    rows: int = 0
    requests: int = 0
    folder: str | None = None
    error: str | None = None
    exception: BaseException | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        return {"name": self.name, "org_id": self.org_id,
                "outcome": "ok" if self.ok else "failed", "rows": self.rows,
                "requests": self.requests, "seconds": round(self.seconds, 2),
                "folder": self.folder, "error": self.error}  # fmt: skip


def _entry(index: int, raw: object, environ: Mapping[str, str] | None) -> OrgEntry:
    where = f"[[org]] #{index}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} is not a table of fields; give name, org_id, api_key_env")
    if isinstance(raw.get("name"), str) and raw["name"].strip():
        where += f" ({raw['name']})"
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise ConfigError(f"{where}: unknown field {unknown[0]!r}; accepted: {', '.join(FIELDS)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: field 'name' is missing or empty; give a short name")
    org_id = raw.get("org_id")
    if isinstance(org_id, bool) or not isinstance(org_id, int) or org_id < 1:
        raise ConfigError(f"{where}: field 'org_id' is {org_id!r}; give a whole number above 0")
    for text in ("api_url", "api_key_env", "api_key_block"):
        if text in raw and (not isinstance(raw[text], str) or not raw[text].strip()):
            raise ConfigError(f"{where}: field {text!r} is {raw[text]!r}; give a non-empty text")
    rate = raw.get("rate_limit")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int) or rate < 1):
        raise ConfigError(f"{where}: field 'rate_limit' is {rate!r}; give requests per minute")
    env_name, block = raw.get("api_key_env"), raw.get("api_key_block")
    if env_name and block:
        raise ConfigError(f"{where}: both 'api_key_env' and 'api_key_block'; give one of them")
    if not env_name and not block:
        raise ConfigError(f"{where}: no key source; give 'api_key_env' or 'api_key_block'")
    if env_name and environ is not None and not environ.get(env_name, "").strip():
        raise ConfigError(f"{where}: field 'api_key_env' names {env_name}, which is not set")
    return OrgEntry(name.strip(), org_id, raw.get("api_url"), env_name, block, rate)


def load_orgs(
    path: str | Path, environ: Mapping[str, str] | None = None, *, check_env: bool = True
) -> list[OrgEntry]:
    """Every ``[[org]]`` of the file, checked; a bad file raises ConfigError naming where.
    ``check_env=False`` (runs on Prefect workers): key variables are the workers' to have."""
    path = Path(path)
    source = (os.environ if environ is None else environ) if check_env else None
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"orgs file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"orgs file {path} is not valid TOML: {error}") from None
    extra = sorted(set(document) - {"org"})
    if extra:
        raise ConfigError(f"orgs file {path}: unknown top-level key {extra[0]!r}; use [[org]]")
    raw = document.get("org")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"orgs file {path} lists no organization; add [[org]] entries")
    entries = [_entry(i, item, source) for i, item in enumerate(raw, start=1)]
    for attribute in ("name", "org_id"):
        seen: dict[object, int] = {}
        for index, entry in enumerate(entries, start=1):
            value = getattr(entry, attribute)
            if value in seen:
                raise ConfigError(
                    f"orgs file {path}: [[org]] #{index} ({entry.name}): field {attribute!r} "
                    f"is {value!r}, the same as [[org]] #{seen[value]}; each must be unique"
                )
            seen[value] = index
    return entries


async def resolve_key_block(block: str, instead: str = "use api_key_env") -> str:
    """The API key in a Prefect Secret block (imports Prefect only when a block is used);
    a missing block says what to do ``instead``."""
    from prefect.blocks.system import Secret

    try:
        secret = await Secret.aload(block)
    except ValueError as error:
        raise ConfigError(
            f"the Secret block {block!r} is not on the Prefect server "
            f"({type(error).__name__}); create it, or {instead}"
        ) from None
    return str(secret.get()).strip()


async def backup_one(
    entry: OrgEntry, out: str | Path, formats: str | Iterable[str] | None, keep: dict,
    reporter: Reporter,
) -> OrgOutcome:  # fmt: skip
    """One org's backup; whatever it raises becomes a failed outcome (scrubbed of its key)."""
    started = time.monotonic()
    secrets: tuple[str, ...] = ()
    try:
        key = await resolve_key_block(entry.api_key_block) if entry.api_key_block else None
        settings: Settings = entry.settings(api_key=key)
        secrets = settings.secrets()
        result = await backup_snapshot(settings, entry.org_id, out, formats, **keep,
                                       reporter=reporter)  # fmt: skip
    except asyncio.CancelledError:
        raise
    except Exception as error:  # one org's failure never stops the others
        message = f"{type(error).__name__}: {error}"
        for secret in secrets:
            message = message.replace(secret, "***")
        return OrgOutcome(entry.name, entry.org_id, False, time.monotonic() - started,
                          error=message, exception=error)  # fmt: skip
    return OrgOutcome(entry.name, entry.org_id, True, time.monotonic() - started,
                      rows=result.export.total_rows, requests=result.export.total_requests,
                      folder=str(result.folder))  # fmt: skip


async def backup_many(
    entries: list[OrgEntry],
    out: str | Path,
    formats: str | Iterable[str] | None = None,
    parallel: int = DEFAULT_PARALLEL,
    keep: dict | None = None,
    *,
    reporter_for: Callable[[OrgEntry], Reporter] | None = None,
) -> list[OrgOutcome]:
    """Back up every org, at most ``parallel`` at once; outcomes in the file's order."""
    if parallel < 1:
        raise ConfigError(f"--parallel is {parallel}; give 1 or more")
    keep = dict(DEFAULT_KEEP if keep is None else keep)
    gate = asyncio.Semaphore(parallel)

    async def guarded(entry: OrgEntry) -> OrgOutcome:
        async with gate:
            reporter = reporter_for(entry) if reporter_for else SILENT
            return await backup_one(entry, out, formats, keep, reporter)

    return list(await asyncio.gather(*(guarded(entry) for entry in entries)))


__all__ = ["DEFAULT_PARALLEL", "OrgEntry", "OrgOutcome", "backup_many", "load_orgs"]
