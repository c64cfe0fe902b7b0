"""Generation behind one interface, two backends: vLLM (paper profile, CUDA) and HF transformers
(CPU). Both take chat messages, render them with the model's own chat template, tokenize with a
single BOS, and return each completion with its finish reason so truncation is always counted.

Serving LoRA: we MERGE each LoRA checkpoint into its base (bf16) and serve the merged weights,
never a vLLM adapter. Why: (1) the authors' numbers came from merged bf16 weights
(``lora_conversion.py``), so the merge's rounding is part of what the paper measured; (2) vLLM
adapter serving has silently served the base model when target modules mismatch, and adapter vs
merged outputs have disagreed in the past (docs/settings.md#software-stack-and-model-facts). ``tests/test_generate.py`` checks
that adapter and merged outputs agree (HF on CPU always; vLLM where CUDA and vLLM exist).
"""

from pathlib import Path

from repro.errors import ReproError
from repro.generate.base import Completion, Generator, Request
from repro.specs import BACKENDS, DecodingSpec

__all__ = ["Completion", "Generator", "Request", "load_generator"]


def load_generator(backend: str, model_path: Path, dtype: str, decoding: DecodingSpec | None = None) -> Generator:
    """A ``backend`` generator for the model in ``model_path``, with the engine settings of ``decoding``
    (context cap, eager mode; None: the model's context, CUDA graphs); any decoding of the same engine
    settings can then be served by it."""
    if backend == "hf":
        from repro.generate.hf import HFGenerator

        return HFGenerator(model_path, dtype)
    if backend == "vllm":
        from repro.generate.vllm import VLLMGenerator

        if decoding is None:
            return VLLMGenerator(model_path, dtype)
        return VLLMGenerator(model_path, dtype, decoding.max_model_len, enforce_eager=decoding.enforce_eager)
    raise ReproError(f"unknown generation backend {backend!r}", f"use one of: {', '.join(BACKENDS)}")

