"""Steps as scheduler jobs through submitit: one job per step, dependencies between them, requeue
on preemption.

backend ``slurm``: every unfinished step is submitted at once, each with
``--dependency=afterok:<the jobs of its unfinished inputs>`` and ``--kill-on-invalid-dep=yes``,
and with the GPUs, CPUs, memory and time that ``step_resources`` estimates for it. A job that is
preempted or reaches its time limit gets SIGUSR2 ``signal_delay_s`` before the end; submitit then
requeues the same job (same id, so its dependents keep waiting on it) and the step resumes from
what it wrote (training from its last whole checkpoint, generation seed by seed). ``jobs.json``
in the executor folder maps step ids to job ids, so a rerun while jobs are still queued attaches
to them instead of submitting twice; a job of the index that ended without finishing its step (cancelled,
failed, timed out for good) is named on the rerun and submitted again. With ``wait`` the command follows the
jobs to the end, printing one line per job state change; without it, it returns after submitting (rerun the same
command later to render).

Job states come from ``squeue`` (the controller's own view, which includes jobs that ended less than
``MinJobAge`` ago), not from ``sacct``: a cluster without an accounting database (slurmdbd) answers it just the
same, and no poll prints a warning. A job squeue no longer lists is no longer live.

backend ``local``: submitit's local backend (subprocess jobs, the same pickled step jobs, the
same requeue on SIGUSR2), for tests and single machines. It has no scheduler to hold a job for its
dependencies, so the driver submits a step only once all of its inputs are COMPLETE.

Either way a step never starts before its inputs are COMPLETE: ``run_one`` checks it again in the job.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import submitit
from rich.console import Console
from submitit.core.utils import JobPaths

from repro.errors import ReproError
from repro.pipeline.estimates import step_resources
from repro.pipeline.executors.resources import Resources
from repro.pipeline.executors.step import dep_done, pending, run_one
from repro.pipeline.steps import Step, StepId
from repro.pipeline.store import ArtifactStore, atomic_write_json

# Slurm states in which a job may still finish its step (sacct/squeue names).
LIVE_STATES = {"PENDING", "RUNNING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "CONFIGURING", "COMPLETING",
               "SUSPENDED", "RESIZING", "SIGNALING", "STAGE_OUT", "UNKNOWN"}


@dataclass(frozen=True)
class SlurmOptions:
    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    constraint: str | None = None
    gpu_mem_gb: int = 80  # memory of one GPU of the partition (H100 80, H200 141): sizes the GPU requests
    max_time_min: int = 48 * 60  # cap on any one request (a longer step is requeued and resumes)
    signal_delay_s: int = 180  # SIGUSR2 this long before the time limit: time to leave a clean state
    setup: tuple[str, ...] = ()  # shell lines before each job (module load, activate, container wrapper)
    wait: bool = True
    max_parallel: int = 1  # local backend only: jobs at once
    poll_s: float = 5.0


def slurm_states(job_ids: list[str]) -> dict[str, str]:
    """Each job's state as squeue reports it (PENDING, RUNNING, COMPLETED, CANCELLED, ...); a job the controller
    no longer knows is left out."""
    if not job_ids:
        return {}
    cmd = ["squeue", "--noheader", "--states=all", "--jobs=" + ",".join(job_ids), "--format=%i|%T"]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise ReproError("squeue did not answer within 60 s", "check the Slurm controller (sinfo), then rerun; "
                         "queued jobs keep running and the rerun attaches to them") from None
    if r.returncode and "Invalid job id" in r.stderr:
        return {}  # none of them is known any more
    if r.returncode:
        raise ReproError(f"squeue failed: {r.stderr.strip() or r.stdout.strip()}",
                         "check the Slurm controller (sinfo), then rerun; queued jobs keep running")
    states = {}
    for line in r.stdout.splitlines():
        jid, _, state = line.strip().partition("|")
        if jid in job_ids:
            states[jid] = state.split()[0] if state else "UNKNOWN"
    return states


class StepJob(submitit.helpers.Checkpointable):
    """One step as a picklable job. On preemption or timeout submitit calls ``checkpoint``, which
    resubmits this same job; the rerun resumes from the step's partial outputs."""

    def __init__(self, root: str, profile: str, step: Step, executor: str, train_processes: int = 1):
        self.root, self.profile, self.step = root, profile, step
        self.executor, self.train_processes = executor, train_processes

    def __call__(self) -> dict | None:
        from repro.pipeline.executors.determinism import apply_determinism
        from repro.pipeline.runners import Runtime

        apply_determinism()
        store = ArtifactStore(Path(self.root), self.profile)
        runtime = Runtime(store)
        try:
            return run_one(self.step, store, runtime, executor=self.executor, train_processes=self.train_processes)
        finally:
            runtime.close()


