"""Figure 11 (rebuttal): reasoning against BeaverTails safety.

The rebuttal names neither model, split nor reasoning benchmark. Choice (docs/choices.md#17-rebuttal-figures-10-12): the 14B
Figure 2 checkpoints (Base, Full epochs 1-5, LoRA `lora_mlp_r1` epochs 1-10), safety on
PKU-Alignment/BeaverTails-Evaluation (700 prompts, 14 categories x 50) through the same greedy
sampling and Llama-Guard-3-8B judge as StrongREJECT, against AIME 2024 and GPQA-Diamond. The
reasoning scores are Figure 2's own (same generations); only BeaverTails is new.
"""

from __future__ import annotations

from pathlib import Path

from repro.assets.registry import R1_QWEN_14B
from repro.figures import frontier
from repro.figures.experiment.build import figure_recipe
from repro.figures.experiment.schema import Experiment
from repro.figures.fig02 import base_full_lora_experiment, dropped
from repro.figures.recipe import FigureRecipe
from repro.pipeline.store import ArtifactStore
from repro.profiles import Profile

NUMBER = 11
BENCHMARKS = ("aime24", "gpqa_diamond")
DEVIATION = ("The rebuttal does not say which BeaverTails split, model or reasoning benchmark Fig. 11 uses: "
             "BeaverTails-Evaluation (700 prompts, test split) on the 14B Fig. 2 checkpoints, against AIME 2024 and "
             "GPQA-Diamond (docs/choices.md#17-rebuttal-figures-10-12). The dataset revision is not pinned (no public pin was found).")


def experiment(profile: Profile) -> Experiment:
    return base_full_lora_experiment(profile, NUMBER, profile.available(BENCHMARKS), "plus", models=(R1_QWEN_14B,), safety="beavertails")


def recipe(profile: Profile) -> FigureRecipe:
    return figure_recipe(experiment(profile), NUMBER, (DEVIATION,) + dropped(profile, BENCHMARKS))


def render(rec: FigureRecipe, store: ArtifactStore, out_dir: Path) -> list[Path]:
    return frontier.render(rec, store, out_dir, ncols=len(BENCHMARKS))
