"""One step, run atomically in its directory: the unit every executor schedules.

A step starts only when every step it reads is done and intact (checked here, whatever scheduled it), holds its
directory's lock while it runs (waiting for another process that holds it, then skipping the step if that one
finished it), resumes from the parts an interrupted attempt left (training checkpoints, finished generation
seeds), and is finished exactly when its manifest, with the record of its files and of its inputs' digests, and
its COMPLETE marker are written. A finished step found damaged or stale is made again (``invalidate``).
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from repro import faults
from repro.errors import ReproError, fs_error
from repro.pipeline.executors.determinism import seed_everything
from repro.pipeline.integrity import State, intact, step_state
from repro.pipeline.kinds import kind
from repro.pipeline.provenance import provenance
from repro.pipeline.steps import Step, StepId
from repro.pipeline.store import ArtifactStore
from repro.specs import to_jsonable

if TYPE_CHECKING:
    from repro.pipeline.runners.runtime import Runtime
    from repro.pipeline.store import StepDir

RUNNING: list[str] = []  # the steps this process is running now (what an interrupted command names)


def step_status(store: ArtifactStore, step: Step, states: dict[StepId, State] | None = None) -> str:
    """done | damaged | stale | partial | todo (``repro.pipeline.integrity``)."""
    return step_state(store, step, states=states).status


def dep_done(store: ArtifactStore, sid: StepId) -> bool:
    return intact(store.step_dir(sid.kind, sid.key).path).done


def pending(steps: list[Step], store: ArtifactStore, stop_on_damage: bool = False) -> tuple[list[Step], list[str]]:
    """The steps of ``steps`` that are not done (todo, partial, damaged, or stale because an input is not done or
    was made again), and one line for each finished step that will be made again (the steps that are stale only
    because an input is not done, one line for all). With ``stop_on_damage``, a damaged or stale step stops the
    run before anything runs."""
    states: dict[StepId, State] = {}
    todo: list[Step] = []
    redo: list[str] = []
    downstream = 0
    for s in steps:
        st = step_state(store, s, states=states)
        if st.done:
            continue
        todo.append(s)
        store.check_path(store.step_dir(s.kind, s.key))  # a file in its way: one line before anything runs
        if st.status == "stale" and st.problems[0].endswith(("is damaged", "is stale", "is partial", "is todo")):
            downstream += 1
        elif st.status in ("damaged", "stale"):
            redo.append(f"{s.id} ({s.label}) is {st.status}: {'; '.join(st.problems)}")
    if downstream:
        redo.append(f"{downstream} finished steps are stale because an input is not done; each is checked again "
                    "once its inputs are, and kept if they come out the same")
    if redo and stop_on_damage:
        raise ReproError(f"{len(redo) - bool(downstream) + downstream} finished steps are damaged or stale; the "
                         f"first: {redo[0]}",
                         f"`repro check --profile {store.profile}` lists them; rerun without --stop-on-damage to "
                         "make them again")
    return todo, redo


def unfinished_deps(store: ArtifactStore, step: Step) -> list[StepId]:
    return [d for d in step.deps if not dep_done(store, d)]


def _now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t)) + f".{int(t % 1 * 1e6):06d}" + time.strftime("%z")


def job_id() -> str | None:
    """The scheduler's id for this process's job (Slurm, or submitit's local backend)."""
    return os.environ.get("SLURM_JOB_ID") or os.environ.get("SUBMITIT_LOCAL_JOB_ID")


def run_one(step: Step, store: ArtifactStore, runtime: Runtime, executor: str = "local",
            train_processes: int = 1) -> dict | None:
    """Run ``step`` unless it is finished; return the facts its runner reported (None: it was finished already,
    by another process that held it, or since the plan was made)."""

    d = store.step_dir(step.kind, step.key)
    missing = unfinished_deps(store, step)
    if missing:
        raise ReproError(f"step {step.label} cannot start: its inputs {', '.join(map(str, missing))} are not "
                         "finished", "run the figure again: finished steps are skipped and the missing ones run first")
    RUNNING.append(f"{step.id} ({step.label})")  # left there when Ctrl-C unwinds, for the line that names it
    try:
        with store.lock(d):
            facts = _run_locked(step, d, store, runtime, executor, train_processes)
    except Exception as exc:
        RUNNING.pop()
        err = fs_error(exc, f"running {step.id}", d.path)
        if err is None:
            raise
        raise err from exc
    RUNNING.pop()
    return facts


def _run_locked(step: Step, d: StepDir, store: ArtifactStore, runtime: Runtime, executor: str,
                train_processes: int) -> dict | None:
    record = kind(step.kind)
    state = step_state(store, step)
    if state.done:  # finished, intact and fresh: by another process while we waited, or before
        return None
    redone = None
    if state.status in ("damaged", "stale"):
        redone = {"status": state.status, "problems": state.problems}
        d.invalidate(state.bad_files if state.status == "damaged" else None)
    d.reset(keep=record.resumable)
    faults.point("step.start")
    started, t0 = _now(), time.time()
    if record.seeded:
        seed_everything(step.spec.seed)
    processes = 1
    if record.data_parallel and train_processes > 1:
        from repro.pipeline.executors.ddp import data_parallel_processes, run_train_distributed

        processes = data_parallel_processes(step.spec, train_processes)
    if processes > 1:
        facts = run_train_distributed(step, d.path, store, processes)
    else:
        runtime.begin_step()
        facts = record.run(step, d.path, runtime) or {}
        facts = {**facts, **runtime.step_facts()}
    faults.point("step.written")
    inputs = {str(dep): intact(store.step_dir(dep.kind, dep.key).path).digest for dep in step.deps}
    manifest = {
        "kind": step.kind, "key": step.key, "label": step.label, "profile": store.profile,
        "spec": to_jsonable(step.spec), "inputs": [str(d) for d in step.deps], "input_digests": inputs,
        "facts": facts,
        "started_at": started, "finished_at": _now(), "wall_time_s": round(time.time() - t0, 3),
        "executor": {"name": executor, "job_id": job_id(), "host": os.uname().nodename, "pid": os.getpid(),
                     "train_processes": processes},
        **({"redone": redone} if redone else {}),
        **provenance(step.spec),
    }
    d.mark_complete(manifest)
    return facts
