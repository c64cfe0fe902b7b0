"""What planned steps cost and ask for: a step's estimate by its kind (measured where it has run), every figure's
plan alone and all of them together, and what one step's Slurm job requests.

The numbers are the cost model's (``repro.pipeline.cost``) and the requests' (``repro.pipeline.executors.resources``);
this module asks each step's kind (``repro.pipeline.kinds``) for them."""

from __future__ import annotations

from typing import Any, cast

from repro.pipeline.cost import Cost, Estimate, measured, totals
from repro.pipeline.executors.resources import Resources
from repro.pipeline.kinds import kind
from repro.pipeline.steps import Step, StepId
from repro.pipeline.store import ArtifactStore
from repro.specs import TrainSpec


def estimate(step: Step, store: ArtifactStore | None = None) -> Estimate:
    """The cost of one step; with ``store``, a finished step's CPU time and disk are measured."""
    k = kind(step.kind)
    c: Cost = k.estimate(step.spec)
    cpu_h, basis, disk, known = c.cpu_hours, c.basis, c.disk_bytes, []
    wall, size = measured(step, store)
    if wall is not None and c.gpu_hours == 0.0:
        cpu_h, basis = wall, f"CPU (measured): {wall * 3600:.1f} s wall time"
        known.append("cpu_hours")
    if size is not None:
        disk = size
        known.append("disk_bytes")
    return Estimate(step.id, step.kind, k.group, step.label, c.gpu_hours, cpu_h, int(disk), c.gpu, basis,
                    tuple(known))


def union_cost(figure_steps: dict[int, list[Step]], store: ArtifactStore | None = None,
               states: dict[StepId, str] | None = None) -> dict[str, Any]:
    """Every figure alone, and all of them together with each unique step once (steps are keyed by
    spec hash, so the union is a dict merge); the saving from sharing; the most-shared training runs."""
    union: dict[StepId, Step] = {}
    users: dict[StepId, list[int]] = {}
    for number, steps in figure_steps.items():
        for s in steps:
            union.setdefault(s.id, s)
            users.setdefault(s.id, []).append(number)
    est = {sid: estimate(s, store) for sid, s in union.items()}
    figures = []
    for number, steps in figure_steps.items():
        t = totals([est[s.id] for s in steps])
        figures.append({"figure": number, "steps": t["steps"], "gpu_hours": t["gpu_hours"],
                        "cpu_hours": t["cpu_hours"], "disk_bytes": t["disk_bytes"]})
    total = totals(list(est.values()), states)
    summed = sum(f["gpu_hours"] for f in figures)
    trained = sorted((sid for sid in union if sid.kind == "train"),
                     key=lambda sid: (-len(users[sid]), -est[sid].gpu_hours, union[sid].label))
    shared = [{"run": union[sid].label, "key": sid.key, "figures": users[sid], "gpu_hours": est[sid].gpu_hours}
              for sid in trained]
    return {"figures": figures, "union": total, "sum_of_figures_gpu_hours": summed,
            "sum_of_figures_cpu_hours": sum(f["cpu_hours"] for f in figures),
            "saving_gpu_hours": summed - total["gpu_hours"],
            "saving_pct": 100 * (summed - total["gpu_hours"]) / summed if summed else 0.0,
            "training_runs_by_sharing": shared}


def step_resources(step: Step, gpu_mem_gb: int = 80, train_processes: int = 1) -> Resources:
    """The request for ``step`` on GPUs of ``gpu_mem_gb`` each (80: H100; 141: H200), training with up to
    ``train_processes`` data-parallel processes where the run's batch allows it."""
    k = kind(step.kind)
    processes = 1
    if k.data_parallel and train_processes > 1:
        from repro.pipeline.executors.ddp import data_parallel_processes

        processes = data_parallel_processes(cast(TrainSpec, step.spec), train_processes)
    return k.request(step, estimate(step), gpu_mem_gb, processes)
