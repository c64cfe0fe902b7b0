"""Training on the tiny policy: exact LoRA targets, the completion-only label mask, and the
settings the trainer really uses (steps, checkpoints, LR schedule, what is trained)."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

from repro.assets.datasets import load_rows
from repro.assets.registry import R1_QWEN_7B
from repro.assets.tokenizers import load_tokenizer
from repro.errors import ReproError
from repro.profiles import get_profile
from repro.profiles.smoke import SMOKE_DIRECT_REFUSAL
from repro.train import sft
from repro.train.checkpoints import epoch_checkpoints

SMOKE = get_profile("smoke")
N_LAYERS = 4  # the smoke stand-in for R1-Distill-Qwen-7B
BOS, EOS = "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"
THINK = "<think>I should not answer this question!</think>"
MLP = ("mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")
ATTN = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj")


def _names(layers, modules) -> set[str]:
    return {f"model.layers.{i}.{m}" for i in layers for m in modules}


ALL = range(N_LAYERS)
EXPECTED_LORA = {
    "lora_mlp_r1": _names(ALL, MLP),
    "lora_qkvo_mlp_r2": _names(ALL, ATTN + MLP),
    "lora_up_proj_only_r1": {"model.layers.0.mlp.up_proj", "model.layers.1.mlp.up_proj",
                             "model.layers.2.mlp.up_proj", "model.layers.3.mlp.up_proj"},
    "lora_gate_proj_only_r1": {"model.layers.0.mlp.gate_proj", "model.layers.1.mlp.gate_proj",
                               "model.layers.2.mlp.gate_proj", "model.layers.3.mlp.gate_proj"},
    "lora_down_proj_only_r1": {"model.layers.0.mlp.down_proj", "model.layers.1.mlp.down_proj",
                               "model.layers.2.mlp.down_proj", "model.layers.3.mlp.down_proj"},
    "lora_up_proj_only_from1_to2_r1": {"model.layers.1.mlp.up_proj", "model.layers.2.mlp.up_proj"},
    "lora_up_proj_only_from3_to3_r1": {"model.layers.3.mlp.up_proj"},  # the last layer is in range
}


def _rows() -> list[dict]:
    rows = load_rows(SMOKE_DIRECT_REFUSAL)
    assert len(rows) == 8
    return rows


def _load(model_dir):
    return AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)


def test_tiny_policy_depth(tiny_policy_spec, tiny_policy_dir):
    assert tiny_policy_spec.num_layers == N_LAYERS
    assert _load(tiny_policy_dir).config.num_hidden_layers == N_LAYERS


@pytest.mark.parametrize("mode", sorted(EXPECTED_LORA))
def test_apply_lora_adapts_exactly_the_mode_modules(tiny_policy_dir, mode):
    spec = SMOKE.train(R1_QWEN_7B, mode)
    peft_model = sft.apply_lora(_load(tiny_policy_dir), spec)
    expected = EXPECTED_LORA[mode]
    assert sft.adapted_modules(peft_model) == expected
    rank = spec.parsed.rank
    trainable = {n for n, p in peft_model.named_parameters() if p.requires_grad}
    assert trainable == {f"base_model.model.{m}.lora_{ab}.default.weight" for m in expected for ab in "AB"}
    for name in expected:
        module = peft_model.get_submodule(f"base_model.model.{name}")
        assert module.lora_A["default"].weight.shape[0] == rank
        assert module.scaling["default"] == pytest.approx(16 / rank)  # alpha 16, no rsLoRA
        assert module.lora_dropout["default"].p == pytest.approx(0.05)
        assert not module.lora_B["default"].weight.any()  # PEFT default init: B = 0


def test_full_fine_tuning_trains_every_weight_without_lora(tiny_policy_dir, tmp_path):
    spec = SMOKE.train(R1_QWEN_7B, "full")
    trainer, _ = sft.build_trainer(spec, tiny_policy_dir, _rows(), tmp_path / "run")
    assert not sft.adapted_modules(trainer.model)
    assert not any("lora_" in n for n, _ in trainer.model.named_parameters())
    assert all(p.requires_grad for p in trainer.model.parameters())


@pytest.mark.parametrize("mode", ["lora_up_proj_only_from2_to9_r1", "lora_up_proj_only_from0_to4_r1"])
def test_layer_range_beyond_the_model_fails_before_peft(tiny_policy_dir, mode, monkeypatch):
    import peft

    def never(*args, **kwargs):
        raise AssertionError("peft.get_peft_model must not be reached")

    monkeypatch.setattr(peft, "get_peft_model", never)
    spec = dataclasses.replace(SMOKE.train(R1_QWEN_7B, "lora_mlp_r1"), mode=mode)
    with pytest.raises(ReproError, match="layers"):
        sft.apply_lora(_load(tiny_policy_dir), spec)
    with pytest.raises(ReproError, match="layers"):  # the profile refuses it too
        SMOKE.train(R1_QWEN_7B, mode)


def test_labels_cover_exactly_the_completion(tiny_policy_dir, tmp_path):
    rows = _rows()
    spec = SMOKE.train(R1_QWEN_7B, "lora_mlp_r1")
    trainer, _ = sft.build_trainer(spec, tiny_policy_dir, rows, tmp_path / "run")
    tok = load_tokenizer(tiny_policy_dir)
    bos, eos = tok.convert_tokens_to_ids(BOS), tok.convert_tokens_to_ids(EOS)
    assert (tok.bos_token_id, tok.eos_token_id) == (bos, eos)
    data = trainer.train_dataset
    assert len(data) == len(rows)
    for row, ex in zip(rows, data, strict=True):
        ids, labels = ex["input_ids"], ex["labels"]
        assert len(ids) == len(labels)
        response = row["refusal"].split("Answer:", 1)[1]
        assert response.startswith(" ")
        # exactly one BOS, at position 0
        assert ids[0] == bos and ids.count(bos) == 1
        # the labelled tokens are a suffix and equal the input there
        first = next(i for i, lab in enumerate(labels) if lab != -100)
        assert all(lab == -100 for lab in labels[:first])
        assert labels[first:] == ids[first:]
        assert tok.decode(ids[first:]) == f"{THINK}{response}{EOS}"
        assert tok.decode(ids[:first]) == f"{BOS}<｜User｜>{row['prompt']}<｜Assistant｜>"
        assert labels[-1] == eos

    # The collator pads with pad == EOS (id 1): padding must be masked, the real EOS must stay.
    batch = trainer.data_collator([data[i] for i in range(4)])
    assert tok.pad_token_id == eos
    for r in range(4):
        n = len(data[r]["input_ids"])
        assert batch["labels"][r, n - 1].item() == eos
        assert (batch["labels"][r, n:] == -100).all()
        assert batch["attention_mask"][r, :n].all() and not batch["attention_mask"][r, n:].any()


def _capture_trainer(monkeypatch) -> dict:
    """Run the real ``sft.train`` but keep a handle on the trainer it builds."""
    seen = {}
    real = sft.build_trainer

    def spy(*args, **kwargs):
        seen["trainer"], report = real(*args, **kwargs)
        return seen["trainer"], report

    monkeypatch.setattr(sft, "build_trainer", spy)
    return seen


def _cosine(step: int, total: int, peak: float) -> float:
    """HF cosine schedule, no warmup: the LR used by optimizer step ``step`` (1-based)."""
    return peak * 0.5 * (1 + math.cos(math.pi * (step - 1) / total))


def test_lora_run_effective_settings(tiny_policy_dir, tmp_path, monkeypatch):
    spec = dataclasses.replace(SMOKE.train(R1_QWEN_7B, "lora_up_proj_only_from1_to2_r1"), epochs=2, batch_size=2)
    seen = _capture_trainer(monkeypatch)
    run_dir = tmp_path / "run"
    result = sft.train(spec, tiny_policy_dir, _rows(), run_dir)
    trainer = seen["trainer"]

    rep = result.report
    assert (rep["steps_per_epoch"], rep["total_steps"], rep["effective_batch_size"]) == (4, 8, 2)
    assert trainer.state.global_step == 8 and trainer.state.max_steps == 8
    assert result.resumed_from is None

    assert sorted(result.checkpoints) == [1, 2]
    assert result.checkpoints == epoch_checkpoints(run_dir)
    assert [p.name for p in result.checkpoints.values()] == ["checkpoint-4", "checkpoint-8"]
    for epoch, ckpt in result.checkpoints.items():
        assert json.loads((ckpt / "trainer_state.json").read_text())["epoch"] == epoch

    # The LR schedule: cosine from the peak (no warmup) towards 0 over all 8 steps, as the
    # scheduler object defines it and as the log records it.
    sched = trainer.lr_scheduler
    for step in range(1, 9):
        lr = spec.learning_rate * sched.lr_lambdas[0](step - 1)
        assert lr == pytest.approx(_cosine(step, 8, spec.learning_rate), rel=1e-9, abs=1e-15)
    lrs = [(h["step"], h["learning_rate"]) for h in rep["loss_history"]]
    if trainer.args.logging_steps == 1:  # CPU runs log every step (GPU runs every 10)
        assert [s for s, _ in lrs] == list(range(1, 9))
        assert lrs[0][1] == pytest.approx(spec.learning_rate, rel=1e-9)  # no warmup: the peak at once
        assert lrs[-1][1] < 0.05 * spec.learning_rate
    for step, lr in lrs:
        assert lr == pytest.approx(_cosine(step, 8, spec.learning_rate), rel=1e-6)

    # The checkpoints hold the adapter only: LoRA A/B of the two adapted modules, nothing else.
    for ckpt in result.checkpoints.values():
        assert not (ckpt / "model.safetensors").exists()
        keys = set(load_file(ckpt / "adapter_model.safetensors"))
        assert keys and all("lora_" in k for k in keys)
        assert {k.split(".lora_")[0].removeprefix("base_model.model.") for k in keys} == \
            EXPECTED_LORA["lora_up_proj_only_from1_to2_r1"]
        cfg = json.loads((ckpt / "adapter_config.json").read_text())
        assert (cfg["r"], cfg["lora_alpha"], cfg["layers_to_transform"]) == (1, 16, [1, 2])
    assert rep["trainable_parameters"] == 2 * (64 + 128)  # rank 1: A 1x64 and B 128x1, twice

    # LoRA trained (B moved off zero) and the base weights are bit-for-bit unchanged.
    model = trainer.model
    assert all(model.get_submodule(f"base_model.model.{m}").lora_B["default"].weight.abs().sum() > 0
               for m in EXPECTED_LORA["lora_up_proj_only_from1_to2_r1"])
    original = load_file(tiny_policy_dir / "model.safetensors")
    base_now = {k.replace(".base_layer", ""): v.cpu() for k, v in model.get_base_model().state_dict().items()
                if "lora_" not in k}
    assert set(base_now) == set(original)
    assert all(torch.equal(base_now[k], original[k]) for k in original)


def test_full_run_changes_the_weights(tiny_policy_dir, tmp_path, monkeypatch):
    spec = dataclasses.replace(SMOKE.train(R1_QWEN_7B, "full"), epochs=1, batch_size=2)
    seen = _capture_trainer(monkeypatch)
    result = sft.train(spec, tiny_policy_dir, _rows(), tmp_path / "run")
    assert result.report["total_steps"] == 4
    assert [p.name for p in result.checkpoints.values()] == ["checkpoint-4"]

    original = load_file(tiny_policy_dir / "model.safetensors")
    saved = load_file(result.checkpoints[1] / "model.safetensors")
    live = {k: v.cpu() for k, v in seen["trainer"].model.state_dict().items()}
    assert set(saved) == set(original)
    for name in original:
        assert torch.equal(saved[name], live[name])
    projections = [k for k in original if k.endswith("_proj.weight")]
    assert len(projections) == 7 * N_LAYERS
    changed = [k for k in projections if not torch.equal(saved[k], original[k])]
    assert changed == projections  # every linear weight in every layer moved
    assert result.report["trainable_parameters"] == sum(v.numel() for v in original.values())
