"""The reg-col / reg-both penalties reproduce the authors' models.py (tests/golden/parity/regularizer.jsonl):
their spans bit for bit (same svd_lowrank calls in the same order, the shadowed k included), their
penalty formula (bit for bit under their arithmetic, to fp64 precision under ours), finite at B = 0,
and in training the penalty lowers the overlap it penalises."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest
import torch

from repro.assets.datasets import load_rows
from repro.assets.registry import R1_QWEN_7B
from repro.errors import ReproError
from repro.profiles import get_profile
from repro.profiles.smoke import SMOKE_DIRECT_REFUSAL
from repro.specs import parse_mode
from repro.train import regularizer as R
from repro.train import sft

GOLDEN = Path(__file__).parent / "golden/parity"
CASES = [json.loads(line) for line in (GOLDEN / "regularizer.jsonl").open()]
PENALTY_CASES = [c for c in CASES if "W0_bf16" in c["inputs"]]
FULLPATH = [c for c in CASES if c["case_id"].startswith("reg_fullpath_")]
PREFIX = "base_model.model.model.layers.0.mlp."


def _tiny_llama(w0: dict[str, list]):
    """The harness model: Llama, vocab 16, hidden 32, MLP 64, 1 layer, 4 heads, bf16, MLP weights W0."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(1234)
    cfg = LlamaConfig(vocab_size=16, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                      num_attention_heads=4, num_key_value_heads=4)
    model = LlamaForCausalLM(cfg).to(torch.bfloat16)
    with torch.no_grad():
        for name, w in w0.items():
            getattr(model.model.layers[0].mlp, name).weight.copy_(torch.tensor(w, dtype=torch.float64))
    return model


def _peft(model, r: int, targets: list[str]):
    from peft import LoraConfig, get_peft_model

    return get_peft_model(model, LoraConfig(r=r, lora_alpha=16, lora_dropout=0.05, bias="none",
                                            task_type="CAUSAL_LM", target_modules=targets))


def _case_model(case):
    inp = case["inputs"]
    pm = _peft(_tiny_llama(inp["W0_bf16"]), inp["r"], inp["lora_target_modules"])
    with torch.no_grad():
        for name, d in case["authors_output"]["per_module"].items():
            layer = pm.get_submodule(PREFIX + name)
            layer.lora_A["default"].weight.copy_(torch.tensor(d["A"]))
            layer.lora_B["default"].weight.copy_(torch.tensor(d["B"]))
    return pm


def _spans(case, k_policy="authors"):
    inp = case["inputs"]
    pm = _case_model(case)
    return pm, R.build_spans(pm, inp["orthogonal_mode"].replace("column", "col"), inp["k"], k_policy,
                             seed=inp["svd_lowrank_global_seed"])


@pytest.mark.parametrize("case", PENALTY_CASES, ids=[c["case_id"] for c in PENALTY_CASES])
def test_spans_and_effective_k_are_the_authors(case):
    _, spans = _spans(case)
    per_module = case["authors_output"]["per_module"]
    assert [s.name for s in spans] == [PREFIX + m for m in per_module]
    for span, (name, want) in zip(spans, per_module.items(), strict=True):
        assert span.k == want["effective_k"], name
        assert span.c.dtype == torch.bfloat16
        assert torch.equal(span.c, torch.tensor(want["span_c_bf16"], dtype=torch.bfloat16)), name
        if "span_r_bf16" in want:
            assert torch.equal(span.r, torch.tensor(want["span_r_bf16"], dtype=torch.bfloat16)), name
        else:
            assert span.r is None


