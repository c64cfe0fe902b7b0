"""Executors: how the planned steps run.

    local           every step in this process, in plan order (the default); --jobs N: N worker processes
    slurm           one Slurm job per step through submitit, with afterok dependencies,
                    per-step GPU/time requests and requeue-and-resume on preemption
    submitit-local  the same jobs through submitit's local backend (subprocesses on this machine)

    step.py         run_one: one step, atomically, only after its inputs are COMPLETE
    resources.py    what a step asks the scheduler for
    ddp.py          data-parallel training over N processes with the recipe's effective batch
    determinism.py  the determinism settings every step process runs under

Modules are imported when an executor is made, so importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from repro.pipeline.executors.local import LocalExecutor
    from repro.pipeline.executors.slurm import SlurmOptions, SubmititExecutor

EXECUTORS = ("local", "slurm", "submitit-local")


def make_executor(name: str = "local", *, console: Console | None = None, train_processes: int = 1,
                  slurm: SlurmOptions | None = None, jobs: int = 1,
                  stop_on_damage: bool = False) -> LocalExecutor | SubmititExecutor:
    """The executor called ``name``; ``slurm`` is a ``SlurmOptions`` for the submitit ones."""
    from repro.errors import ReproError

    if jobs < 1:
        raise ReproError(f"--jobs must be at least 1, got {jobs}", "use 1, or the number of CPU cores")
    if jobs > 1 and name != "local":
        raise ReproError(f"--jobs {jobs} is for the local executor", f"{name} runs every step as its own job already")
    if train_processes < 1:
        raise ReproError(f"--train-processes must be at least 1, got {train_processes}", "use 1 or 2")
    if name == "local":
        from repro.pipeline.executors.local import LocalExecutor

        return LocalExecutor(console=console, train_processes=train_processes, jobs=jobs,
                             stop_on_damage=stop_on_damage)
    if name in ("slurm", "submitit-local"):
        from repro.pipeline.executors.slurm import SubmititExecutor

        return SubmititExecutor(backend="slurm" if name == "slurm" else "local", options=slurm,
                                train_processes=train_processes, console=console, stop_on_damage=stop_on_damage)
    raise ReproError(f"unknown executor {name!r}", f"choose one of: {', '.join(EXECUTORS)}")


__all__ = ["EXECUTORS", "make_executor"]
