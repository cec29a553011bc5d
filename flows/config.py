"""Configuration at the edge: CAL_* variables from the environment and an optional ``.env``.

Shared by every command. Real environment variables win over ``.env``; the
``.env`` file is looked up in the current directory (or given explicitly).
Nothing is sent while reading configuration: bad values raise
``calapi.ConfigError`` (a ``ValueError``) naming the variable, never its secret value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

from calapi import ConfigError, Settings

ENV_VARS = (
    "CAL_API_KEY",
    "CAL_CLIENT_ID",
    "CAL_SECRET_KEY",
    "CAL_API_URL",
    "CAL_ORG_ID",
    "CAL_RATE_LIMIT",
)


def read_env(dotenv_path: Path | None = None, environ: Mapping[str, str] | None = None) -> dict:
    """CAL_* values: ``.env`` first, then the process environment on top."""
    path = Path(dotenv_path) if dotenv_path else Path.cwd() / ".env"
    values: dict[str, str] = {}
    if path.is_file():
        values = {k: v for k, v in dotenv_values(path).items() if v is not None}
    source = os.environ if environ is None else environ
    values.update({k: v for k, v in source.items() if k in ENV_VARS})
    return {k: v for k, v in values.items() if k in ENV_VARS}


def load_settings(
    org_id: int | None = None,
    *,
    dotenv_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: object,
) -> Settings:
    """calapi Settings from the environment; ``org_id`` (a CLI option) beats CAL_ORG_ID."""
    env = read_env(dotenv_path, environ)
    if org_id is not None:
        overrides["org_id"] = org_id
    try:
        return Settings.from_env(env, **overrides)
    except TypeError as error:  # an unknown override name is a programming error, say so
        raise ConfigError(f"bad settings override: {error}") from None


__all__ = ["ENV_VARS", "load_settings", "read_env"]
