"""Determinism: the settings every step process runs under, set where they cost nothing, and read
back for the manifest.

Seeds are part of the specs (training seed 42, decoding seeds 0..7, judge seed 0) and are set
where they are used (the Trainer's ``set_seed``, per-request vLLM seeds, per-batch torch seeds in
the HF backend). On top of them every step process gets:

- ``CUBLAS_WORKSPACE_CONFIG=:4096:8``: cuBLAS picks reproducible reduction paths (set before CUDA
  starts; costs a few MB of workspace).
- ``torch.backends.cudnn.benchmark = False`` and ``cudnn.deterministic = True``: no autotuned
  kernel choice (these models use no convolutions, so nothing is lost).
- TF32 stays off for matmuls (torch's default), and is recorded.

Left off because they cost real time, and recorded either way:
- ``torch.use_deterministic_algorithms(True)`` (``REPRO_TORCH_DETERMINISTIC=1`` turns it on, in
  warn-only mode): slower scatter/index kernels in training.
- ``VLLM_BATCH_INVARIANT=1`` (vLLM 0.32, compute capability >= 8.0): outputs independent of batch
  composition, at a throughput cost. Without it a sampled sequence can change with what else is
  in the batch, with the tensor-parallel size and with the GPU model, even at a fixed seed
  ; the GPU model, count and tensor-parallel size are in every manifest.
"""

from __future__ import annotations

import os

TORCH_DETERMINISTIC_ENV = "REPRO_TORCH_DETERMINISTIC"
ENV_RECORDED = ("CUBLAS_WORKSPACE_CONFIG", "PYTHONHASHSEED", "VLLM_BATCH_INVARIANT", "VLLM_ATTENTION_BACKEND",
                "VLLM_ENABLE_V1_MULTIPROCESSING", TORCH_DETERMINISTIC_ENV, "CUDA_VISIBLE_DEVICES")


def apply_determinism() -> None:
    """Set the cheap settings in this process (before CUDA starts, where that matters)."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    import torch

    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    if os.environ.get(TORCH_DETERMINISTIC_ENV) == "1":
        torch.use_deterministic_algorithms(True, warn_only=True)


def determinism_settings() -> dict:
    """The settings in force in this process, for the manifest."""
    out: dict = {"env": {k: os.environ.get(k) for k in ENV_RECORDED}}
    try:
        import torch
    except ImportError:
        return out
    out.update({
        "torch_deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        "torch_deterministic_warn_only": torch.is_deterministic_algorithms_warn_only_enabled(),
        "cudnn_deterministic": torch.backends.cudnn.deterministic,
        "cudnn_benchmark": torch.backends.cudnn.benchmark,
        "matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32,
        "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32,
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
    })
    return out


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch before a training run builds its model: LoRA's A matrices are
    initialised when the adapter is attached, before the Trainer seeds anything itself."""
    from transformers import set_seed

    set_seed(seed)