@pytest.mark.parametrize("case", PENALTY_CASES, ids=[c["case_id"] for c in PENALTY_CASES])
def test_fp32_penalty_is_their_formula_and_finite(case):
    _, spans = _spans(case)
    out = case["authors_output"]
    with torch.no_grad():
        ours = {s.name.removeprefix(PREFIX): float(R.module_penalty(s)) for s in spans}
    for name, want in out["per_module"].items():
        assert ours[name] == pytest.approx(want["harness_fp64_penalty_from_authors_spans"], rel=2e-5, abs=1e-11)
    total = sum(ours.values())
    assert math.isfinite(total)
    # Their own totals ran under CPU autocast: equal to ours up to bf16 / fp16 rounding (or NaN at B = 0 in fp16).
    for mode in ("cpu_autocast_bf16", "cpu_autocast_fp16"):
        theirs = out["reg_loss_total"][mode]
        if math.isnan(theirs):
            assert case["case_id"].endswith("B_zero") and total == 0.0
        else:
            assert total == pytest.approx(theirs, rel=2e-2, abs=5e-8), mode


@pytest.mark.parametrize("case", PENALTY_CASES, ids=[c["case_id"] for c in PENALTY_CASES])
def test_authors_arithmetic_reproduces_their_totals_exactly(case):
    _, spans = _spans(case)
    out = case["authors_output"]["reg_loss_total"]
    for mode, dtype in (("cpu_autocast_bf16", torch.bfloat16), ("cpu_autocast_fp16", torch.float16)):
        with torch.no_grad(), torch.autocast("cpu", dtype=dtype):
            total = sum(R.module_penalty(s, "authors") for s in spans)
        if math.isnan(out[mode]):
            assert math.isnan(float(total))
        else:
            assert float(total) == out[mode], mode
    # Without autocast their bf16 spans meet an fp32 delta: their code raises there, and so does the replay.
    assert out["no_autocast"].startswith("EXCEPTION RuntimeError")
    with pytest.raises(RuntimeError, match="dtype"):
        R.module_penalty(spans[0], "authors")


def test_penalty_and_gradient_are_finite_at_b_zero_under_fp16_autocast():
    case = next(c for c in PENALTY_CASES if c["case_id"].endswith("B_zero"))
    pm, spans = _spans(case)
    b = spans[0].factors()[1]
    assert not b.any()
    with torch.autocast("cpu", dtype=torch.float16):
        total = sum(R.module_penalty(s) for s in spans)
    total.backward()
    assert total.item() == 0.0
    assert all(torch.isfinite(p.grad).all() for p in pm.parameters() if p.grad is not None)


@pytest.mark.parametrize("case", FULLPATH, ids=[c["case_id"] for c in FULLPATH])
def test_full_path_sum_from_the_global_rng_after_lora_init(case):
    """Their get_orthogonal_peft_model: seed 0, PEFT's LoRA init draws first, the SVDs then use the global RNG."""
    w0 = next(c for c in PENALTY_CASES if c["case_id"] == "reg_col_allmlp_r1_k8_seed0")["inputs"]["W0_bf16"]
    model = _tiny_llama(w0)
    torch.manual_seed(0)
    pm = _peft(model, 1, ["gate_proj", "up_proj", "down_proj"])
    spans = R.build_spans(pm, "both", 8, "authors", seed=None)
    gen = torch.Generator().manual_seed(17)
    with torch.no_grad():
        for name in ("gate_proj", "up_proj", "down_proj"):
            layer = pm.get_submodule(PREFIX + name)
            for ab in (layer.lora_A["default"], layer.lora_B["default"]):
                ab.weight.copy_(torch.randn(ab.weight.shape, generator=gen) * 0.1)
    out = case["authors_output"]
    assert {s.name.removeprefix(PREFIX): s.k for s in spans} == out["effective_k_per_module"]
    with torch.no_grad():
        total = float(R.OrthogonalPenalty(spans, "both", 2.0, 8, "authors", None)())
    assert total == pytest.approx(out["harness_fp64_sum_of_module_penalties_from_authors_spans"], rel=2e-5)
    assert total == pytest.approx(out["cpu_autocast_bf16"]["total_minus_ce_over_beta"], rel=2e-2)


