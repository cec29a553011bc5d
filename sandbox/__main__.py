"""``python -m sandbox serve [options]``: run the local Cal.com API v2 emulator."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields

from sandbox._faults import FaultSpecError, parse_faults
from sandbox._ratelimit import KeyLimitSpecError, parse_key_limits
from sandbox._server import SandboxOptions, serve

HELP = {
    "host": "interface to listen on",
    "port": "TCP port to listen on",
    "db": "SQLite file (reused, not re-seeded, if it exists) or :memory:",
    "seed_users": "users to seed besides the three key holders (new databases only)",
    "seed": "seed of the fake org",
    "rate_limit": "requests per window per API key (OAuth clients: x 500/120)",
    "rate_window": "window and block duration in seconds",
    "faults": "fault spec, see sandbox/README.md",
    "key_limits": "named limits of every API key, NAME=LIMIT/TTL[:BLOCK],... "
    "(e.g. short=10/1s,long=300/60s:120s; default: 120 per window)",
    "info_file": "write {base_url, org_id, api_keys, oauth_client} JSON here once up",
    "no_admin_api": "the org has no Admin API access: every org route answers 403",
}


def build_parser() -> argparse.ArgumentParser:
    """One ``--flag`` per :class:`SandboxOptions` field, typed and defaulted by it."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve the sandbox until stopped")
    defaults = SandboxOptions()
    for option in fields(SandboxOptions):
        default = getattr(defaults, option.name)
        if isinstance(default, bool):
            run.add_argument(
                "--" + option.name.replace("_", "-"),
                action="store_true",
                default=default,
                help=HELP[option.name],
            )
            continue
        run.add_argument(
            "--" + option.name.replace("_", "-"),
            type=str if default is None else type(default),
            default=default,
            help=HELP[option.name],
        )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        parse_faults(args.faults)
    except FaultSpecError as exc:
        print(f"sandbox: --faults: {exc}", file=sys.stderr)
        return 2
    try:
        parse_key_limits(args.key_limits)
    except KeyLimitSpecError as exc:
        print(f"sandbox: --key-limits: {exc}", file=sys.stderr)
        return 2
    return serve(SandboxOptions(**{f.name: getattr(args, f.name) for f in fields(SandboxOptions)}))


if __name__ == "__main__":
    sys.exit(main())
