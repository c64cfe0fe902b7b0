"""Update matrices streamed from checkpoints on the tiny policy: LoRA deltas from the adapter file equal
merged-minus-base weights; full deltas from sharded checkpoints equal W_ft - W_I; mismatches fail in
one line; the passes of Figs. 1 and 7 read every projection once."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

from repro.assets.registry import R1_QWEN_7B, R1_QWEN_14B
from repro.errors import ReproError
from repro.geometry.analysis import module_means, overlap_pass, stable_rank_pass
from repro.geometry.deltas import full_deltas, lora_deltas
from repro.geometry.tensors import Checkpoint
from repro.profiles import get_profile
from repro.train import sft
from repro.train.merge import merge_lora

SMOKE = get_profile("smoke")
PROJ = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def _weights(model_dir) -> dict[str, torch.Tensor]:
    ckpt = Checkpoint(model_dir)
    return {n: ckpt.read(n) for n in ckpt.names()}


def _adapter(tiny_policy_dir, out, mode: str, seed: int = 0):
    """A LoRA adapter of ``mode`` with random (nonzero) A and B, saved as PEFT saves it."""
    model = AutoModelForCausalLM.from_pretrained(tiny_policy_dir, dtype=torch.float32)
    spec = dataclasses.replace(SMOKE.train(R1_QWEN_7B, "lora_mlp_r1"), mode=mode)
    peft_model = sft.apply_lora(model, spec)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_" in name:
                p.copy_(torch.randn(p.shape, generator=g) * 0.05)
    peft_model.save_pretrained(out)
    return out


@pytest.mark.parametrize("mode, n", [("lora_qkvo_mlp_r2", 4 * 7), ("lora_up_proj_only_from1_to2_r1", 2)])
def test_lora_delta_from_the_adapter_equals_merged_minus_base(tiny_policy_dir, tmp_path, mode, n):
    adapter = _adapter(tiny_policy_dir, tmp_path / "adapter", mode)
    merged = merge_lora(tiny_policy_dir, adapter, tmp_path / "merged", "float32")
    base, after = _weights(tiny_policy_dir), _weights(merged)
    deltas = list(lora_deltas(adapter, tiny_policy_dir, device="cpu"))
    assert len(deltas) == n
    seen = set()
    for d in deltas:
        name = f"model.layers.{d.layer}.{'mlp' if d.module in PROJ[4:] else 'self_attn'}.{d.module}.weight"
        seen.add(name)
        assert d.dw.dtype == torch.float32 and d.w0.dtype == torch.float32
        assert torch.equal(d.w0, base[name])
        assert torch.allclose(d.dw, after[name] - base[name], atol=2e-6, rtol=0), name
        assert d.dw.abs().max() > 1e-4  # a real update, not zeros
    # Every other weight is untouched by the merge: the deltas cover exactly the adapted modules.
    changed = {k for k in base if not torch.equal(base[k], after[k])}
    assert changed == seen
    # The scale is PEFT's alpha / r.
    cfg = json.loads((adapter / "adapter_config.json").read_text())
    a = load_file(adapter / "adapter_model.safetensors")
    key = next(k for k in a if "lora_A" in k)
    some = next(d for d in deltas if f"layers.{d.layer}." in key and d.module in key)
    assert torch.allclose(some.dw, (a[key.replace("lora_A", "lora_B")] @ a[key]) * cfg["lora_alpha"] / cfg["r"])


def _perturbed_sharded(src, out, seed: int):
    model = AutoModelForCausalLM.from_pretrained(src, dtype=torch.float32)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 1e-3)
    model.save_pretrained(out, max_shard_size="100KB")
    return out


def test_full_deltas_stream_sharded_checkpoints(tiny_policy_dir, tmp_path):
    ft = _perturbed_sharded(tiny_policy_dir, tmp_path / "ft", seed=1)
    assert (ft / "model.safetensors.index.json").is_file() and len(list(ft.glob("*.safetensors"))) > 3
    base, tuned = _weights(tiny_policy_dir), _weights(ft)
    deltas = list(full_deltas(tiny_policy_dir, ft, with_base=True, device="cpu"))
    assert sorted((d.layer, d.module) for d in deltas) == sorted((i, m) for i in range(4) for m in PROJ)
    for d in deltas:
        name = f"model.layers.{d.layer}.{'mlp' if d.module in PROJ[4:] else 'self_attn'}.{d.module}.weight"
        assert torch.equal(d.dw, tuned[name] - base[name])
        assert torch.equal(d.w0, base[name])
        assert d.bytes_read == 2 * base[name].numel() * 4
    assert all(d.w0 is None for d in full_deltas(tiny_policy_dir, ft, device="cpu"))
    # The passes' path: reused workspaces filled by a reader thread; each item is right while it is current.
    reused = full_deltas(tiny_policy_dir, ft, with_base=True, device="cpu", reuse_buffers=True, layers={1, 3})
    n = 0
    for d in reused:
        name = f"model.layers.{d.layer}.{'mlp' if d.module in PROJ[4:] else 'self_attn'}.{d.module}.weight"
        assert d.layer in (1, 3) and torch.equal(d.dw, tuned[name] - base[name]) and torch.equal(d.w0, base[name])
        n += 1
    assert n == 2 * 7


def test_passes_read_every_projection_once_and_summarise(tiny_policy_dir, tmp_path):
    ft = _perturbed_sharded(tiny_policy_dir, tmp_path / "ft", seed=2)
    seen = []
    rows, stats = stable_rank_pass(tiny_policy_dir, ft, lora=False, device="cpu", progress=lambda i, n: seen.append((i, n)))
    assert seen[-1] == (28, 28) and stats["matrices"] == 28 and stats["device"] == "cpu"
    assert stats["bytes_read"] == 2 * sum(r["out"] * r["in"] * 4 for r in rows)
    assert all(1.0 <= r["stable_rank"] <= min(r["out"], r["in"]) for r in rows)
    means = module_means(rows, ("stable_rank",))
    assert set(means) == set(PROJ) and all(m["n_layers"] == 4 for m in means.values())
    rows7, _ = overlap_pass(tiny_policy_dir, ft, lora=False, top_k=16, device="cpu")
    assert [(r["layer"], r["module"]) for r in rows7] == [(r["layer"], r["module"]) for r in rows]
    assert all(0.0 <= r[m] <= 1.0 for r in rows7 for m in ("m1", "m2", "m3", "m4"))


def test_mismatched_checkpoints_fail_in_one_line(tiny_policy_dir, tmp_path):
    from repro.assets.tiny import build_tiny_model

    other = build_tiny_model(SMOKE.model(R1_QWEN_14B), tmp_path / "other")  # 6 layers, not 4
    with pytest.raises(ReproError) as exc:
        list(full_deltas(tiny_policy_dir, other, device="cpu"))
    assert "same projection weights" in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(ReproError, match="no adapter_config.json"):
        list(lora_deltas(tmp_path, device="cpu"))
    with pytest.raises(ReproError, match="no safetensors weights"):
        Checkpoint(tmp_path / "nowhere")