def test_nominal_policy_gives_every_module_the_modes_k():
    case = next(c for c in PENALTY_CASES if c["case_id"] == "reg_col_allmlp_r1_k8_seed0")
    _, spans = _spans(case, k_policy="nominal")
    assert [s.k for s in spans] == [8, 8, 8]
    per_module = case["authors_output"]["per_module"]
    # With k=8 the down_proj penalty is of the order of the exact rank-8 one, not their k=1 value.
    with torch.no_grad():
        down = float(R.module_penalty(spans[2]))
    assert down == pytest.approx(per_module["down_proj"]["harness_exact_svd_fp64_penalty_nominal_k"], rel=0.5)
    assert down > 10 * per_module["down_proj"]["harness_fp64_penalty_from_authors_spans"]


@pytest.mark.parametrize("case", [json.loads(line) for line in (GOLDEN / "formatting.jsonl").open()
                                  if "orthogonal_norm" in line and '"exception": null' in line],
                         ids=lambda c: c["case_id"])
def test_mode_strings_parse_like_the_authors(case):
    mode = parse_mode(case["inputs"]["mode"])
    params = case["authors_output"]["params"]
    assert (mode.rank, mode.beta, mode.reg_k) == (params["r"], params["beta"], params["k"])
    assert mode.regularizer == ("both" if case["authors_output"]["category"].endswith("_both") else "col")
    assert mode.target_modules == ("gate_proj", "up_proj", "down_proj")


def test_unknown_settings_fail_with_one_line():
    case = PENALTY_CASES[0]
    pm = _case_model(case)
    for kwargs in ({"variant": "row", "k": 8}, {"variant": "col", "k": 8, "k_policy": "exact"}):
        with pytest.raises(ReproError) as exc:
            R.build_spans(pm, **kwargs)
        assert "\n" not in str(exc.value)
    with pytest.raises(ReproError, match="no orthogonality regularizer"):
        R.build_penalty(pm, parse_mode("lora_mlp_r4"), None, 0)


# --- in training, on the tiny policy --------------------------------------------------------------
SMOKE = get_profile("smoke")


def _train(tiny_policy_dir, run_dir, mode, **change):
    spec = dataclasses.replace(SMOKE.train(R1_QWEN_7B, "lora_mlp_r4"), mode=mode, epochs=2, learning_rate=1e-3,
                               **change)
    trainer, report = sft.build_trainer(spec, tiny_policy_dir, load_rows(SMOKE_DIRECT_REFUSAL), run_dir)
    trainer.train()
    return trainer, report


def test_regularized_training_lowers_the_penalised_overlap(tiny_policy_dir, tmp_path):
    reg_mode = "lora_mlp_orthogonal_norm_both_r4_beta1_k64"
    reg, report = _train(tiny_policy_dir, tmp_path / "reg", reg_mode, reg_k_policy="authors")
    vanilla, _ = _train(tiny_policy_dir, tmp_path / "vanilla", "lora_mlp_r4")

    desc = report["regularizer"]
    # 4 layers x 3 MLP projections; the authors' k: 64 for layer 0's gate_proj only, r = 4 for the others.
    assert desc["modules"] == 12 and desc["effective_k_counts"] == {"4": 11, "64": 1}
    assert desc["first_module"].endswith("layers.0.mlp.gate_proj") and desc["svd_seed"] == 42

    logged = [h["orthogonal_penalty"] for h in reg.state.log_history if "orthogonal_penalty" in h]
    assert len(logged) == reg.state.global_step and all(math.isfinite(v) for v in logged)
    assert logged[0] == 0.0  # B = 0 at the first step: 0 / (0 + 1e-8), finite

    # The same spans (same seed) evaluated on the vanilla run's adapters: the regularized run overlaps less.
    spans = reg.orthogonal_penalty.spans
    vanilla_spans = R.build_spans(vanilla.model, "both", 64, "authors", seed=42)
    for a, b in zip(spans, vanilla_spans, strict=True):
        assert torch.equal(a.c, b.c) and torch.equal(a.r, b.r)
    with torch.no_grad():
        p_reg = float(sum(R.module_penalty(s) for s in spans))
        p_vanilla = float(sum(R.module_penalty(s) for s in vanilla_spans))
    assert p_reg < 0.5 * p_vanilla, (p_reg, p_vanilla)
