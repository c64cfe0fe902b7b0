"""Merge a LoRA checkpoint into its base model and save it as a plain HF model directory.

The authors merged every LoRA checkpoint into bf16 weights before inference (docs/evaluation.md#overview,
``lora_conversion.py``); the merge's rounding is part of what they measured, so we do the same.
"""

from __future__ import annotations

from pathlib import Path


def merge_lora(base_path: Path, adapter_path: Path, out_dir: Path, dtype: str) -> Path:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from repro.assets.tokenizers import load_tokenizer, save_tokenizer

    torch_dtype = getattr(torch, dtype)
    base = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch_dtype)
    merged = PeftModel.from_pretrained(base, adapter_path).merge_and_unload()
    merged.save_pretrained(out_dir)
    save_tokenizer(load_tokenizer(base_path), out_dir)
    return out_dir
