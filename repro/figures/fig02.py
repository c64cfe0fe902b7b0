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
from repro.figures.recipe import FigureRecipe
from repro.pipeline.store import ArtifactStore
from repro.profiles import Profile
from repro.specs import ModelSpec

NUMBER = 2
MODELS = (R1_QWEN_7B, R1_QWEN_14B)
LORA_MODE = "lora_mlp_r1"
BENCHMARKS = ("aime24", "gpqa_diamond", "humaneval", "mbpp")
TESTS = "plus"
SERIES_STYLE = {"Base": ("black", "*"), "Full": ("tab:blue", "o"), "LoRA": ("tab:red", "o")}
EXTRA_STYLES = (("tab:cyan", "s"), ("tab:orange", "D"), ("tab:green", "^"))  # a profile's extra series
# Series a profile adds beside the paper's Base / Full / LoRA (the paper: none), by profile name: (series name,
# mode, learning rate, or None for the profile's shared one). The toy's control: full fine-tuning at its own tuned
# learning rate (the toy's shared one, 3e-3, is tuned for LoRA).
TOY_TUNED_FULL_LR = 3e-4
EXTRA_SERIES: dict[str, tuple[tuple[str, str, float | None], ...]] = {
    "toy": ((f"Full, own LR {TOY_TUNED_FULL_LR:g}", "full", TOY_TUNED_FULL_LR),),
}


def panel_model_label(stand_in: ModelSpec, paper_model: ModelSpec, shared: bool) -> str:
    """The model a panel shows: the paper's name under the paper's models; under a stand-in, the stand-in's own
    name, with the paper model it plays where that name does not say it (``toy-instruct (as Qwen2-1.5B-Instruct)``)."""
    if stand_in == paper_model:
        return paper_model.label
    if shared or paper_model.label in stand_in.label:
        return stand_in.label
    return f"{stand_in.label} (as {paper_model.label})"


def base_full_lora_recipe(profile: Profile, number: int, benchmarks: tuple[str, ...], tests: str,
                          extra_deviations: tuple[str, ...] = (), models: tuple[ModelSpec, ...] = MODELS,
                          safety: str = "strongreject", extra: bool = False) -> FigureRecipe:
    """Base, Full and LoRA checkpoints of each model, one panel per (model, benchmark), safety on x. Each run
    is trained once per profile seed; ``extra`` adds the profile's ``EXTRA_SERIES``. Paper models one
    stand-in plays are drawn once."""
    panels, trains, seen = [], [], set()
    kept = profile.available(benchmarks)
    shared = len({profile.model(m) for m in models}) < len(models)
    for paper_model in models:
        if profile.model(paper_model) in seen:
            continue
        seen.add(profile.model(paper_model))
        runs = [("Full", profile.runs(paper_model, "full")), ("LoRA", profile.runs(paper_model, LORA_MODE))]
        if extra:
            runs += [(name, profile.runs(paper_model, mode, learning_rate=lr))
                     for name, mode, lr in EXTRA_SERIES.get(profile.name, ())]
        trains += [run for _, seeds in runs for run in seeds]
        named = [("Base", [profile.base(paper_model)], *SERIES_STYLE["Base"])]
        named += [(name, [c for run in seeds for c in profile.checkpoints(run)],
                   *SERIES_STYLE.get(name, EXTRA_STYLES[max(0, i - 2) % len(EXTRA_STYLES)]))
                  for i, (name, seeds) in enumerate(runs)]
        label = panel_model_label(profile.model(paper_model), paper_model, shared)
        for bench in kept:
            series = frontier.checkpoint_series(profile, named, bench, safety=safety, tests=tests)
            panels.append(frontier.panel(f"{label}: {frontier.bench_label(bench, tests)}", series,
                                         bench, safety=safety, tests=tests))
    info = CATALOG[number]
    dropped = profile.dropped(benchmarks, kept, "benchmarks")
    if shared:
        dropped += (f"{profile.name} profile: one stand-in plays {', '.join(m.label for m in models)}: drawn once",)
    return FigureRecipe(number=number, title=info.title, claim=info.claim, profile=profile.variant,
                        panels=tuple(panels), trains=tuple(trains),
                        deviations=profile.deviations + extra_deviations + dropped)


CODE_DEVIATION = (
    "HumanEval(+)/MBPP(+): the authors released no coding evaluation. Ours is docs/evaluation.md#humaneval-and-mbpp: "
    "EvalPlus's instruct prompt without the response prefix, T 0.6, top_p 0.95, n = 8, code after the "
    "last </think> sanitised by EvalPlus, base and plus tests scored from the same generations in a "
    "process sandbox (repro/evaluate/SANDBOX.md)."
)


def recipe(profile: Profile) -> FigureRecipe:
    code = "humaneval" in profile.available(BENCHMARKS)
    return base_full_lora_recipe(profile, NUMBER, BENCHMARKS, TESTS, (CODE_DEVIATION,) if code else (),
                                 extra=True)


def render(rec: FigureRecipe, store: ArtifactStore, out_dir: Path) -> list[Path]:
    return frontier.render(rec, store, out_dir, ncols=len(BENCHMARKS))
