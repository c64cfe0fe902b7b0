"""Figure 9: as Figure 2 on the coding benchmarks' base tests (HumanEval, MBPP).

The same runs, checkpoints and generations as Figure 2: only the number read from each code
score differs (``base_pass@1`` instead of ``plus_pass@1``), so rendering Figure 9 after Figure 2
runs nothing new.
"""

from __future__ import annotations

from pathlib import Path

from repro.figures import frontier
from repro.figures.experiment.build import figure_recipe
from repro.figures.experiment.schema import Experiment
from repro.figures.fig02 import CODE_DEVIATION, base_full_lora_experiment, dropped
from repro.figures.recipe import FigureRecipe
from repro.pipeline.store import ArtifactStore
from repro.profiles import Profile

NUMBER = 9
BENCHMARKS = ("humaneval", "mbpp")


def experiment(profile: Profile) -> Experiment:
    return base_full_lora_experiment(profile, NUMBER, profile.available(BENCHMARKS), "base")


def recipe(profile: Profile) -> FigureRecipe:
    return figure_recipe(experiment(profile), NUMBER, (CODE_DEVIATION,) + dropped(profile, BENCHMARKS))


def render(rec: FigureRecipe, store: ArtifactStore, out_dir: Path) -> list[Path]:
    return frontier.render(rec, store, out_dir, ncols=len(BENCHMARKS))
