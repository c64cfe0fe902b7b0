"""Figure 2: LoRA vs full fine-tuning, Pass@1 (y) against StrongREJECT safety (x).

Paper: (a) DeepSeek-R1-Distill-Qwen-7B, (b) -14B; series Base (1 point), Full (`full`, epochs
1-5) and LoRA (`lora_mlp_r1`, epochs 1-10); one panel per reasoning benchmark: AIME 2024,
GPQA-Diamond, HumanEval+ and MBPP+ (code panels on the plus tests; Fig. 9 shows the base tests of
the same generations).
"""

from __future__ import annotations

from pathlib import Path

from repro.assets.registry import R1_QWEN_7B, R1_QWEN_14B
from repro.figures import frontier
from repro.figures.catalog import CATALOG
from repro.pipeline.store import ArtifactStore
from repro.profiles import Profile
from repro.specs import ModelSpec
from repro.specs.figure import FigureRecipe

NUMBER = 2
MODELS = (R1_QWEN_7B, R1_QWEN_14B)
LORA_MODE = "lora_mlp_r1"
BENCHMARKS = ("aime24", "gpqa_diamond", "humaneval", "mbpp")
TESTS = "plus"
SERIES_STYLE = {"Base": ("black", "*"), "Full": ("tab:blue", "o"), "LoRA": ("tab:red", "o")}


def base_full_lora_recipe(profile: Profile, number: int, benchmarks: tuple[str, ...], tests: str,
                          extra_deviations: tuple[str, ...] = (), models: tuple[ModelSpec, ...] = MODELS,
                          safety: str = "strongreject") -> FigureRecipe:
    """Base, Full and LoRA checkpoints of each model, one panel per (model, benchmark), safety on x."""
    panels, trains = [], []
    for paper_model in models:
        full = profile.train(paper_model, "full")
        lora = profile.train(paper_model, LORA_MODE)
        trains += [full, lora]
        named = [(name, ckpts, *SERIES_STYLE[name]) for name, ckpts in (
            ("Base", [profile.base(paper_model)]), ("Full", profile.checkpoints(full)),
            ("LoRA", profile.checkpoints(lora)))]
        for bench in benchmarks:
            series = frontier.checkpoint_series(profile, named, bench, safety=safety, tests=tests)
            panels.append(frontier.panel(f"{paper_model.label}: {frontier.bench_label(bench, tests)}", series,
                                         bench, safety=safety, tests=tests))
    info = CATALOG[number]
    return FigureRecipe(number=number, title=info.title, claim=info.claim, profile=profile.name,
                        panels=tuple(panels), trains=tuple(trains),
                        deviations=profile.deviations + extra_deviations)


CODE_DEVIATION = (
    "HumanEval(+)/MBPP(+): the authors released no coding evaluation. Ours follows REPRO_SPEC C: "
    "EvalPlus's instruct prompt without the response prefix, T 0.6, top_p 0.95, n = 8, code after the "
    "last </think> sanitised by EvalPlus, base and plus tests scored from the same generations in a "
    "process sandbox (repro/evaluate/SANDBOX.md)."
)


def recipe(profile: Profile) -> FigureRecipe:
    return base_full_lora_recipe(profile, NUMBER, BENCHMARKS, TESTS, (CODE_DEVIATION,))


def render(rec: FigureRecipe, store: ArtifactStore, out_dir: Path) -> list[Path]:
    return frontier.render(rec, store, out_dir, ncols=len(BENCHMARKS))
