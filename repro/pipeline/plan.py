"""From a figure's scorings to the unique steps that produce them, in dependency order.

    asset (tiny model build) -> train -> merge (LoRA checkpoints) -> generate -> score
                                     +-> orthomerge (OrthoMerge checkpoints) -> generate -> score
                                     +-> geometry (weight analyses of Figs. 1 and 7)

Each step kind plans its own steps (``repro.pipeline.kinds``: a step's label and the steps it reads); the
planner here holds the table they are added to, walks the recipes and orders the result. Hub models have no
step: they are staged out of band and checked before anything runs. Steps are keyed by their spec's hash, so a
run that several figures need appears once.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from repro.pipeline.kinds import GEOMETRY, SCORE, StepKind, kind
from repro.pipeline.steps import Step, StepId
from repro.specs import GeometrySpec, ScoreSpec

S = TypeVar("S")


class Planner:
    """The plan's step table: each step once, by id, in the order planned (a step's inputs before it). What steps
    a spec needs is its kind's ``plan`` (``repro.pipeline.kinds``); the planner hands itself to it."""

    def __init__(self) -> None:
        self.steps: dict[StepId, Step] = {}

    def add(self, step: Step) -> StepId:
        self.steps.setdefault(step.id, step)
        return step.id

    def plan(self, step_kind: StepKind[S], spec: S) -> StepId:
        return step_kind.plan(self, spec)


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
            planner.plan(GEOMETRY, analysis)
        for s in rec.scores():
            planner.plan(SCORE, s)
    return reuse_order(list(planner.steps.values()))


def reuse_order(steps: list[Step]) -> list[Step]:
    """``steps`` (in dependency order) reordered so that a model, once loaded, serves every step that needs it
    before the next is loaded: by stage, then by the model a step loads, then as planned."""
    order = {s.id: i for i, s in enumerate(steps)}
    return sorted(steps, key=lambda s: (kind(s.kind).stage, kind(s.kind).loads(s), order[s.id]))
