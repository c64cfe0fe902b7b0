"""Figure 12 (rebuttal): Qwen2-1.5B-Instruct, BoolQ and COPA accuracy (y) against StrongREJECT safety (x).

A non-reasoning instruct model: does LoRA keep general ability while it aligns safety? Series Base
(1 point), Full (`full`, epochs 1-5) and LoRA (`lora_mlp_r1`, epochs 1-10), as in Fig. 2 (docs/choices.md#17-rebuttal-figures-10-12: the runs' settings are not stated; batch 2). Training takes the authors' Qwen path
(chat template, split after ``<|im_start|>assistant\\n``, docs/settings.md#training); BoolQ and COPA are lm-eval's
super_glue tasks, 0-shot loglikelihood multiple choice, metric acc (docs/evaluation.md#boolq-and-copa).
"""

from __future__ import annotations

from pathlib import Path

from repro.assets.registry import QWEN2_1_5B_INSTRUCT
from repro.figures import frontier
from repro.figures.experiment.build import figure_recipe
from repro.figures.experiment.schema import Experiment
from repro.figures.fig02 import base_full_lora_experiment, dropped
from repro.figures.recipe import FigureRecipe
from repro.pipeline.store import ArtifactStore
from repro.profiles import Profile

NUMBER = 12
MODELS = (QWEN2_1_5B_INSTRUCT,)
BENCHMARKS = ("boolq", "copa")

DEVIATIONS = (
    "Runs not stated in the rebuttal; assumed as for Fig. 2 (docs/choices.md#17-rebuttal-figures-10-12): `full` 5 epochs and `lora_mlp_r1` "
    "(MLP, r = 1) 10 epochs, batch 2, one checkpoint per epoch, trained through the authors' Qwen formatting.",
    "BoolQ/COPA scored without a chat template (plain 0-shot prompts, lm-eval's default for these "
    "loglikelihood tasks); the rebuttal does not say whether the authors applied one. The choice changes "
    "absolute accuracies of an instruct model, not the comparison between checkpoints.",
    "BoolQ/COPA loglikelihoods come from lm-eval 0.4.13's hf model on the GPU, not vLLM (the paper profile's "
    "generation backend): the loglikelihood requests are short and few, and the hf model computes them "
    "directly; lm-eval 0.4.13 instead of the authors' 0.4.5 fork, with request-identical super_glue configs "
    "(tests/test_lmeval_tasks.py).",
)


def experiment(profile: Profile) -> Experiment:
    return base_full_lora_experiment(profile, NUMBER, profile.available(BENCHMARKS), "plus", models=MODELS)


def recipe(profile: Profile) -> FigureRecipe:
    return figure_recipe(experiment(profile), NUMBER, DEVIATIONS + dropped(profile, BENCHMARKS))


def render(rec: FigureRecipe, store: ArtifactStore, out_dir: Path) -> list[Path]:
    return frontier.render(rec, store, out_dir, ncols=len(BENCHMARKS))
