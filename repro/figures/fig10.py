"""Figure 10 (rebuttal): DeepSeek-R1-Distill-Llama-8B, AIME 2024 against StrongREJECT safety.

Base, Full (`full`, 5 epochs) and LoRA. The rebuttal states neither the LoRA configuration nor the
batch size: `lora_mlp_r1`, 10 epochs, batch 2, as the Qwen runs (docs/choices.md#17-rebuttal-figures-10-12). The DeepSeek
formatting path of the authors' train.py covers this model (its name starts with deepseek-ai/).
"""

from __future__ import annotations

from pathlib import Path

from repro.assets.registry import R1_LLAMA_8B
from repro.figures import frontier
from repro.figures.experiment.build import figure_recipe
from repro.figures.experiment.schema import Experiment
from repro.figures.fig02 import base_full_lora_experiment, dropped
from repro.figures.recipe import FigureRecipe
from repro.pipeline.store import ArtifactStore
from repro.profiles import Profile

NUMBER = 10
BENCHMARKS = ("aime24",)
DEVIATION = ("The rebuttal does not state Fig. 10's LoRA configuration, batch size or epochs: LoRA r = 1 on the MLP "
             "for 10 epochs, full fine-tuning for 5, batch 2 (docs/choices.md#17-rebuttal-figures-10-12).")


def experiment(profile: Profile) -> Experiment:
    return base_full_lora_experiment(profile, NUMBER, profile.available(BENCHMARKS), "plus", models=(R1_LLAMA_8B,))


def recipe(profile: Profile) -> FigureRecipe:
    return figure_recipe(experiment(profile), NUMBER, (DEVIATION,) + dropped(profile, BENCHMARKS))


def render(rec: FigureRecipe, store: ArtifactStore, out_dir: Path) -> list[Path]:
    return frontier.render(rec, store, out_dir, ncols=1)
