"""The default executor: every unfinished step in this process, in plan order, with a progress bar."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from repro.pipeline.executors.step import run_one
from repro.pipeline.plan import Step
from repro.pipeline.store import ArtifactStore


class LocalExecutor:
    name = "local"

    def __init__(self, console: Console | None = None, train_processes: int = 1,
                 on_step: Callable[[Step, dict], None] | None = None):
        self.console = console or Console(stderr=True)
        self.train_processes = train_processes
        self.on_step = on_step

    def run(self, steps: list[Step], store: ArtifactStore) -> dict[str, int]:
        """Run every unfinished step of ``steps`` (a topological order); counts of ran/skipped by kind."""
        from repro.pipeline.executors.determinism import apply_determinism
        from repro.pipeline.runners import Runtime

        todo = [s for s in steps if not store.step_dir(s.kind, s.key).done]
        counts = {"skipped": len(steps) - len(todo), "ran": 0}
        if not todo:
            return counts
        apply_determinism()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=self.console, transient=False) as progress:
            overall = progress.add_task(f"[bold]{store.profile}: {len(todo)} steps to run", total=len(todo))
            current = progress.add_task("", total=None)

            def tick(done: int, total: int) -> None:
                progress.update(current, completed=done, total=total)

            runtime = Runtime(store, progress_cb=tick)
            try:
                for step in todo:
                    progress.update(current, description=f"  {step.label}", completed=0, total=None)
                    facts = run_one(step, store, runtime, executor=self.name, train_processes=self.train_processes)
                    counts["ran"] += 1
                    counts[step.kind] = counts.get(step.kind, 0) + 1
                    progress.advance(overall)
                    if self.on_step:
                        self.on_step(step, facts)
            finally:
                runtime.close()
        return counts
