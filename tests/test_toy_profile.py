"""The ``toy`` profile's recipes: one stand-in for every R1 model, three training seeds, the tuned-LR
control of Fig. 2, the benchmarks it has, the shipped fixture models located by their weights' hash; and
the paper's recipes untouched by any of it."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import replace

import pytest

from repro.assets.models import fixture_model_path, fixture_model_revision
from repro.assets.registry import LLAMA_GUARD_3_8B, QWEN2_1_5B_INSTRUCT, R1_LLAMA_8B, R1_QWEN_7B, R1_QWEN_14B
from repro.errors import ReproError
from repro.figures.frontier import average_seeds, plotted
from repro.figures.registry import figure_module
from repro.profiles import SMOKE, get_profile
from repro.profiles.toy import TOY, TOY_FIGURES, TOY_INSTRUCT, TOY_POLICY, TOY_POLICY_QWEN2, TOY_SEEDS
from repro.toy import TOY_POLICY_DIR


def test_fixture_models_are_located_by_their_weights_hash():
    digest = hashlib.sha256((TOY_POLICY_DIR / "model.safetensors").read_bytes()).hexdigest()
    assert TOY_POLICY.revision == fixture_model_revision("toy/policy") == f"sha256:{digest[:16]}"
    assert fixture_model_path(TOY_POLICY) == TOY_POLICY_DIR
    with pytest.raises(ReproError, match="spec asks for"):
        fixture_model_path(replace(TOY_POLICY, revision="sha256:0000000000000000"))
    assert TOY_POLICY.local and not R1_QWEN_14B.local


def test_fig2_runs_every_method_over_three_seeds_plus_the_tuned_lr_control():
    rec = figure_module(2).recipe(TOY)
    # one stand-in plays the 7B and the 14B: drawn once; only AIME has a toy version
    assert [p.title for p in rec.panels] == ["toy-policy: AIME 2024"]
    assert [s.name for s in rec.panels[0].series] == ["Base", "Full", "LoRA", "Full, own LR 0.0003"]
    runs = {(t.mode, t.learning_rate, t.seed) for t in rec.trains}
    assert len(rec.trains) == len(runs) == 9
    assert runs == {(m, lr, s) for m, lr in (("full", 3e-3), ("lora_mlp_r1", 3e-3), ("full", 3e-4))
                    for s in TOY_SEEDS}
    full, lora = rec.panels[0].series[1:3]
    assert len(full.points) == 5 * len(TOY_SEEDS)  # every epoch of every seed
    assert sorted({p.checkpoint.epoch for p in lora.points}) == [2, 4, 6, 8, 10]
    assert any("gpqa_diamond, humaneval, mbpp are left out" in d for d in rec.deviations)
    assert any("drawn once" in d for d in rec.deviations)


def test_toy_recipes_resolve_and_other_figures_say_so_in_one_line():
    assert TOY_FIGURES == (1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12)
    for n in TOY_FIGURES:
        rec = figure_module(n).recipe(TOY)
        assert rec.profile == "toy" and (rec.panels or rec.analyses)
        assert {t.model for t in rec.trains} <= {TOY_POLICY, TOY_POLICY_QWEN2, TOY_INSTRUCT}
        if rec.panels:  # the frontier figures train every run once per seed (Figs. 1 and 7 analyse one run)
            assert len(rec.trains) % len(TOY_SEEDS) == 0
    res = subprocess.run([sys.executable, "-m", "repro", "figure", "9", "--profile", "toy"], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 2 and res.stdout == ""
    assert "figure 9 has no toy recipe" in res.stderr and "covers figures 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_each_paper_model_has_its_own_stand_in():
    """Fig. 10's Llama-8B is played by the Qwen2-shaped policy (the other family), Fig. 12's instruct model by the
    non-reasoning ChatML policy trained through the authors' Qwen path, Fig. 11 by Fig. 2's own runs."""
    assert TOY.model(R1_QWEN_14B) == TOY.model(R1_QWEN_7B) == TOY_POLICY
    assert TOY.model(R1_LLAMA_8B) == TOY_POLICY_QWEN2 and TOY.model(QWEN2_1_5B_INSTRUCT) == TOY_INSTRUCT
    assert TOY.train(QWEN2_1_5B_INSTRUCT, "full").model.family == "qwen"
    fig10, fig11, fig12 = (figure_module(n).recipe(TOY) for n in (10, 11, 12))
    assert {t.model for t in fig10.trains} == {TOY_POLICY_QWEN2}
    assert set(fig11.trains) <= set(figure_module(2).recipe(TOY).trains)  # only BeaverTails is new
    assert fig11.panels[0].x_label == "Safety (BeaverTails)"
    assert [p.y_label for p in fig12.panels] == ["BoolQ accuracy", "COPA accuracy"]
    # Each panel names the model it really shows, and the paper model that model plays.
    assert [p.title for p in fig10.panels] == ["toy-policy-qwen2 (as R1-Distill-Llama-8B): AIME 2024"]
    assert [p.title for p in fig11.panels] == ["toy-policy (as R1-Distill-Qwen-14B): AIME 2024"]
    assert [p.title for p in fig12.panels] == ["toy-instruct (as Qwen2-1.5B-Instruct): BoolQ",
                                               "toy-instruct (as Qwen2-1.5B-Instruct): COPA"]
    assert [p.title for p in figure_module(10).recipe(SMOKE).panels] == ["tiny-R1-Distill-Llama-8B: AIME 2024"]
    with pytest.raises(ReproError, match="no stand-in"):
        TOY.model(LLAMA_GUARD_3_8B)


def test_fig8_keeps_the_papers_k_and_lambdas_over_three_seeds():
    rec = figure_module(8).recipe(TOY)
    assert len(rec.trains) == 3 * len(TOY_SEEDS)
    merged = [p.checkpoint for s in rec.panels[0].series if s.name.startswith("OrthoMerge") for p in s.points]
    assert {c.orthomerge.k for c in merged} == {64}
    assert sorted({c.orthomerge.lam for c in merged}) == [1.0, 1.1, 1.15, 1.2, 1.25, 1.75]
    assert len(merged) == 2 * 6 * len(TOY_SEEDS) and {c.train.seed for c in merged} == set(TOY_SEEDS)


def test_fig6_blocks_map_to_the_six_layer_policy():
    rec = figure_module(6).recipe(TOY)
    modes = sorted({t.mode for t in rec.trains})
    assert modes == ["lora_up_proj_only_from1_to2_r1", "lora_up_proj_only_from2_to3_r1",
                     "lora_up_proj_only_from3_to4_r1", "lora_up_proj_only_r1"]


def test_paper_recipes_keep_one_run_per_setting_and_no_control():
    paper = get_profile("paper")
    rec = figure_module(2).recipe(paper)
    assert len(rec.trains) == 4 and {t.seed for t in rec.trains} == {42}
    assert [s.name for s in rec.panels[0].series] == ["Base", "Full", "LoRA"]
    assert len(rec.panels) == 8
    assert paper.runs(R1_QWEN_14B, "full") == [paper.train(R1_QWEN_14B, "full")]


def _row(series: str, checkpoint: str, seed, safety: float, y: float) -> dict:
    return {"panel": "p", "series": series, "checkpoint": checkpoint, "seed": seed, "safety": safety,
            "reasoning": y, "safety_n": 150, "reasoning_truncated": 1}


def test_seed_rows_become_one_mean_row_with_their_range():
    rows = [_row("Base", "base", "", 0.1, 0.9)] + [_row("LoRA", "e1", s, 0.5 + 0.1 * s, 0.8 - 0.1 * s)
                                                    for s in (0, 1, 2)]
    out = average_seeds(rows)
    assert [r["role"] for r in out] == ["point", "seed", "seed", "seed", "mean"]
    mean = out[-1]
    assert mean["safety"] == pytest.approx(0.6) and mean["reasoning"] == pytest.approx(0.7)
    assert (mean["safety_min"], mean["safety_max"]) == (0.5, pytest.approx(0.7))
    assert mean["n_seeds"] == 3 and mean["safety_n"] == 450 and mean["reasoning_truncated"] == 3
    assert [r["checkpoint"] for r in plotted(out)] == ["base", "e1 (mean of 3 seeds)"]
