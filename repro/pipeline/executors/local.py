"""The default executor: every unfinished step in plan order, with a progress bar; in this process, or with
``jobs`` > 1 in that many worker processes, each step starting once the steps it reads are COMPLETE (a
CPU machine's cores at work on independent runs, each worker with its share of the torch threads)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from repro.errors import ReproError
from repro.pipeline.executors.step import pending, run_one
from repro.pipeline.integrity import DamagedInput
from repro.pipeline.steps import Step
from repro.pipeline.store import ArtifactStore

if TYPE_CHECKING:
    from rich.progress import TaskID

    from repro.pipeline.store import StepDir


class LocalExecutor:
    name = "local"

    def __init__(self, console: Console | None = None, train_processes: int = 1, jobs: int = 1,
                 stop_on_damage: bool = False):
        self.console = console or Console(stderr=True)
        self.train_processes = train_processes
        self.jobs = jobs
        self.stop_on_damage = stop_on_damage

    def run(self, steps: list[Step], store: ArtifactStore) -> dict[str, int]:
        """Run every unfinished step of ``steps`` (a topological order); counts of ran/skipped by kind."""
        from repro.pipeline.executors.determinism import apply_determinism
        from repro.pipeline.runners import Runtime

        todo, redo = pending(steps, store, self.stop_on_damage)
        for line in redo:
            self.console.print(f"[yellow]redo:[/yellow] {line}", highlight=False, soft_wrap=True)
        counts: dict = {"skipped": len(steps) - len(todo), "ran": 0}
        engines: dict[str, dict] = {}  # by backend: engines started, model directories served
        if not todo:
            return counts
        apply_determinism()
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=self.console, transient=False) as progress:
            overall = progress.add_task(f"[bold]{store.profile}: {len(todo)} steps to run", total=len(todo))
            current = progress.add_task("", total=None)

            def tick(done: int, total: int) -> None:
                progress.update(current, completed=done, total=total)

            def finished(step: Step, facts: dict | None) -> None:
                progress.advance(overall)
                if facts is None:  # another process made it meanwhile, or its inputs came out the same again
                    counts["skipped"] += 1
                    return
                counts["ran"] += 1
                counts[step.kind] = counts.get(step.kind, 0) + 1
                for backend, n in facts.get("engine_starts", {}).items():
                    engines.setdefault(backend, {"starts": 0, "models": set()})["starts"] += n
                for g in facts.get("generators", ()):
                    engines.setdefault(g["backend"], {"starts": 0, "models": set()})["models"].add(g["model_dir"])
                counts["engines"] = {b: {"starts": e["starts"], "models": len(e["models"])} for b, e in engines.items()}

            def waiting(step_dir: StepDir, holder: str, seconds: float) -> None:
                progress.update(current, description=f"  waiting {seconds:.0f} s for {holder}, who runs "
                                                     f"{step_dir.path.parent.name}/{step_dir.path.name}")

            if self.jobs > 1:
                self._run_parallel(todo, store, progress, current, finished)
                return counts
            store.on_wait = waiting
            runtime = Runtime(store, progress_cb=tick)
            try:
                for replans in range(len(steps) + 1):
                    try:
                        for step in todo:
                            progress.update(current, description=f"  {step.label}", completed=0, total=None)
                            finished(step, run_one(step, store, runtime, executor=self.name,
                                                   train_processes=self.train_processes))
                        break
                    except DamagedInput as exc:  # an input found damaged as it was loaded: make it, then go on
                        if not exc.marked or replans == len(steps):
                            raise
                        self.console.print(f"[yellow]redo:[/yellow] {exc.problem.removeprefix('step ')}", highlight=False,
                                           soft_wrap=True)
                        todo, _ = pending(steps, store)
                        counts["skipped"] = len(steps) - len(todo) - counts["ran"]
                        progress.update(overall, total=progress.tasks[overall].completed + len(todo))
            finally:
                runtime.close()
        return counts

    def _run_parallel(self, todo: list[Step], store: ArtifactStore, progress: Progress, current: TaskID,
                      finished: Callable[[Step, dict | None], None]) -> None:
        """Up to ``jobs`` steps at once in worker processes; a step is sent once its inputs are COMPLETE,
        in plan order otherwise. The first failure stops new submissions and is raised after the running
        steps end (each step is atomic: nothing half-written is left as done)."""
        import concurrent.futures as cf
        import multiprocessing as mp

        threads = max(1, (os.cpu_count() or self.jobs) // self.jobs)
        pending = list(todo)
        running: dict[cf.Future[dict | None], Step] = {}
        waiting_on, done_ids = {s.id for s in todo}, set()  # a dep outside ``todo`` was COMPLETE at the start
        ctx = mp.get_context("spawn")  # a fresh interpreter: no torch thread pools inherited by fork
        with cf.ProcessPoolExecutor(self.jobs, mp_context=ctx, initializer=_init_worker,
                                    initargs=(str(store.root), store.profile, store.lock_timeout, threads)) as pool:
            while pending or running:
                for step in [s for s in pending if all(d in done_ids or d not in waiting_on for d in s.deps)]:
                    if len(running) >= self.jobs:
                        break
                    pending.remove(step)
                    running[pool.submit(_work, step, self.train_processes)] = step
                if not running:
                    raise ReproError(f"{len(pending)} steps wait on inputs no step will make (first: "
                                     f"{pending[0].id})", "rerun; if it persists, report it as a bug")
                progress.update(current, description="  " + " | ".join(s.label for s in running.values()),
                                completed=0, total=None)
                done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    step = running.pop(future)
                    try:
                        facts = future.result()
                    except BaseException:
                        pending.clear()  # let the running steps finish, start nothing new, then raise
                        for f in running:
                            f.cancel()
                        raise
                    done_ids.add(step.id)
                    finished(step, facts)


_WORKER: dict = {}


def _init_worker(root: str, profile: str, lock_timeout: float | None, threads: int) -> None:
    import signal

    import torch

    # Ctrl-C reaches the workers too: each ends at once, as a killed step does (it resumes on the next run), and the
    # parent says what was interrupted.
    signal.signal(signal.SIGINT, lambda *_: os._exit(130))
    from repro.pipeline.executors.determinism import apply_determinism
    from repro.pipeline.runners import Runtime

    torch.set_num_threads(threads)
    apply_determinism()
    store = ArtifactStore(root, profile, lock_timeout=lock_timeout)
    _WORKER.update(store=store, runtime=Runtime(store))


def _work(step: Step, train_processes: int) -> dict | None:
    return run_one(step, _WORKER["store"], _WORKER["runtime"], executor=LocalExecutor.name,
                   train_processes=train_processes)
