"""``python -m sandbox serve [options]``: run the local Cal.com API v2 emulator."""

from __future__ import annotations

import argparse
import sys

from sandbox._faults import FaultSpecError, parse_faults
from sandbox._server import SandboxOptions, serve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve the sandbox until stopped")
    defaults = SandboxOptions()
    run.add_argument("--host", default=defaults.host)
    run.add_argument("--port", type=int, default=defaults.port)
    run.add_argument(
        "--db",
        default=defaults.db,
        help="SQLite file (reused, not re-seeded, if it exists) or :memory:",
    )
    run.add_argument(
        "--seed-users",
        type=int,
        default=defaults.seed_users,
        help="users to seed besides the three key holders (new databases only)",
    )
    run.add_argument("--seed", type=int, default=defaults.seed, help="seed of the fake org")
    run.add_argument(
        "--rate-limit",
        type=int,
        default=defaults.rate_limit,
        help="requests per window per API key (OAuth clients: x 500/120)",
    )
    run.add_argument(
        "--rate-window",
        type=float,
        default=defaults.rate_window,
        help="window and block duration in seconds",
    )
    run.add_argument("--faults", default=defaults.faults, help="fault spec, see sandbox/README.md")
    run.add_argument(
        "--info-file",
        default=None,
        help="write {base_url, org_id, api_keys, oauth_client} JSON here once up",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        parse_faults(args.faults)
    except FaultSpecError as exc:
        print(f"sandbox: --faults: {exc}", file=sys.stderr)
        return 2
    options = SandboxOptions(
        host=args.host,
        port=args.port,
        db=args.db,
        seed_users=args.seed_users,
        seed=args.seed,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
        faults=args.faults,
        info_file=args.info_file,
    )
    return serve(options)


if __name__ == "__main__":
    sys.exit(main())
