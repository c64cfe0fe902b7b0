"""Every step kind, one class each (see :mod:`.base`), registered in :data:`KINDS`: its facts as class attributes,
its behaviour as methods: ``plan`` builds its step here (its label, and its inputs asked of the planner, through
:func:`model_steps` and :func:`checkpoint_steps` where a spec may need no step), the others call its runner
(``repro.pipeline.runners``), its estimator (``repro.pipeline.cost``) and its request
(``repro.pipeline.executors.resources``). Those are imported inside the methods, so importing this table imports
none of them (and none of the heavy libraries behind the runners). The runners and the readers of a step's output
sit below this table, so the output names are ``repro.pipeline.locate``'s and each class names its own from there.

Adding a kind of step means adding one class here (and the functions it calls), its instance and its entry in
``KINDS``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from repro.errors import ReproError
from repro.pipeline import locate
from repro.pipeline.kinds.base import EngineKey, Planning, StepKind
from repro.pipeline.steps import Step, StepId
from repro.specs import (
    CheckpointSpec,
    GenerationSpec,
    GeometrySpec,
    ModelSpec,
    OrthoMergeCheckpointSpec,
    ScoreSpec,
    TrainSpec,
)

if TYPE_CHECKING:
    from pathlib import Path

    from repro.pipeline.cost import Cost, Estimate
    from repro.pipeline.executors.resources import Resources
    from repro.pipeline.runners.runtime import Runtime


class Asset(StepKind[ModelSpec]):
    """A tiny model built from its spec (the smoke and toy profiles' stand-ins)."""

    name, stage, group, output = "asset", 0, "asset", locate.MODEL

    def plan(self, planner: Planning, spec: ModelSpec) -> StepId:
        return planner.add(Step(self.name, spec.key, spec, (), f"build {spec.label}"))

    def run(self, step: Step, out_dir: Path, runtime: Runtime) -> dict[str, Any]:
        from repro.pipeline.runners.build import run_asset

        return run_asset(step, out_dir, runtime)

    def estimate(self, spec: ModelSpec) -> Cost:
        from repro.pipeline.cost import asset_cost

        return asset_cost(spec)

    def request(self, step: Step, est: Estimate, gpu_mem_gb: int, processes: int) -> Resources:
        from repro.pipeline.executors.resources import cpu_request

        return cpu_request(step, est, gpu_mem_gb, processes)


class Train(StepKind[TrainSpec]):
    """A fine-tuning run: its checkpoints per epoch (the adapter alone for LoRA runs)."""

    name, stage, group = "train", 1, "train"
    resumable, seeded, data_parallel = ("checkpoint-",), True, True

    def plan(self, planner: Planning, spec: TrainSpec) -> StepId:
        deps = model_steps(planner, spec.model)
        return planner.add(Step(self.name, spec.key, spec, deps, f"train {spec.model.label} {spec.mode} "
                                                                 f"({spec.epochs} ep, bs {spec.batch_size})"))

    def run(self, step: Step, out_dir: Path, runtime: Runtime) -> dict[str, Any]:
        from repro.pipeline.runners.build import run_train

        return run_train(step, out_dir, runtime)

    def estimate(self, spec: TrainSpec) -> Cost:
        from repro.pipeline.cost import train_cost

        return train_cost(spec)

    def request(self, step: Step, est: Estimate, gpu_mem_gb: int, processes: int) -> Resources:
        from repro.pipeline.executors.resources import train_request

        return train_request(step, est, gpu_mem_gb, processes)


class Merge(StepKind[CheckpointSpec]):
    """A LoRA checkpoint merged into its base: a model directory generation can load."""

    name, stage, group, output = "merge", 2, "merge", locate.MODEL

    def plan(self, planner: Planning, spec: CheckpointSpec) -> StepId:
        assert spec.train is not None  # checkpoint_steps plans a merge only for a LoRA run's checkpoint
        deps = (planner.plan(TRAIN, spec.train), *model_steps(planner, spec.model))
        return planner.add(Step(self.name, spec.key, spec, deps, f"merge {spec.model.label} {spec.label}"))

    def run(self, step: Step, out_dir: Path, runtime: Runtime) -> dict[str, Any]:
        from repro.pipeline.runners.build import run_merge

        return run_merge(step, out_dir, runtime)

    def estimate(self, spec: CheckpointSpec) -> Cost:
        from repro.pipeline.cost import merge_cost

        return merge_cost(spec)

    def request(self, step: Step, est: Estimate, gpu_mem_gb: int, processes: int) -> Resources:
        from repro.pipeline.executors.resources import merge_request

        return merge_request(step, est, gpu_mem_gb, processes)


class OrthoMerge(StepKind[OrthoMergeCheckpointSpec]):
    """A LoRA checkpoint merged by OrthoMerge (Fig. 8): SVDs of the base weights, then a model directory."""

    name, stage, group, output = "orthomerge", 2, "merge", locate.MODEL

    def plan(self, planner: Planning, spec: OrthoMergeCheckpointSpec) -> StepId:
        assert spec.train is not None  # OrthoMergeCheckpointSpec refuses None
        deps = (planner.plan(TRAIN, spec.train), *model_steps(planner, spec.model))
        return planner.add(Step(self.name, spec.key, spec, deps, f"orthomerge {spec.model.label} {spec.label}"))

    def run(self, step: Step, out_dir: Path, runtime: Runtime) -> dict[str, Any]:
        from repro.pipeline.runners.geometry import run_orthomerge

        return run_orthomerge(step, out_dir, runtime)

    def estimate(self, spec: OrthoMergeCheckpointSpec) -> Cost:
        from repro.pipeline.cost import orthomerge_cost

        return orthomerge_cost(spec)

    def request(self, step: Step, est: Estimate, gpu_mem_gb: int, processes: int) -> Resources:
        from repro.pipeline.executors.resources import weights_request

        return weights_request(step, est, gpu_mem_gb, processes)


class Geometry(StepKind[GeometrySpec]):
    """A weight analysis of a training run's checkpoint against its base (Figs. 1 and 7)."""

    name, stage, group = "geometry", 2, "geometry"

    def plan(self, planner: Planning, spec: GeometrySpec) -> StepId:
        """A weight analysis reads the training run's own checkpoint (a LoRA adapter alone) and the base."""
        ckpt = spec.checkpoint
        assert ckpt.train is not None  # GeometrySpec refuses a checkpoint without a training run
        deps = (planner.plan(TRAIN, ckpt.train), *model_steps(planner, ckpt.model))
        return planner.add(Step(self.name, spec.key, spec, deps, f"{spec.analysis} {ckpt.model.label} {ckpt.label}"))

    def run(self, step: Step, out_dir: Path, runtime: Runtime) -> dict[str, Any]:
        from repro.pipeline.runners.geometry import run_geometry

        return run_geometry(step, out_dir, runtime)

    def estimate(self, spec: GeometrySpec) -> Cost:
        from repro.pipeline.cost import geometry_cost

        return geometry_cost(spec)

    def request(self, step: Step, est: Estimate, gpu_mem_gb: int, processes: int) -> Resources:
        from repro.pipeline.executors.resources import weights_request

        return weights_request(step, est, gpu_mem_gb, processes)


class Generate(StepKind[GenerationSpec]):
    """A checkpoint's completions of one benchmark, every seed (or its log-likelihoods), resumed seed by seed."""

    name, stage, group, output = "generate", 3, "generate", locate.GENERATIONS
    resumable = ("seed-",)

    def plan(self, planner: Planning, spec: GenerationSpec) -> StepId:
        deps = checkpoint_steps(planner, spec.checkpoint)
        ckpt, decoding = spec.checkpoint, spec.benchmark.decoding
        label = f"generate {spec.benchmark.name} x{decoding.n} {ckpt.model.label} {ckpt.label}"
        return planner.add(Step(self.name, spec.key, spec, deps, label))

    def run(self, step: Step, out_dir: Path, runtime: Runtime) -> dict[str, Any]:
        from repro.pipeline.runners.generate import run_generate

        return run_generate(step, out_dir, runtime)

    def estimate(self, spec: GenerationSpec) -> Cost:
        from repro.pipeline.cost import generate_cost

        return generate_cost(spec)

    def request(self, step: Step, est: Estimate, gpu_mem_gb: int, processes: int) -> Resources:
        from repro.pipeline.executors.resources import generate_request

        return generate_request(step, est, gpu_mem_gb, processes)

    def loads(self, step: Step) -> EngineKey:
        """A checkpoint's generations sort together, the largest context cap first (None: the model's whole
        context), so that one engine serves them all."""
        spec = cast(GenerationSpec, step.spec)
        cap = spec.benchmark.decoding.max_model_len
        return spec.checkpoint.key, cap is not None, -(cap or 0)


class Score(StepKind[ScoreSpec]):
    """A generation step's verdicts per sample and their summary, by rule or by a judge model."""

    name, stage, group, output = "score", 4, "judge/score", locate.SCORE

    def plan(self, planner: Planning, spec: ScoreSpec) -> StepId:
        deps: tuple[StepId, ...] = (planner.plan(GENERATE, spec.generation),)
        if spec.judge is not None:
            deps += model_steps(planner, spec.judge.model)
        ckpt = spec.generation.checkpoint
        return planner.add(Step(self.name, spec.key, spec, deps, f"score {spec.scorer} {ckpt.model.label} {ckpt.label}"))

    def run(self, step: Step, out_dir: Path, runtime: Runtime) -> dict[str, Any]:
        from repro.pipeline.runners.score import run_score

        return run_score(step, out_dir, runtime)

    def estimate(self, spec: ScoreSpec) -> Cost:
        from repro.pipeline.cost import score_cost

        return score_cost(spec)

    def request(self, step: Step, est: Estimate, gpu_mem_gb: int, processes: int) -> Resources:
        from repro.pipeline.executors.resources import score_request

        return score_request(step, est, gpu_mem_gb, processes)

    def loads(self, step: Step) -> EngineKey:
        """Scorings sort by judge model."""
        spec = cast(ScoreSpec, step.spec)
        return (spec.judge.model.key if spec.judge else "",)


def model_steps(planner: Planning, model: ModelSpec) -> tuple[StepId, ...]:
    """The step that builds ``model``: a tiny one's; a hub model has none (it is staged out of band and checked
    before anything runs)."""
    return (planner.plan(ASSET, model),) if model.source == "tiny" else ()


def checkpoint_steps(planner: Planning, ckpt: CheckpointSpec) -> tuple[StepId, ...]:
    """The step that makes ``ckpt`` a model directory: an OrthoMerge or a LoRA merge, the training run itself for
    a full fine-tune, the base's build (if any) for a checkpoint without a training run."""
    if isinstance(ckpt, OrthoMergeCheckpointSpec):
        return (planner.plan(ORTHOMERGE, ckpt),)
    if ckpt.train is None:
        return model_steps(planner, ckpt.model)
    if not ckpt.train.parsed.is_lora:
        return (planner.plan(TRAIN, ckpt.train),)
    return (planner.plan(MERGE, ckpt),)


ASSET, TRAIN, MERGE, ORTHOMERGE, GEOMETRY, GENERATE, SCORE = (Asset(), Train(), Merge(), OrthoMerge(), Geometry(),
                                                              Generate(), Score())
KINDS: dict[str, StepKind[Any]] = {k.name: k for k in (ASSET, TRAIN, MERGE, ORTHOMERGE, GEOMETRY, GENERATE, SCORE)}


def kind(name: str) -> StepKind[Any]:
    try:
        return KINDS[name]
    except KeyError:
        raise ReproError(f"unknown step kind {name!r}", f"known kinds: {', '.join(KINDS)}") from None


__all__ = ["ASSET", "GENERATE", "GEOMETRY", "KINDS", "MERGE", "ORTHOMERGE", "SCORE", "TRAIN", "Asset", "Generate",
           "Geometry", "Merge", "OrthoMerge", "Planning", "Score", "StepKind", "Train", "checkpoint_steps", "kind",
           "model_steps"]
