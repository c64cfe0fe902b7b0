"""Update matrices dW per (layer, module), streamed one weight at a time (docs/geometry.md#notation).

- Full fine-tuning: dW = W_ft - W_I, both read in their stored dtype and subtracted in fp32.
- LoRA: dW = scale * B A from the saved adapter alone (``adapter_model.safetensors`` and
  ``adapter_config.json``), scale = lora_alpha / r (PEFT's; alpha / sqrt(r) under rsLoRA).

W_I comes along (fp32, same device) when an analysis needs it. Weights are visited in the fine-tuned
checkpoint's on-disk order, and the next pair is prefetched while the current one is in use.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from repro.errors import ReproError
from repro.geometry.tensors import Checkpoint, default_device
from repro.specs.modes import ALL_PROJECTIONS

LINEAR = re.compile(r"(?:^|\.)layers\.(\d+)\.(?:self_attn|mlp)\.(" + "|".join(ALL_PROJECTIONS) + r")\.weight$")
LORA = re.compile(r"(?:^|\.)layers\.(\d+)\.(?:self_attn|mlp)\.(" + "|".join(ALL_PROJECTIONS) + r")\.lora_([AB])"
                  r"(?:\.default)?\.weight$")


@dataclass
class Delta:
    layer: int
    module: str  # "q_proj" ... "down_proj"
    dw: object  # torch.Tensor, fp32, (out x in)
    w0: object | None  # torch.Tensor, fp32, when asked for
    bytes_read: int


def linear_weights(ckpt: Checkpoint) -> dict[tuple[int, str], str]:
    """(layer, module) -> tensor name of every decoder-layer projection weight, in on-disk order."""
    out = {}
    for name in ckpt.names():
        m = LINEAR.search(name)
        if m:
            out[(int(m[1]), m[2])] = name
    return out


def _fp32(t):
    import torch

    return t.to(torch.float32)


def full_deltas(base_dir: Path, ft_dir: Path, *, with_base: bool = False, device: str | None = None,
                modules: tuple[str, ...] = ALL_PROJECTIONS, layers: set[int] | None = None,
                reuse_buffers: bool = False) -> Iterator[Delta]:
    """dW = W_ft - W_I for every projection weight the two checkpoints share (or those of ``modules``
    in ``layers``), one at a time, in the fine-tuned checkpoint's on-disk order.

    ``reuse_buffers`` (what the passes use): dW and W_I are views of fp32 workspaces allocated once
    and valid only until the next item (the passes keep numbers, not matrices), and a background
    thread reads and converts the next pair while the caller computes on the current one. Fresh
    multi-hundred-MB allocations cost more than the arithmetic on CPU (every page is faulted in anew).
    """
    import torch

    device = device or default_device()
    with Checkpoint(base_dir) as base, Checkpoint(ft_dir) as ft:
        base_w, ft_w = linear_weights(base), linear_weights(ft)
        if not ft_w:
            raise ReproError(f"no decoder-layer projection weights in {ft_dir}",
                             "expected a full fine-tuning checkpoint (model*.safetensors)")
        if set(base_w) != set(ft_w):
            missing = sorted(set(base_w) ^ set(ft_w))[:3]
            raise ReproError(f"{ft_dir} and the base model {base_dir} do not have the same projection weights "
                             f"(first differences: {missing})", "compare a checkpoint with its own base model")
        todo = [key for key in ft_w if key[1] in modules and (layers is None or key[0] in layers)]
        for key in todo:
            if base.entries[base_w[key]].shape != ft.entries[ft_w[key]].shape:
                raise ReproError(f"layer {key[0]} {key[1]}: shape {ft.entries[ft_w[key]].shape} in {ft_dir} but "
                                 f"{base.entries[base_w[key]].shape} in the base",
                                 "compare a checkpoint with its own base model")

        def hint(i: int) -> None:  # ask the kernel to start reading item i
            if i < len(todo):
                base.prefetch(base_w[todo[i]])
                ft.prefetch(ft_w[todo[i]])

        def load(i: int, work):
            key = todo[i]
            x, y = ft.read(ft_w[key], device), base.read(base_w[key], device)
            if work is not None:
                dw = work[0][: x.numel()].view(x.shape).copy_(x)
                w0 = work[1][: y.numel()].view(y.shape).copy_(y)
            else:
                dw, w0 = x.to(torch.float32, copy=True), _fp32(y)
            del x, y
            dw.sub_(w0)
            nbytes = base.entries[base_w[key]].nbytes + ft.entries[ft_w[key]].nbytes
            return Delta(key[0], key[1], dw, w0 if with_base else None, nbytes)

        if not reuse_buffers:
            for i in range(len(todo)):
                hint(i + 1)
                yield load(i, None)
            return
        if not todo:
            return
        from concurrent.futures import ThreadPoolExecutor

        size = max(math.prod(ft.entries[ft_w[k]].shape) for k in todo)
        sets = [[torch.empty(size, dtype=torch.float32, device=device) for _ in range(2)] for _ in range(2)]
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="repro-read") as pool:
            hint(0)
            pending = pool.submit(load, 0, sets[0])
            for i in range(len(todo)):
                item = pending.result()
                if i + 1 < len(todo):  # the other workspace: the caller is done with item i - 1
                    hint(i + 2)
                    pending = pool.submit(load, i + 1, sets[(i + 1) % 2])
                yield item
                del item


def lora_scale(config: dict) -> float:
    """PEFT's scaling of B A for the adapter config (no per-module rank or alpha patterns)."""
    if config.get("rank_pattern") or config.get("alpha_pattern") or config.get("use_dora"):
        raise ReproError("the adapter uses per-module rank/alpha patterns or DoRA, which the paper's runs never do",
                         "analyse adapters trained by `repro` (one r and alpha for every module)")
    r, alpha = config["r"], config["lora_alpha"]
    return alpha / r ** 0.5 if config.get("use_rslora") else alpha / r