def read_job_index(index_file: Path) -> dict[StepId, str]:
    """The job index of the executor folder (``jobs.json``: step id -> Slurm job id), empty before the first
    submission."""
    if not index_file.is_file():
        return {}
    return {StepId.parse(sid): jid for sid, jid in json.loads(index_file.read_text()).items()}


def slurm_parameters(step: Step, res: Resources, opts: SlurmOptions, after: list[str]) -> dict:
    """``submitit.SlurmExecutor.update_parameters`` arguments for one step's job."""
    params: dict = {
        "job_name": f"repro-{step.kind}-{step.key}"[:120], "time": min(res.time_min, opts.max_time_min),
        "nodes": 1, "ntasks_per_node": 1, "cpus_per_task": res.cpus, "mem": f"{res.mem_gb}GB",
        "signal_delay_s": opts.signal_delay_s,
    }
    if res.gpus:
        params["gpus_per_node"] = res.gpus
    for name in ("partition", "account", "qos", "constraint"):
        if getattr(opts, name):
            params[name] = getattr(opts, name)
    if opts.setup:
        params["setup"] = list(opts.setup)
    if after:
        params["dependency"] = "afterok:" + ":".join(after)
        params["additional_parameters"] = {"kill-on-invalid-dep": "yes"}
    return params


