"""The per-checkpoint passes of Figs. 1 and 7: one row per (layer, module), and what they read.

``stable_rank_pass`` (Fig. 1) and ``overlap_pass`` (Fig. 7) stream the updates of a full fine-tuning
checkpoint (against its base) or of a LoRA adapter (the adapter alone; the base too for m1-m4),
compute per matrix, and keep only the numbers, so memory stays at a few matrices whatever the
model's size.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

from repro.geometry.deltas import full_deltas, linear_weights, lora_deltas, lora_factors
from repro.geometry.metrics import overlap_metrics, stable_rank
from repro.geometry.tensors import Checkpoint, default_device
from repro.specs.modes import ALL_PROJECTIONS

MODULE_TYPES = ALL_PROJECTIONS  # q, k, v, o, gate, up, down: the paper's seven module types


def _count(base_dir: Path, ckpt_dir: Path, lora: bool, layers: set[int] | None) -> int:
    if lora:
        pairs, _, adapter = lora_factors(ckpt_dir)
        adapter.close()
        keys = list(pairs)
    else:
        with Checkpoint(ckpt_dir) as ft:
            keys = list(linear_weights(ft))
    return sum(layers is None or k[0] in layers for k in keys)


def _deltas(base_dir: Path, ckpt_dir: Path, lora: bool, with_base: bool, device: str, layers: set[int] | None):
    if lora:
        return lora_deltas(ckpt_dir, base_dir if with_base else None, device=device, layers=layers)
    return full_deltas(base_dir, ckpt_dir, with_base=with_base, device=device, layers=layers, reuse_buffers=True)


def _run(base_dir, ckpt_dir, lora, with_base, device, progress, compute, layers) -> tuple[list[dict], dict]:
    import torch

    device = device or default_device()
    total = _count(base_dir, ckpt_dir, lora, layers)
    rows, nbytes, t0 = [], 0, time.perf_counter()
    for i, d in enumerate(_deltas(base_dir, ckpt_dir, lora, with_base, device, layers), 1):
        rows.append({"layer": d.layer, "module": d.module, "out": d.dw.shape[0], "in": d.dw.shape[1], **compute(d)})
        nbytes += d.bytes_read
        if progress:
            progress(i, total)
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    rows.sort(key=lambda r: (r["layer"], MODULE_TYPES.index(r["module"])))
    stats = {"device": str(device), "matrices": len(rows), "bytes_read": nbytes, "seconds": round(seconds, 3),
             "bytes_per_s": nbytes / seconds if seconds > 0 else math.nan, "update": "lora" if lora else "full"}
    return rows, stats


def stable_rank_pass(base_dir: Path, ckpt_dir: Path, *, lora: bool, device: str | None = None,
                     progress: Callable[[int, int], None] | None = None,
                     layers: set[int] | None = None) -> tuple[list[dict], dict]:
    """Stable rank of every update matrix (Fig. 1); ``layers`` restricts the pass (benchmarks)."""
    return _run(base_dir, ckpt_dir, lora, False, device, progress, lambda d: stable_rank(d.dw), layers)


def overlap_pass(base_dir: Path, ckpt_dir: Path, *, lora: bool, top_k: int = 16, device: str | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 layers: set[int] | None = None) -> tuple[list[dict], dict]:
    """m1-m4 of every update matrix against its base weight (Fig. 7)."""
    return _run(base_dir, ckpt_dir, lora, True, device, progress, lambda d: overlap_metrics(d.w0, d.dw, top_k),
                layers)


def module_means(rows: list[dict], fields: tuple[str, ...]) -> dict[str, dict]:
    """Per module type: the mean over layers of each field (NaNs, from all-zero updates, left out)."""
    out = {}
    for module in MODULE_TYPES:
        mine = [r for r in rows if r["module"] == module]
        if not mine:
            continue
        entry = {"n_layers": len(mine)}
        for f in fields:
            vals = [r[f] for r in mine if r[f] is not None and not math.isnan(r[f])]
            entry[f] = sum(vals) / len(vals) if vals else math.nan
            entry[f"{f}_n"] = len(vals)
        out[module] = entry
    return out
