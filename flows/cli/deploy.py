"""`calbulk deploy`: register prefect.yaml's deployments on the Prefect server.

The server is the one at PREFECT_API_URL. The process work pool (``--pool``, default
``calbulk``) is created if it is missing, then ``prefect deploy --all`` registers every
deployment of the project's ``prefect.yaml`` on that pool: ``backup_org/nightly-backup``,
``report_org/weekly-report`` and ``import_file/import-file``. Workers then run them with
``prefect worker start --pool calbulk``. ``CALBULK_HOME`` (where a worker finds the flows; the
deployments' pull step) defaults to this checkout. Credentials are never sent here: workers
read them from their own environment or a Prefect Secret block (CAL_API_KEY_BLOCK).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import typer

from flows.cli.common import ExitCode, Run, json_option, prepare_prefect, verbose_option

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PREFECT_FILE = "prefect.yaml"
DEFAULT_POOL = "calbulk"


async def ensure_process_pool(name: str) -> bool:
    """Create process work pool ``name`` unless the server has it; True if it was created."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    async with get_client() as client:
        failure = await client.api_healthcheck()
        if failure is not None:
            raise ConnectionError(str(failure))
        try:
            await client.read_work_pool(name)
            return False
        except ObjectNotFound:
            await client.create_work_pool(WorkPoolCreate(name=name, type="process"))
            return True


def prefect_file_for(pool: str, source: Path, folder: Path) -> Path:
    """A copy of ``source`` whose deployments all use work pool ``pool``."""
    import yaml

    config = yaml.safe_load(source.read_text(encoding="utf-8"))
    for deployment in config.get("deployments", []):
        deployment.setdefault("work_pool", {})["name"] = pool
    target = folder / PREFECT_FILE
    target.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return target


def deploy_command(
    pool: str = typer.Option(
        DEFAULT_POOL, "--pool", help="Process work pool to run on (created if missing)."
    ),
    as_json: bool = json_option(),
    verbose: bool = verbose_option(),
) -> None:
    """Register prefect.yaml's deployments on the Prefect server at PREFECT_API_URL."""
    run = Run("deploy", as_json=as_json, verbose=verbose)
    api_url = os.environ.get("PREFECT_API_URL", "").strip()
    if not api_url:
        run.fail(
            "PREFECT_API_URL is not set; start a server (prefect server start) and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api"
        )
    source = PROJECT_ROOT / PREFECT_FILE
    if not source.is_file():
        run.fail(f"{source} not found; run calbulk deploy from a calbulk checkout")
    prepare_prefect(verbose)
    try:
        created = asyncio.run(ensure_process_pool(pool))
    except Exception as error:  # the server is down or refuses: say which server
        run.fail(f"the Prefect server at {api_url} did not answer ({error})")
    env = {**os.environ, "CALBULK_HOME": os.environ.get("CALBULK_HOME") or str(PROJECT_ROOT)}
    with tempfile.TemporaryDirectory(prefix="calbulk-deploy-") as folder:
        prefect_file = prefect_file_for(pool, source, Path(folder))
        args = [sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all"]
        done = subprocess.run(
            [*args, "--prefect-file", str(prefect_file)],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
    if verbose:  # prefect deploy's own output, on stderr so --json's stdout stays one object
        sys.stderr.write(done.stdout + done.stderr)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip().splitlines()
        run.fail("prefect deploy --all failed:\n" + "\n".join(output[-20:]), ExitCode.FAILED_ROWS)
    import yaml

    config = yaml.safe_load(source.read_text(encoding="utf-8"))
    deployed = [
        f"{deployment['entrypoint'].rsplit(':', 1)[1]}/{deployment['name']}"
        for deployment in config.get("deployments", [])
    ]
    if not as_json:
        typer.echo(f"work pool {pool!r}: {'created (process)' if created else 'exists'}")
        for name in deployed:
            typer.echo(f"deployed {name} on pool {pool!r}")
        typer.echo(f"start a worker: prefect worker start --pool {pool}")
    run.finish({"server": api_url, "pool": pool, "pool_created": created,
                "deployments": deployed})  # fmt: skip
