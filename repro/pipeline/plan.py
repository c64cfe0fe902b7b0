"""From a figure's scorings to the unique steps that produce them, in dependency order.

    asset (tiny model build) -> train -> merge (LoRA checkpoints) -> generate -> score
                                     +-> orthomerge (OrthoMerge checkpoints) -> generate -> score
                                     +-> geometry (weight analyses of Figs. 1 and 7)

Hub models have no step: they are staged out of band and checked before anything runs. Steps
are keyed by their spec's hash, so a run that several figures need appears once.
"""

from __future__ import annotations

from typing import Protocol

from repro.pipeline.kinds import kind
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


class Planner:
    def __init__(self) -> None:
        self.steps: dict[StepId, Step] = {}

    def _add(self, step: Step) -> StepId:
        self.steps.setdefault(step.id, step)
        return step.id

    def model(self, model: ModelSpec) -> tuple[StepId, ...]:
        if model.source != "tiny":
            return ()
        return (self._add(Step("asset", model.key, model, (), f"build {model.label}")),)

    def train(self, train: TrainSpec) -> StepId:
        deps = self.model(train.model)
        return self._add(Step("train", train.key, train, deps, f"train {train.model.label} {train.mode} "
                                                              f"({train.epochs} ep, bs {train.batch_size})"))

    def checkpoint(self, ckpt: CheckpointSpec) -> tuple[StepId, ...]:
        if isinstance(ckpt, OrthoMergeCheckpointSpec):
            assert ckpt.train is not None  # OrthoMergeCheckpointSpec refuses None
            deps = (self.train(ckpt.train), *self.model(ckpt.model))
            return (self._add(Step("orthomerge", ckpt.key, ckpt, deps, f"orthomerge {ckpt.model.label} {ckpt.label}")),)
        if ckpt.train is None:
            return self.model(ckpt.model)
        train_id = self.train(ckpt.train)
        if not ckpt.train.parsed.is_lora:
            return (train_id,)
        deps = (train_id, *self.model(ckpt.model))
        return (self._add(Step("merge", ckpt.key, ckpt, deps, f"merge {ckpt.model.label} {ckpt.label}")),)

    def generation(self, gen: GenerationSpec) -> StepId:
        deps = self.checkpoint(gen.checkpoint)
        label = f"generate {gen.benchmark.name} x{gen.benchmark.decoding.n} {gen.checkpoint.model.label} {gen.checkpoint.label}"
        return self._add(Step("generate", gen.key, gen, deps, label))

    def score(self, score: ScoreSpec) -> StepId:
        deps: tuple[StepId, ...] = (self.generation(score.generation),)
        if score.judge is not None:
            deps += self.model(score.judge.model)
        g = score.generation
        return self._add(Step("score", score.key, score, deps,
                              f"score {score.scorer} {g.checkpoint.model.label} {g.checkpoint.label}"))

    def geometry(self, spec: GeometrySpec) -> StepId:
        """A weight analysis reads the training run's own checkpoint (a LoRA adapter alone) and the base."""
        ckpt = spec.checkpoint
        assert ckpt.train is not None  # GeometrySpec refuses a checkpoint without a training run
        deps = (self.train(ckpt.train), *self.model(ckpt.model))
        return self._add(Step("geometry", spec.key, spec, deps, f"{spec.analysis} {ckpt.model.label} {ckpt.label}"))


class Recipe(Protocol):
    """What the planner reads of a figure's recipe (repro.figures.recipe.FigureRecipe)."""

    analyses: tuple[GeometrySpec, ...]

    def scores(self) -> list[ScoreSpec]: ...


def plan_recipe(rec: Recipe) -> list[Step]:
    """Unique steps for a figure recipe: its weight analyses and its scorings, dependencies first."""
    return plan_recipes([rec])


def plan_recipes(recs: list[Recipe]) -> list[Step]:
    """Unique steps for several figures together: a step two figures need appears once."""
    planner = Planner()
    for rec in recs:
        for analysis in rec.analyses:
            planner.geometry(analysis)
        for s in rec.scores():
            planner.score(s)
    return reuse_order(list(planner.steps.values()))


def reuse_order(steps: list[Step]) -> list[Step]:
    """``steps`` (in dependency order) reordered so that a model, once loaded, serves every step that needs it
    before the next is loaded: by stage, then by the model a step loads, then as planned."""
    order = {s.id: i for i, s in enumerate(steps)}
    return sorted(steps, key=lambda s: (kind(s.kind).stage, kind(s.kind).loads(s), order[s.id]))
