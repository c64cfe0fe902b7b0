"""The paper models' real tokenizer and config files (tests/real_tokenizers, see its PROVENANCE.md), unpacked for
tests, and tiny random models built on their vocabularies."""

from __future__ import annotations

import json
import lzma
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent / "real_tokenizers"
MANIFEST = json.loads((HERE / "MANIFEST.json").read_text(encoding="utf-8"))
# The models whose whole tokenizer ships (tokenizer.json); Qwen2.5-32B-Instruct (the AIME judge) ships its
# tokenizer_config.json (the chat template) only.
WITH_TOKENIZER = tuple(m for m, e in MANIFEST.items() if "tokenizer.json" in e["files"])
POLICIES = ("DeepSeek-R1-Distill-Qwen-7B", "DeepSeek-R1-Distill-Qwen-14B", "DeepSeek-R1-Distill-Llama-8B",
            "Qwen2-1.5B-Instruct")


def unpack(root: Path) -> dict[str, Path]:
    """Every shipped model directory, its files as published (tokenizer.json decompressed), under ``root``."""
    out = {}
    for model, entry in MANIFEST.items():
        d = root / model
        d.mkdir(parents=True)
        for name, info in entry["files"].items():
            if "same_as" in info:
                src_model, src_name = info["same_as"].split("/")
                shutil.copyfile(root / src_model / src_name, d / name)
            elif (HERE / model / name).is_file():
                shutil.copyfile(HERE / model / name, d / name)
            else:
                (d / name).write_bytes(lzma.decompress((HERE / model / f"{name}.xz").read_bytes()))
        out[model] = d
    return out


def tiny_model_on(real_dir: Path, out: Path, seed: int = 0) -> Path:
    """A 2-layer random model of ``real_dir``'s architecture and full vocabulary (hidden 64, head_dim 32, which
    vLLM's CPU attention supports), saved beside copies of the real tokenizer and generation config files."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    small = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2,
                 num_key_value_heads=2, head_dim=32, max_position_embeddings=4096, dtype="float32")
    full = AutoConfig.from_pretrained(real_dir)
    if getattr(full, "layer_types", None):
        small["layer_types"] = full.layer_types[:2]
    if hasattr(full, "max_window_layers"):
        small["max_window_layers"] = 2
    cfg = AutoConfig.from_pretrained(real_dir, **small)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(cfg, dtype=torch.float32)
    out.mkdir(parents=True)
    model.save_pretrained(out)
    for f in real_dir.iterdir():
        if f.name != "config.json":
            shutil.copyfile(f, out / f.name)
    return out
