"""Figure 4: LoRA on attention and MLP (QKVO&MLP) vs on the MLP alone, 14B, r = 1.

Paper §5.2: "applying LoRA only to the MLP layers yields a similar Pareto frontier compared to applying
it to both modules." Runs `lora_qkvo_mlp_r1` and `lora_mlp_r1` (epochs 1-10); the benchmarks are not
stated: AIME 2024 and GPQA-Diamond (docs/choices.md#11-fig-3-rank-grid-and-fig-4-benchmarks).
"""

from __future__ import annotations

from pathlib import Path

from repro.assets.registry import R1_QWEN_14B
from repro.figures import frontier
from repro.figures.ablation import variants_experiment, variants_recipe
from repro.figures.experiment.schema import Experiment
from repro.figures.recipe import FigureRecipe
from repro.pipeline.store import ArtifactStore
from repro.profiles import Profile

NUMBER = 4
VARIANTS = [("QKVO&MLP", "lora_qkvo_mlp_r1"), ("MLP", "lora_mlp_r1")]
BENCHMARKS = ("aime24", "gpqa_diamond")


def experiment(profile: Profile) -> Experiment:
    return variants_experiment(profile, NUMBER, R1_QWEN_14B, VARIANTS, BENCHMARKS)


def recipe(profile: Profile) -> FigureRecipe:
    return variants_recipe(profile, NUMBER, experiment(profile), BENCHMARKS, (
        "The paper does not name Fig. 4's benchmarks; AIME 2024 and GPQA-Diamond are used (docs/choices.md#11-fig-3-rank-grid-and-fig-4-benchmarks).",))


def render(rec: FigureRecipe, store: ArtifactStore, out_dir: Path) -> list[Path]:
    return frontier.render(rec, store, out_dir, ncols=len(BENCHMARKS))
