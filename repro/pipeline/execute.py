"""Run the planned steps that are not finished, each atomically in its directory.

The work is done by an executor (``repro.pipeline.executors``): in this process by default, or as
one Slurm job per step. This module keeps the entry points the CLI and figures use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console

from repro.pipeline.executors import make_executor
from repro.pipeline.executors.step import step_status
from repro.pipeline.steps import Step
from repro.pipeline.store import ArtifactStore

if TYPE_CHECKING:
    from repro.pipeline.executors.local import LocalExecutor
    from repro.pipeline.executors.slurm import SubmititExecutor


def execute(steps: list[Step], store: ArtifactStore, console: Console | None = None,
            executor: LocalExecutor | SubmititExecutor | None = None) -> dict[str, Any]:
    """Run every unfinished step of ``steps``; return counts of ran/skipped steps by kind.
    ``executor`` defaults to the in-process one (``make_executor("local")``)."""
    executor = executor or make_executor("local", console=console)
    return executor.run(steps, store)


__all__ = ["execute", "step_status"]
