"""Figure 5: LoRA on the whole MLP vs on one projection only (up, gate or down), 14B, r = 1.

Paper §5.2: "applying LoRA only to the up projection achieves strong results, with the Pareto frontier
often on par with using the full MLP and even outperforming it on the two coding benchmarks"; down-only
is "noticeably worse". Runs `lora_mlp_r1` and `lora_{up,gate,down}_proj_only_r1`, epochs 1-10, on all
four reasoning benchmarks (code on the plus tests).
"""

from __future__ import annotations

from pathlib import Path

from repro.assets.registry import R1_QWEN_14B
from repro.figures import frontier
from repro.figures.ablation import variants_experiment, variants_recipe
from repro.figures.experiment.schema import Experiment
from repro.figures.fig02 import CODE_DEVIATION
from repro.figures.recipe import FigureRecipe
from repro.pipeline.store import ArtifactStore
from repro.profiles import Profile

NUMBER = 5
VARIANTS = [("MLP", "lora_mlp_r1"), ("up_proj", "lora_up_proj_only_r1"), ("gate_proj", "lora_gate_proj_only_r1"),
            ("down_proj", "lora_down_proj_only_r1")]
BENCHMARKS = ("aime24", "gpqa_diamond", "humaneval", "mbpp")


def experiment(profile: Profile) -> Experiment:
    return variants_experiment(profile, NUMBER, R1_QWEN_14B, VARIANTS, BENCHMARKS)


def recipe(profile: Profile) -> FigureRecipe:
    code = "humaneval" in profile.available(BENCHMARKS)
    return variants_recipe(profile, NUMBER, experiment(profile), BENCHMARKS, (CODE_DEVIATION,) if code else ())


def render(rec: FigureRecipe, store: ArtifactStore, out_dir: Path) -> list[Path]:
    return frontier.render(rec, store, out_dir, ncols=len(BENCHMARKS))
