"""Every step kind, one record each: what the planner, the cost model, the schedulers and the executors need to
know of it. Adding a kind of step means adding one record here (and the functions it names).

A record names its functions as ``module:function`` and they are imported when first used, so importing this
table costs nothing and imports nothing of the pipeline (every part of it can read the table):

    run       (step, out_dir, runtime) -> facts        the runner, writing only inside ``out_dir``
    estimate  (spec) -> Cost                            GPU/CPU hours and disk at paper scale (repro.pipeline.cost)
    request   (step, cost, gpu_mem_gb, processes) -> Resources   what one Slurm job asks for (executors.resources)
    loads     (step) -> tuple                           the model a step loads, so the plan keeps its users together
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from repro.errors import ReproError


@dataclass(frozen=True)
class StepKind:
    name: str
    stage: int  # a step reads only steps of earlier stages, so ordering by stage keeps every input first
    group: str  # the row of `repro plan` its cost is summed under
    run: str
    estimate: str
    request: str
    loads: str | None = None
    output: str = ""  # what later steps read, inside the step directory ("" for files named by the reader)
    resumable: tuple[str, ...] = ()  # parts of an interrupted attempt the step resumes from
    seeded: bool = False  # python, numpy and torch are seeded with the spec's seed before it runs
    data_parallel: bool = False  # can run over several processes (--train-processes)

    def call(self, what: str, *args):
        return _resolve(getattr(self, what))(*args)


@cache
def _resolve(ref: str):
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


_R, _C, _Q = "repro.pipeline.runners", "repro.pipeline.cost", "repro.pipeline.executors.resources"
KINDS: dict[str, StepKind] = {k.name: k for k in (
    StepKind("asset", 0, "asset", f"{_R}.build:run_asset", f"{_C}:asset_cost", f"{_Q}:cpu_request",
             output="model"),
    StepKind("train", 1, "train", f"{_R}.build:run_train", f"{_C}:train_cost", f"{_Q}:train_request",
             resumable=("checkpoint-",), seeded=True, data_parallel=True),
    StepKind("merge", 2, "merge", f"{_R}.build:run_merge", f"{_C}:merge_cost", f"{_Q}:merge_request",
             output="model"),
    StepKind("orthomerge", 2, "merge", f"{_R}.geometry:run_orthomerge", f"{_C}:orthomerge_cost",
             f"{_Q}:weights_request", output="model"),
    StepKind("geometry", 2, "geometry", f"{_R}.geometry:run_geometry", f"{_C}:geometry_cost",
             f"{_Q}:weights_request"),
    StepKind("generate", 3, "generate", f"{_R}.generate:run_generate", f"{_C}:generate_cost",
             f"{_Q}:generate_request", loads="repro.pipeline.plan:generation_engine", output="generations.jsonl",
             resumable=("seed-",)),
    StepKind("score", 4, "judge/score", f"{_R}.score:run_score", f"{_C}:score_cost", f"{_Q}:score_request",
             loads="repro.pipeline.plan:judge_engine", output="score.json"),
)}


def kind(name: str) -> StepKind:
    try:
        return KINDS[name]
    except KeyError:
        raise ReproError(f"unknown step kind {name!r}", f"known kinds: {', '.join(KINDS)}") from None
