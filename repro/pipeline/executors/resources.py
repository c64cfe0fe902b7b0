"""What one step asks a scheduler for (GPUs, CPUs, memory, wall time), from its spec.

Estimates, not measurements: memory from parameter counts (bf16 weights 2 bytes/parameter; full
fine-tuning in pure bf16 keeps weights, gradients and both AdamW states in bf16, 8 bytes/parameter,
about 118 GB for the 14B model: REPRO_SPEC F), time from step counts and the decoding throughputs
REPRO_SPEC F assumes (about 2.5k tokens/s for 14B, 5k for 7B per GPU), doubled. A step that
outlives its request is requeued by the Slurm executor and resumes from what it wrote, so a low
guess costs a requeue, not the work.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from repro.pipeline.plan import Step
from repro.specs import CheckpointSpec, GenerationSpec, ModelSpec, ScoreSpec, TrainSpec

# Assumed mean generated tokens per sample, by benchmark (REPRO_SPEC F's guesses); else 30% of the cap.
MEAN_NEW_TOKENS = {"aime24": 12_000, "gpqa_diamond": 6_000, "humaneval_plus": 3_000, "mbpp_plus": 3_000}
USABLE = 0.95  # of a GPU's memory, after the CUDA context
ACTIVATIONS_GB = 8  # training activations of ~300-token sequences at batch <= 2, allocator slack
KV_CACHE_GB = 20  # vLLM: a KV cache worth having beside the weights


@dataclass(frozen=True)
class Resources:
    gpus: int
    cpus: int
    mem_gb: int
    time_min: int
    why: str  # the estimate in words, for `--dry-run` listings and job comments


def billions(model: ModelSpec) -> float:
    """Parameters in billions: from the registry's size (2 bytes each), else the name ("...-14B"); 0 for tiny models."""
    if model.local:
        return 0.0
    from repro.assets.registry import asset_size

    size = asset_size(model)
    if size:
        return size[0] / 2e9
    m = re.search(r"(\d+(?:\.\d+)?)B\b", model.name)
    return float(m.group(1)) if m else 8.0


def _gpus_for(gb: float, gpu_mem_gb: int) -> int:
    """GPUs whose usable memory (95%) holds ``gb``."""
    return max(1, math.ceil(gb / (gpu_mem_gb * USABLE)))


def _train(spec: TrainSpec, gpu_mem_gb: int, processes: int) -> Resources:
    b = billions(spec.model)
    rows = spec.data.limit or spec.data.n_rows or 1000
    steps = math.ceil(rows / spec.batch_size) * spec.epochs
    if b == 0:
        return Resources(0, 2, 8, 20, f"tiny model, {steps} steps on CPU")
    if spec.parsed.is_lora:
        gpus = processes * _gpus_for(2 * b + ACTIVATIONS_GB, gpu_mem_gb)  # each data-parallel process holds the base
        sec_per_step = 0.02 * b
        why = f"LoRA: bf16 base {2 * b:.0f} GB; {steps} steps x ~{sec_per_step:.2f} s"
    else:
        need = 8 * b  # bf16 weights + grads + two AdamW states, all bf16 (pure bf16, no master copy)
        gpus = _gpus_for(need + ACTIVATIONS_GB, gpu_mem_gb)  # one process; device_map="auto" spreads the layers
        sec_per_step = 0.05 * b
        why = f"full: {need:.0f} GB of weights, grads and AdamW states over {gpus} GPU(s); {steps} steps x ~{sec_per_step:.2f} s"
    minutes = 2 * steps * sec_per_step / 60 / max(1, processes) + 20
    return Resources(gpus, 8 * gpus, int(max(64, 2.5 * 2 * b)), math.ceil(minutes), why)


def _merge(ckpt: CheckpointSpec) -> Resources:
    b = billions(ckpt.model)
    if b == 0:
        return Resources(0, 1, 4, 10, "tiny model merge on CPU")
    return Resources(0, 8, int(2 * 2 * b + 16), 45, f"bf16 merge on CPU: base and merged copy, {4 * b:.0f} GB")


def _weights_analysis(kind: str, spec, gpu_mem_gb: int) -> Resources:
    """SVDs of the base weights (OrthoMerge, Figs. 1 and 7): minutes on a GPU for all 336 matrices (REPRO_SPEC F)."""
    model = getattr(spec, "model", None) or spec.checkpoint.model
    b = billions(model)
    if b == 0:
        return Resources(0, 2, 8, 15, f"{kind} of a tiny model on CPU")
    return Resources(1, 8, int(4 * 2 * b + 16), 90, f"{kind}: SVDs of {b:.0f}B parameters' weight matrices, "
                     "base and update in fp32 one matrix at a time")


def _generate(gen: GenerationSpec, gpu_mem_gb: int) -> Resources:
    b = billions(gen.checkpoint.model)
    dec = gen.benchmark.decoding
    n_rows = gen.benchmark.data.limit or gen.benchmark.data.n_rows or 500
    samples = n_rows * dec.n
    if b == 0 or gen.backend != "vllm":
        return Resources(0, 2, 8, 30, f"{samples} short samples with HF generate on CPU")
    mean_tokens = min(dec.max_new_tokens, MEAN_NEW_TOKENS.get(gen.benchmark.name, 0.3 * dec.max_new_tokens))
    tokens_per_s = 2_500 * 14 / max(b, 1.0)
    gpus = _gpus_for(2 * b + KV_CACHE_GB, gpu_mem_gb)
    minutes = 2 * samples * mean_tokens / tokens_per_s / 60 / gpus + 15
    return Resources(gpus, 8 * gpus, 64, math.ceil(minutes),
                     f"{samples} samples x ~{mean_tokens:.0f} tokens at ~{tokens_per_s:.0f} tokens/s per GPU")


def _score(score: ScoreSpec, gpu_mem_gb: int) -> Resources:
    judge = score.judge
    if judge is None or judge.model.local or judge.backend != "vllm":
        return Resources(0, 2, 8, 20, f"{score.scorer} on CPU")
    b = billions(judge.model)
    return Resources(_gpus_for(2 * b + KV_CACHE_GB, gpu_mem_gb), 8, 64, 45, f"judge {judge.model.label} with vLLM")


def step_resources(step: Step, gpu_mem_gb: int = 80, train_processes: int = 1) -> Resources:
    """The request for ``step`` on GPUs of ``gpu_mem_gb`` each (80: H100; 141: H200), training
    with up to ``train_processes`` data-parallel processes where the run's batch allows it."""
    if step.kind == "train":
        from repro.pipeline.executors.ddp import data_parallel_processes

        return _train(step.spec, gpu_mem_gb, data_parallel_processes(step.spec, train_processes))
    if step.kind == "merge":
        return _merge(step.spec)
    if step.kind in ("orthomerge", "geometry"):
        return _weights_analysis(step.kind, step.spec, gpu_mem_gb)
    if step.kind == "generate":
        return _generate(step.spec, gpu_mem_gb)
    if step.kind == "score":
        return _score(step.spec, gpu_mem_gb)
    return Resources(0, 1, 4, 10, f"{step.kind} on CPU")
