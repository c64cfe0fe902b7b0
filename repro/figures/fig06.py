"""Figure 6: LoRA on the up projection of early, middle or late layers only, vs all layers; 14B, r = 1.

Paper §5.3: 16 of the 48 layers, one-based "5-20" (Early), "17-32" (Middle), "25-40" (Late). The
authors' mode strings are HF zero-based and inclusive (docs/choices.md#4-layer-numbering): `from4_to19`, `from16_to31`,
`from24_to39`; "All" is `lora_up_proj_only_r1` (the Fig. 5 run). All four reasoning benchmarks.
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

NUMBER = 6
MODEL = R1_QWEN_14B
# (series name with the paper's one-based label, zero-based inclusive first and last layer)
BLOCKS = (("Early (5-20)", 4, 19), ("Middle (17-32)", 16, 31), ("Late (25-40)", 24, 39))
BENCHMARKS = ("aime24", "gpqa_diamond", "humaneval", "mbpp")


def variants(profile: Profile) -> list[tuple[str, str]]:
    out = []
    for name, first, last in BLOCKS:
        lo, hi = profile.layer_range(MODEL, first, last)
        out.append((name, f"lora_up_proj_only_from{lo}_to{hi}_r1"))
    return [*out, ("All", "lora_up_proj_only_r1")]


def experiment(profile: Profile) -> Experiment:
    """The blocks in the paper's layer numbering: the experiment maps them onto a stand-in as ``variants`` does."""
    blocks = [(name, f"lora_up_proj_only_from{first}_to{last}_r1") for name, first, last in BLOCKS]
    return variants_experiment(profile, NUMBER, MODEL, [*blocks, ("All", "lora_up_proj_only_r1")], BENCHMARKS)


def recipe(profile: Profile) -> FigureRecipe:
    runs = variants(profile)
    extra = (CODE_DEVIATION,)
    if profile.model(MODEL).num_layers != MODEL.num_layers:
        mapped = ", ".join(f"{name} -> {mode.split('only_')[1].removesuffix('_r1')}" for name, mode in runs[:-1])
        extra += (f"Layer blocks mapped by relative depth onto the {profile.model(MODEL).num_layers}-layer stand-in: "
                  f"{mapped} (paper: from4_to19, from16_to31, from24_to39 of 48).",)
    return variants_recipe(profile, NUMBER, experiment(profile), BENCHMARKS, extra)


def render(rec: FigureRecipe, store: ArtifactStore, out_dir: Path) -> list[Path]:
    return frontier.render(rec, store, out_dir, ncols=len(BENCHMARKS))
