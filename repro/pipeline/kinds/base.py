"""What every step kind is: its facts, read by the planner, the cost model, the schedulers and the executors, and
its behaviour, what a step of the kind adds to the plan, does and costs.

    plan      (planner, spec) -> StepId                         the step that makes ``spec``, added with its label and
                                                                the ids of the steps it reads (asked of the planner)
    run       (step, out_dir, runtime) -> facts                 the runner, writing only inside ``out_dir``
    estimate  (spec) -> Cost                                    GPU/CPU hours and disk at paper scale
    request   (step, estimate, gpu_mem_gb, processes) -> Resources   what one Slurm job asks for
    loads     (step) -> key                                     the model a step loads, so the plan keeps its users
                                                                together (``()``: none worth keeping)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from pathlib import Path

    from repro.pipeline.cost import Cost, Estimate
    from repro.pipeline.executors.resources import Resources
    from repro.pipeline.runners.runtime import Runtime
    from repro.pipeline.steps import Step, StepId

S = TypeVar("S")  # the spec a step of the kind is made from
T = TypeVar("T")  # the spec of the kind a planner is asked for
EngineKey = tuple[str | int, ...]  # orders the steps that load the same model next to each other


class Planning(Protocol):
    """What a kind's ``plan`` asks of the planner (``repro.pipeline.plan.Planner``)."""

    def add(self, step: Step) -> StepId:
        """``step``'s id, the step added to the plan unless one of that id is there already."""

    def plan(self, step_kind: StepKind[T], spec: T) -> StepId:
        """The id of the step of ``step_kind`` that makes ``spec``, planned with the steps it reads."""


class StepKind(ABC, Generic[S]):
    name: ClassVar[str]  # the kind's name in step ids, the store's layout and manifests
    stage: ClassVar[int]  # a step reads only steps of earlier stages, so ordering by stage keeps every input first
    group: ClassVar[str]  # the row of `repro plan` its cost is summed under
    output: ClassVar[str] = ""  # what later steps read, inside the step directory ("" for files named by the reader)
    resumable: ClassVar[tuple[str, ...]] = ()  # parts of an interrupted attempt the step resumes from
    seeded: ClassVar[bool] = False  # python, numpy and torch are seeded with the spec's seed before it runs
    data_parallel: ClassVar[bool] = False  # can run over several processes (--train-processes)

    @abstractmethod
    def plan(self, planner: Planning, spec: S) -> StepId:
        """Add the step that makes ``spec`` to ``planner``, after the steps it reads; return its id."""

    @abstractmethod
    def run(self, step: Step, out_dir: Path, runtime: Runtime) -> dict[str, Any]:
        """Make the step's files inside ``out_dir``; return the facts its manifest records."""

    @abstractmethod
    def estimate(self, spec: S) -> Cost:
        """The step's GPU/CPU hours and disk at the spec's scale (``repro.pipeline.cost``)."""

    @abstractmethod
    def request(self, step: Step, est: Estimate, gpu_mem_gb: int, processes: int) -> Resources:
        """What one Slurm job of the step asks for (``repro.pipeline.executors.resources``)."""

    def loads(self, step: Step) -> EngineKey:
        """The model the step loads, as a key that sorts its users together (``()``: none worth keeping)."""
        return ()

    def __repr__(self) -> str:
        return f"<step kind {self.name}>"
