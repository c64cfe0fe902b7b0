"""OrthoMerge: the projected update has no component in the top-k singular spaces of W_I (column
space for -col, both for -both), equals lambda times the exact projection, and the merged
checkpoint holds W_I + dW' for the adapted modules and W_I everywhere else."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from transformers import AutoModelForCausalLM

from repro.assets.registry import R1_QWEN_7B
from repro.errors import ReproError
from repro.geometry.deltas import lora_deltas
from repro.geometry.orthomerge import orthomerge_checkpoint, orthomerge_update
from repro.geometry.tensors import Checkpoint
from repro.profiles import get_profile
from repro.train import sft


def _exact(w0, k):
    u, _, vh = torch.linalg.svd(w0.double(), full_matrices=False)
    return u[:, :k], vh[:k].T


@pytest.mark.parametrize("shape", [(128, 64), (64, 128)])
@pytest.mark.parametrize("variant, lam", [("col", 1.0), ("col", 1.2), ("both", 1.0), ("both", 1.25)])
def test_projected_update_leaves_the_top_k_spaces(shape, variant, lam):
    g = torch.Generator().manual_seed(0)
    s = torch.cat([torch.linspace(8, 3, 8), torch.linspace(1, 0.05, min(shape) - 8)])
    w0 = (torch.linalg.qr(torch.randn(shape[0], min(shape), generator=g))[0] * s) @ \
        torch.linalg.qr(torch.randn(shape[1], min(shape), generator=g))[0].T
    dw = torch.randn(shape[0], 4, generator=g) @ torch.randn(4, shape[1], generator=g) * 0.01 + 0.05 * w0
    k = 8
    new, _, _ = orthomerge_update(w0, dw, variant, k, lam)
    uk, vk = _exact(w0, k)
    nd = new.double()
    assert torch.linalg.matrix_norm(uk.T @ nd) <= 1e-5 * torch.linalg.matrix_norm(nd)
    expected = (torch.eye(shape[0], dtype=torch.float64) - uk @ uk.T) @ dw.double()
    if variant == "both":
        assert torch.linalg.matrix_norm(nd @ vk) <= 1e-5 * torch.linalg.matrix_norm(nd)
        expected = expected @ (torch.eye(shape[1], dtype=torch.float64) - vk @ vk.T)
    else:  # the column variant keeps the row-space component
        assert torch.linalg.matrix_norm(nd @ vk) > 1e-2 * torch.linalg.matrix_norm(nd)
    assert torch.allclose(nd, lam * expected, atol=1e-5 * float(expected.abs().max()))


def test_bad_settings_fail_in_one_line():
    w = torch.randn(8, 6)
    for args in (("row", 4, 1.0), ("col", 0, 1.0)):
        with pytest.raises(ReproError) as exc:
            orthomerge_update(w, w, *args)
        assert "\n" not in str(exc.value)


@pytest.mark.parametrize("variant", ["col", "both"])
def test_merged_checkpoint_is_base_plus_projected_update(tiny_policy_dir, tmp_path, variant):
    model = AutoModelForCausalLM.from_pretrained(tiny_policy_dir, dtype=torch.float32)
    spec = dataclasses.replace(get_profile("smoke").train(R1_QWEN_7B, "lora_mlp_r4"))
    peft_model = sft.apply_lora(model, spec)
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_" in name:
                p.copy_(torch.randn(p.shape, generator=g) * 0.05)
    adapter = tmp_path / "adapter"
    peft_model.save_pretrained(adapter)
    out = tmp_path / "merged"
    k, lam = 8, 1.15
    report = orthomerge_checkpoint(tiny_policy_dir, adapter, out, variant, k, lam, "float32", device="cpu")
    assert len(report["modules"]) == 12 and all(m["left_in_top_k_columns"] < 1e-5 for m in report["modules"])
    if variant == "both":
        assert all(m["left_in_top_k_rows"] < 1e-5 for m in report["modules"])
    base, merged = Checkpoint(tiny_policy_dir), Checkpoint(out)
    assert set(base.names()) == set(merged.names())
    deltas = {(d.layer, d.module): d for d in lora_deltas(adapter, tiny_policy_dir, device="cpu")}
    for name in base.names():
        before, after = base.read(name), merged.read(name)
        key = next(((lay, m) for (lay, m) in deltas if f"layers.{lay}.mlp.{m}.weight" == name.removeprefix("model.")),
                   None)
        if key is None:
            assert torch.equal(before, after), name
            continue
        d = deltas[key]
        uk, vk = _exact(d.w0, k)
        want = (torch.eye(uk.shape[0], dtype=torch.float64) - uk @ uk.T) @ d.dw.double()
        if variant == "both":
            want = want @ (torch.eye(vk.shape[0], dtype=torch.float64) - vk @ vk.T)
        assert torch.allclose((after - before).double(), lam * want, atol=1e-5), name
    # It loads like any checkpoint.
    AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32)
