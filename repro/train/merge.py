"""Merge a LoRA checkpoint into its base model and save it as a plain HF model directory.

The authors merged every LoRA checkpoint into bf16 weights before inference (docs/evaluation.md#overview,
``lora_conversion.py``); the merge's rounding is part of what they measured, so we do the same.
"""

from __future__ import annotations

from pathlib import Path


def merge_lora(base_path: Path, adapter_path: Path, out_dir: Path, dtype: str) -> Path:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch_dtype = getattr(torch, dtype)
    base = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch_dtype)
    merged = PeftModel.from_pretrained(base, adapter_path).merge_and_unload()
    merged.save_pretrained(out_dir)
    AutoTokenizer.from_pretrained(base_path).save_pretrained(out_dir)
    return out_dir
