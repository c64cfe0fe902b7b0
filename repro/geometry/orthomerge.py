"""OrthoMerge (paper App. B; the authors released no code, docs/choices.md#10-orthomerge-lambda-grid-variants-and-checkpoint).

Before merging a LoRA update dW = (alpha/r) B A into W_I, project it off the top-k singular
directions of W_I (k = 64):

    OrthoMerge-col   dW' = lam (I - U_k U_k^T) dW
    OrthoMerge-both  dW' = lam (I - U_k U_k^T) dW (I - V_k V_k^T)

and save W_I + dW' for every adapted module as a plain model directory, which generation and
scoring load like any other checkpoint. As in the authors' LoRA merges, the sum is formed in fp32 and
rounded once to the model's dtype (bf16 in the paper profile).
"""

from __future__ import annotations

import math
from pathlib import Path

from repro.errors import ReproError
from repro.geometry.deltas import linear_weights, lora_factors
from repro.geometry.metrics import _fro_sq, top_singular_vectors
from repro.geometry.tensors import Checkpoint, default_device

VARIANTS = ("col", "both")


def orthomerge_update(w0, dw, variant: str, k: int, lam: float):
    """dW' for one module (fp32, on ``dw``'s device), and U_k, V_k of ``w0``."""
    if variant not in VARIANTS:
        raise ReproError(f"unknown OrthoMerge variant {variant!r}", "use 'col' or 'both'")
    if k < 1:
        raise ReproError(f"OrthoMerge k must be positive, got {k}", "the paper uses k = 64")
    u, _, v = top_singular_vectors(w0.float(), k)
    d = dw.float()
    d = d - u @ (u.T @ d)
    if variant == "both":
        d = d - (d @ v) @ v.T
    return d.mul_(lam), u, v


def orthomerge_checkpoint(base_dir: Path, adapter_dir: Path, out_dir: Path, variant: str, k: int, lam: float,
                          dtype: str, device: str | None = None) -> dict:
    """Write the OrthoMerge of the adapter at ``adapter_dir`` into a model directory ``out_dir``;
    return per-module accounting (norms before/after, what is left in the projected-off subspaces)."""
    import torch
    from transformers import AutoModelForCausalLM

    from repro.assets.tokenizers import load_tokenizer, save_tokenizer

    device = device or default_device()
    torch_dtype = getattr(torch, dtype)
    pairs, scale, adapter = lora_factors(adapter_dir)
    with Checkpoint(base_dir) as base:
        names = linear_weights(base)
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch_dtype)
    modules = []
    try:
        with torch.no_grad():
            for key in sorted(pairs):
                if key not in names:
                    raise ReproError(f"the adapter adapts layer {key[0]} {key[1]}, which {base_dir} does not have",
                                     "merge an adapter into the base model it was trained from")
                param = model.get_parameter(names[key])
                a_name, b_name = pairs[key]
                a = adapter.read(a_name, device).float()
                b = adapter.read(b_name, device).float()
                dw = (b @ a).mul_(scale)
                w0 = param.detach().to(device=device, dtype=torch.float32)
                new, u, v = orthomerge_update(w0, dw, variant, k, lam)
                param.copy_((w0 + new).to(torch_dtype).cpu())
                fro, fro_new = math.sqrt(_fro_sq(dw)), math.sqrt(_fro_sq(new))
                modules.append({
                    "layer": key[0], "module": key[1], "k": u.shape[1], "dw_fro": fro, "dw_new_fro": fro_new,
                    "kept_fraction": fro_new / (lam * fro) if fro > 0 else math.nan,
                    "left_in_top_k_columns": math.sqrt(_fro_sq(u.T @ new)) / fro_new if fro_new > 0 else 0.0,
                    "left_in_top_k_rows": math.sqrt(_fro_sq(new @ v)) / fro_new if fro_new > 0 else 0.0,
                })
    finally:
        adapter.close()
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir)
    save_tokenizer(load_tokenizer(base_dir), out_dir)
    return {"variant": variant, "k": k, "lambda": lam, "lora_scale": scale, "dtype": dtype, "device": str(device),
            "modules": modules,
            "sum_in_fp32_then_rounded_to": dtype}
