"""Figure 2: LoRA vs full fine-tuning, Pass@1 (y) against StrongREJECT safety (x).

Its recipe is data (an experiment, repro/figures/experiment/schema.py) made into panels by
repro/figures/experiment/build.py; this module keeps the plot.

Paper: (a) DeepSeek-R1-Distill-Qwen-7B, (b) -14B; series Base (1 point), Full (`full`, epochs
1-5) and LoRA (`lora_mlp_r1`, epochs 1-10); one panel per reasoning benchmark: AIME 2024,
GPQA-Diamond, HumanEval+ and MBPP+ (code panels on the plus tests; Fig. 9 shows the base tests of
the same generations).
"""

from __future__ import annotations

from pathlib import Path

from repro.assets.registry import R1_QWEN_7B, R1_QWEN_14B
from repro.figures import frontier
from repro.figures.experiment.build import figure_experiment, figure_recipe, model_entry
from repro.figures.experiment.schema import Evaluation, Experiment, Plot, Run, Tests
from repro.figures.recipe import FigureRecipe
from repro.pipeline.store import ArtifactStore
from repro.profiles import Profile
from repro.specs import ModelSpec

NUMBER = 2
MODELS = (R1_QWEN_7B, R1_QWEN_14B)
LORA_MODE = "lora_mlp_r1"
BENCHMARKS = ("aime24", "gpqa_diamond", "humaneval", "mbpp")
TESTS: Tests = "plus"
EXTRA_STYLES = (("tab:cyan", "s"), ("tab:orange", "D"), ("tab:green", "^"))  # a profile's extra series
# Series a profile adds beside the paper's Base / Full / LoRA (the paper: none), by profile name: (series name,
# mode, learning rate, or None for the profile's shared one). The toy's control: full fine-tuning at its own tuned
# learning rate (the toy's shared one, 3e-3, is tuned for LoRA).
TOY_TUNED_FULL_LR = 3e-4
EXTRA_SERIES: dict[str, tuple[tuple[str, str, float | None], ...]] = {
    "toy": ((f"Full, own LR {TOY_TUNED_FULL_LR:g}", "full", TOY_TUNED_FULL_LR),),
}


def base_full_lora_experiment(profile: Profile, number: int, benchmarks: tuple[str, ...], tests: Tests,
                              models: tuple[ModelSpec, ...] = MODELS, safety: str = "strongreject",
                              extra: bool = False) -> Experiment:
    """Base, Full and LoRA checkpoints of each model, one panel per (model, benchmark), safety on x; ``extra``
    adds the profile's ``EXTRA_SERIES``. ``benchmarks`` are the ones the profile has (``profile.available``)."""
    series: list[tuple[str, str, float | None, str | None, str | None]] = [
        ("Full", "full", None, None, None), ("LoRA", LORA_MODE, None, None, None)]
    if extra:
        series += [(name, mode, lr, *EXTRA_STYLES[i % len(EXTRA_STYLES)])
                   for i, (name, mode, lr) in enumerate(EXTRA_SERIES.get(profile.name, ()))]
    entries = dict(model_entry(m) for m in models)
    runs = [Run(name=name, model=key, mode=mode, learning_rate=lr, color=color, marker=marker)
            for key in entries for name, mode, lr, color, marker in series]
    return figure_experiment(profile, number, entries, runs, Evaluation(safety=safety, benchmarks=list(benchmarks)),
                             Plot(tests=tests))


CODE_DEVIATION = (
    "HumanEval(+)/MBPP(+): the authors released no coding evaluation. Ours is docs/evaluation.md#humaneval-and-mbpp: "
    "EvalPlus's instruct prompt without the response prefix, T 0.6, top_p 0.95, n = 8, code after the "
    "last </think> sanitised by EvalPlus, base and plus tests scored from the same generations in a "
    "process sandbox (repro/evaluate/SANDBOX.md)."
)


def experiment(profile: Profile) -> Experiment:
    return base_full_lora_experiment(profile, NUMBER, profile.available(BENCHMARKS), TESTS, extra=True)


def recipe(profile: Profile) -> FigureRecipe:
    code = "humaneval" in profile.available(BENCHMARKS)
    return figure_recipe(experiment(profile), NUMBER, ((CODE_DEVIATION,) if code else ()) + dropped(profile))


def dropped(profile: Profile, benchmarks: tuple[str, ...] = BENCHMARKS) -> tuple[str, ...]:
    return profile.dropped(benchmarks, profile.available(benchmarks), "benchmarks")


def render(rec: FigureRecipe, store: ArtifactStore, out_dir: Path) -> list[Path]:
    return frontier.render(rec, store, out_dir, ncols=len(BENCHMARKS))