class SubmititExecutor:
    def __init__(self, backend: str = "slurm", options: SlurmOptions | None = None, train_processes: int = 1,
                 console: Console | None = None, folder: Path | None = None, stop_on_damage: bool = False):
        if backend not in ("slurm", "local"):
            raise ReproError(f"unknown submitit backend {backend!r}", "use slurm or local")
        self.backend = backend
        self.name = "slurm" if backend == "slurm" else "submitit-local"
        self.options = options or SlurmOptions()
        self.train_processes = train_processes
        self.console = console or Console(stderr=True)
        self.folder = folder
        self.stop_on_damage = stop_on_damage

    # --- shared ------------------------------------------------------------------------------
    def _folder(self, store: ArtifactStore) -> Path:
        return Path(self.folder) if self.folder else store.base / ".submitit"

    def _job(self, store: ArtifactStore, step: Step) -> StepJob:
        return StepJob(str(store.root), store.profile, step, self.name, self.train_processes)

    def _resources(self, step: Step) -> Resources:
        return step_resources(step, self.options.gpu_mem_gb, self.train_processes)

    def run(self, steps: list[Step], store: ArtifactStore) -> dict[str, int]:
        todo, redo = pending(steps, store, self.stop_on_damage)
        for line in redo:
            self.console.print(f"[yellow]redo:[/yellow] {line}", highlight=False, soft_wrap=True)
        counts = {"skipped": len(steps) - len(todo), "ran": 0, "submitted": 0}
        planned = {s.id for s in todo}
        for s in todo:
            orphans = [d for d in s.deps if d not in planned and not dep_done(store, d)]
            if orphans:
                raise ReproError(f"step {s.label} needs {', '.join(map(str, orphans))}, which is neither planned "
                                 "nor finished", "plan the figure as a whole (repro figure N) rather than a subset of its steps")
        if not todo:
            return counts
        run = self._run_slurm if self.backend == "slurm" else self._run_local
        return run(todo, store, counts)

    def _count(self, counts: dict, step: Step) -> None:
        counts["ran"] += 1
        counts[step.kind] = counts.get(step.kind, 0) + 1

    # --- local backend: the driver holds each step until its inputs are COMPLETE -------------------
    def _run_local(self, todo: list[Step], store: ArtifactStore, counts: dict) -> dict:
        folder = self._folder(store)
        pending = list(todo)
        running: dict[StepId, tuple[Step, submitit.Job[dict | None]]] = {}
        while pending or running:
            for step in list(pending):
                if len(running) >= max(1, self.options.max_parallel):
                    break
                if all(dep_done(store, d) for d in step.deps):
                    ex = submitit.LocalExecutor(folder=folder / "%j", max_num_timeout=3)
                    res = self._resources(step)
                    ex.update_parameters(timeout_min=res.time_min, gpus_per_node=res.gpus,
                                         signal_delay_s=self.options.signal_delay_s, setup=list(self.options.setup))
                    running[step.id] = (step, ex.submit(self._job(store, step)))
                    counts["submitted"] += 1
                    pending.remove(step)
            for sid, (step, job) in list(running.items()):
                if job.done():
                    del running[sid]
                    try:
                        self._finish_local(step, job, store)
                    except ReproError:
                        for _, other in running.values():  # stop the rest; a rerun resumes them
                            other.cancel(check=False)
                        raise
                    self._count(counts, step)
            if pending and not running and not any(all(dep_done(store, d) for d in s.deps) for s in pending):
                raise ReproError(f"{len(pending)} steps wait for inputs that no job will produce",
                                 "rerun the figure; report this as a bug if it persists")
            time.sleep(min(self.options.poll_s, 0.5))
        return counts

    def _finish_local(self, step: Step, job: submitit.Job[dict | None], store: ArtifactStore) -> None:
        try:
            job.result()
        except Exception as exc:  # submitit raises FailedJobError/UncompletedJobError with the job's traceback
            last = [line for line in str(exc).strip().splitlines() if line.strip()][-1:] or ["(no message)"]
            raise ReproError(f"step {step.label} failed in job {job.job_id}: {last[0].strip()}",
                             f"see {job.paths.stderr}; rerun to resume (finished steps are kept)") from None
        if not dep_done(store, step.id):
            raise ReproError(f"job {job.job_id} ended without finishing step {step.label}",
                             f"see {job.paths.stderr}; rerun to resume")
        self.console.print(f"done: {step.label} (job {job.job_id})", highlight=False)

    # --- slurm backend: submit everything, let the scheduler hold jobs for their inputs -------------
    def _run_slurm(self, todo: list[Step], store: ArtifactStore, counts: dict) -> dict:
        if shutil.which("sbatch") is None or shutil.which("squeue") is None:
            raise ReproError("the slurm executor needs Slurm's sbatch and squeue, which are not on PATH",
                             "run on a Slurm login node, or use --executor local")
        folder = self._folder(store)
        index_file = folder / "jobs.json"
        index = read_job_index(index_file)
        known = slurm_states([index[s.id] for s in todo if s.id in index])
        jobs: dict[StepId, str] = {}
        for step in todo:
            old = index.get(step.id)
            if old and known.get(old) in LIVE_STATES:
                jobs[step.id] = old  # still queued or running from an earlier submission: attach
                continue
            if old:
                ended = f"ended {known[old]}" if old in known else "is no longer known to Slurm"
                self.console.print(f"[yellow]resubmit:[/yellow] {step.label}: its job {old} {ended} without "
                                   "finishing it", highlight=False, soft_wrap=True)
            after = [jobs[d] for d in step.deps if d in jobs]
            ex = submitit.SlurmExecutor(folder=folder / "%j", max_num_timeout=3)
            ex.update_parameters(**slurm_parameters(step, self._resources(step), self.options, after))
            job = ex.submit(self._job(store, step))
            jobs[step.id] = index[step.id] = job.job_id
            atomic_write_json(index_file, {str(sid): jid for sid, jid in index.items()})
            counts["submitted"] += 1
        self.console.print(f"{counts['submitted']} Slurm jobs submitted, {len(todo) - counts['submitted']} "
                           f"already queued; job index {index_file}", highlight=False)
        if not self.options.wait:
            return counts
        self._follow(todo, jobs, store, folder, counts)
        return counts

    def _follow(self, todo: list[Step], jobs: dict[StepId, str], store: ArtifactStore, folder: Path,
                counts: dict) -> None:
        """Poll squeue until every step is COMPLETE: one line per job state change, an error for a job that
        ended without finishing its step."""
        remaining = {s.id: s for s in todo}
        ended: set[StepId] = set()
        seen: dict[StepId, str] = {}
        while remaining:
            states = slurm_states([jobs[sid] for sid in remaining])
            for sid, step in list(remaining.items()):
                jid = jobs[sid]
                state = states.get(jid, "GONE")
                if seen.get(sid) != state:
                    seen[sid] = state
                    self.console.print(f"job {jid} {state.lower()}: {step.label}", highlight=False, soft_wrap=True)
                if dep_done(store, sid):
                    del remaining[sid]
                    self._count(counts, step)
                    self.console.print(f"done: {step.label} (job {jid})", highlight=False)
                    continue
                if state not in LIVE_STATES and (state != "COMPLETED" or sid in ended):
                    why = f"as {state}" if state != "GONE" else "and left the queue"
                    raise ReproError(f"step {step.label} ended in Slurm job {jid} {why} without finishing",
                                     f"see {JobPaths(folder / '%j', job_id=jid, task_id=0).stderr}; "
                                     "rerun to resubmit it and what depends on it")
                if state == "COMPLETED":
                    ended.add(sid)  # give a shared filesystem one poll to show the COMPLETE marker
            if remaining:
                time.sleep(self.options.poll_s)
