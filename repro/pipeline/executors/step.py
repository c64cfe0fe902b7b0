"""One step, run atomically in its directory: the unit every executor schedules.

A step starts only when every step it reads is COMPLETE (checked here, whatever scheduled it),
holds its directory's lock while it runs, resumes from the parts an interrupted attempt left
(training checkpoints, finished generation seeds), and is finished exactly when its manifest and
COMPLETE marker are written.
"""

from __future__ import annotations

import os
import time

from repro.errors import ReproError
from repro.pipeline.plan import Step
from repro.pipeline.provenance import provenance
from repro.pipeline.store import ArtifactStore
from repro.specs import to_jsonable

# Parts of an interrupted step that the step itself knows how to resume from.
RESUMABLE = {"train": ("checkpoint-",), "generate": ("seed-",)}


def step_status(store: ArtifactStore, step: Step) -> str:
    d = store.step_dir(step.kind, step.key)
    return "done" if d.done else ("partial" if d.started else "todo")


def dep_done(store: ArtifactStore, step_id: str) -> bool:
    kind, key = step_id.split("/", 1)
    return store.step_dir(kind, key).done


def unfinished_deps(store: ArtifactStore, step: Step) -> list[str]:
    return [d for d in step.deps if not dep_done(store, d)]


def _now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t)) + f".{int(t % 1 * 1e6):06d}" + time.strftime("%z")


def job_id() -> str | None:
    """The scheduler's id for this process's job (Slurm, or submitit's local backend)."""
    return os.environ.get("SLURM_JOB_ID") or os.environ.get("SUBMITIT_LOCAL_JOB_ID")


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch before a training run builds its model: LoRA's A matrices are
    initialised when the adapter is attached, before the Trainer seeds anything itself."""
    from transformers import set_seed

    set_seed(seed)


def run_one(step: Step, store: ArtifactStore, runtime, executor: str = "local", train_processes: int = 1) -> dict:
    """Run ``step`` unless it is finished; return the facts its runner reported."""
    from repro.pipeline.runners import RUNNERS

    d = store.step_dir(step.kind, step.key)
    missing = unfinished_deps(store, step)
    if missing:
        raise ReproError(f"step {step.label} cannot start: its inputs {', '.join(missing)} are not finished",
                         "run the figure again: finished steps are skipped and the missing ones run first")
    with store.lock(d):
        if d.done:  # another process finished it while we waited
            return {}
        d.reset(keep=RESUMABLE.get(step.kind, ()))
        started, t0 = _now(), time.time()
        if step.kind == "train":
            seed_everything(step.spec.seed)
        processes = 1
        if step.kind == "train" and train_processes > 1:
            from repro.pipeline.executors.ddp import data_parallel_processes, run_train_distributed

            processes = data_parallel_processes(step.spec, train_processes)
        if processes > 1:
            facts = run_train_distributed(step, d.path, store, processes)
        else:
            runtime.begin_step()
            facts = RUNNERS[step.kind](step, d.path, runtime) or {}
            facts = {**facts, **runtime.step_facts()}
        manifest = {
            "kind": step.kind, "key": step.key, "label": step.label, "profile": store.profile,
            "spec": to_jsonable(step.spec), "inputs": list(step.deps), "facts": facts,
            "started_at": started, "finished_at": _now(), "wall_time_s": round(time.time() - t0, 3),
            "executor": {"name": executor, "job_id": job_id(), "host": os.uname().nodename, "pid": os.getpid(),
                         "train_processes": processes},
            **provenance(step.spec),
        }
        d.mark_complete(manifest)
        return facts
