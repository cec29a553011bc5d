"""The reporter the Prefect flows pass to their pipelines: run logger and server artifacts.

Progress bars only on a terminal (a worker has none); ``info`` goes to the flow run's
logger; ``artifact`` publishes a markdown artifact on the Prefect server the run belongs to.
"""

from __future__ import annotations

from prefect import get_run_logger
from prefect.artifacts import acreate_markdown_artifact

from flows.reporter import Reporter


class PrefectReporter(Reporter):
    progress_enabled = None

    def __init__(self) -> None:
        self._logger = get_run_logger()

    def info(self, message: str) -> None:
        self._logger.info("%s", message)

    async def artifact(self, key: str, markdown: str) -> None:
        await acreate_markdown_artifact(markdown=markdown, key=key)


__all__ = ["PrefectReporter"]
