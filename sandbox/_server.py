"""Start the sandbox: open/seed the database, build the app, serve with uvicorn.

The info (base URL, org id, keys, OAuth client) is printed and, with ``info_file``, written
as JSON only once the server accepts connections, so a caller polling for the file can
connect straight away.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from sandbox import (
    _assignments,
    _attributes,
    _me,
    _memberships,
    _ooo,
    _roles,
    _teams,
    _users,
    _webhooks,
)
from sandbox._app import ConnectionDropped, RouteSpec, SandboxApp
from sandbox._auth import OAuthClient
from sandbox._faults import FaultInjector, parse_faults
from sandbox._ratelimit import FixedWindowLimiter, parse_key_limits
from sandbox._runtime import Runtime, Stats
from sandbox._seed import seed_org
from sandbox._store import connect, get_meta, is_seeded


@dataclass(frozen=True)
class SandboxOptions:
    """Every ``serve`` option (the CLI maps its flags 1:1 onto these)."""

    host: str = "127.0.0.1"
    port: int = 8787
    db: str = ":memory:"
    seed_users: int = 25
    seed: int = 1
    rate_limit: int = 120
    rate_window: float = 60.0
    faults: str = ""
    key_limits: str = ""
    info_file: str | None = None
    no_admin_api: bool = False  # True: the seeded org has no Admin API (IsAdminAPIEnabledGuard)


def all_routes() -> list[RouteSpec]:
    modules = (
        _me,
        _users,
        _memberships,
        _assignments,
        _attributes,
        _ooo,
        _teams,
        _roles,
        _webhooks,
    )
    return [route for module in modules for route in module.ROUTES]


def build_runtime(options: SandboxOptions) -> Runtime:
    """Open the database (seeding it only if it is new) and assemble the shared state."""
    conn = connect(options.db)
    if not is_seeded(conn):
        seed_org(conn, users=options.seed_users, seed=options.seed)
    oauth = get_meta(conn, "oauth_client")
    stats = Stats()
    return Runtime(
        conn=conn,
        org_id=int(get_meta(conn, "org_id")),
        owner_id=int(get_meta(conn, "owner_id")),
        api_keys=dict(get_meta(conn, "api_keys")),
        oauth=OAuthClient(oauth["client_id"], oauth["secret_key"]),
        limiter=FixedWindowLimiter(
            options.rate_limit,
            options.rate_window,
            key_limits=parse_key_limits(options.key_limits),
            windows_opened=stats.windows_opened,
        ),
        faults=FaultInjector(parse_faults(options.faults)),
        stats=stats,
        admin_api=not options.no_admin_api,
    )


def build_app(runtime: Runtime) -> SandboxApp:
    return SandboxApp(runtime, all_routes())


class _HideDroppedConnections(logging.Filter):
    """Injected connection drops are on purpose: keep uvicorn from logging a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


def announce(info: dict[str, Any], info_file: str | None) -> None:
    keys = info["api_keys"]
    lines = [
        f"Cal.com API v2 sandbox listening on {info['base_url']}",
        f"  org id:        {info['org_id']}",
        f"  owner key:     {keys['owner']}",
        f"  admin key:     {keys['admin']}",
        f"  member key:    {keys['member']}",
        f"  OAuth client:  {info['oauth_client']['client_id']}"
        f" / secret {info['oauth_client']['secret_key']}",
        f"  e.g. export CAL_API_URL={info['base_url']} CAL_ORG_ID={info['org_id']}",
    ]
    print("\n".join(lines), flush=True)
    if info_file:
        target = Path(info_file)
        partial = target.with_suffix(target.suffix + ".tmp")
        partial.write_text(json.dumps(info, indent=2), encoding="utf-8")
        partial.replace(target)


async def _serve(options: SandboxOptions) -> int:
    runtime = build_runtime(options)
    config = uvicorn.Config(
        build_app(runtime),
        host=options.host,
        port=options.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=30,
        timeout_graceful_shutdown=2,  # a hanging (fault) request must not hold the exit
    )
    server = uvicorn.Server(config)
    logging.getLogger("uvicorn.error").addFilter(_HideDroppedConnections())
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    if server.started:
        host = options.host if ":" not in options.host else f"[{options.host}]"
        port = server.servers[0].sockets[0].getsockname()[1] if server.servers else options.port
        runtime.base_url = f"http://{host}:{port}"
        announce(runtime.info(), options.info_file)
    await task
    return 0 if server.started else 1


def serve(options: SandboxOptions) -> int:
    """Serve until interrupted; returns the process exit code."""
    try:
        return asyncio.run(_serve(options))
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 2