def lora_factors(adapter_dir: Path) -> tuple[dict[tuple[int, str], tuple[str, str]], float, Checkpoint]:
    """(layer, module) -> (lora_A name, lora_B name), the scale, and the opened adapter checkpoint."""
    cfg_path = Path(adapter_dir) / "adapter_config.json"
    if not cfg_path.is_file():
        raise ReproError(f"no adapter_config.json in {adapter_dir}", "expected a LoRA checkpoint saved by PEFT")
    scale = lora_scale(json.loads(cfg_path.read_text()))
    ckpt = Checkpoint(adapter_dir)
    pairs: dict[tuple[int, str], dict[str, str]] = {}
    for name in ckpt.names():
        m = LORA.search(name)
        if m:
            pairs.setdefault((int(m[1]), m[2]), {})[m[3]] = name
    broken = [k for k, v in pairs.items() if set(v) != {"A", "B"}]
    if not pairs or broken:
        ckpt.close()
        raise ReproError(f"adapter {adapter_dir} has {'no LoRA weights' if not pairs else f'unpaired A/B at {broken[:2]}'}",
                         "expected lora_A and lora_B weights for every adapted module")
    return {k: (v["A"], v["B"]) for k, v in pairs.items()}, scale, ckpt


def lora_deltas(adapter_dir: Path, base_dir: Path | None = None, *, device: str | None = None,
                layers: set[int] | None = None) -> Iterator[Delta]:
    """dW = scale * B A for every module of a LoRA adapter (in ``layers``); W_I too when ``base_dir`` is given."""
    device = device or default_device()
    pairs, scale, adapter = lora_factors(adapter_dir)
    base = Checkpoint(base_dir) if base_dir is not None else None
    try:
        base_w = linear_weights(base) if base is not None else {}
        missing = [k for k in pairs if base is not None and k not in base_w]
        if missing:
            raise ReproError(f"the adapter adapts {missing[:2]}, which the base model {base_dir} does not have",
                             "compare an adapter with the base model it was trained from")
        for key in sorted(k for k in pairs if layers is None or k[0] in layers):
            a_name, b_name = pairs[key]
            a, b = _fp32(adapter.read(a_name, device)), _fp32(adapter.read(b_name, device))
            nbytes = adapter.entries[a_name].nbytes + adapter.entries[b_name].nbytes
            dw = (b @ a).mul_(scale)
            w0 = None
            if base is not None:
                w0 = _fp32(base.read(base_w[key], device))
                nbytes += base.entries[base_w[key]].nbytes
                if tuple(w0.shape) != tuple(dw.shape):
                    raise ReproError(f"layer {key[0]} {key[1]}: adapter delta {tuple(dw.shape)} vs base "
                                     f"{tuple(w0.shape)}", "compare an adapter with its own base model")
            yield Delta(key[0], key[1], dw, w0, nbytes)
    finally:
        adapter.close()
        if base is not None:
            base.close()
