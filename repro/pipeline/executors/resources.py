"""What one step asks a scheduler for (GPUs, CPUs, memory, wall time), derived from the cost model.

Wall time is the cost model's estimate of the step (``repro.pipeline.cost``) times ``TIME_MARGIN``, plus
``START_SLACK_MIN`` for the job's own start; GPUs are as many as the step's memory needs (the model's
parameters from its registry entry: bf16 weights 2 bytes each; full fine-tuning in pure bf16 holds weights,
gradients and both AdamW states, 8 bytes each, about 118 GB for the 14B model). A step that outlives its request
is requeued by the Slurm executor and resumes from what it wrote, so a low guess costs a requeue, not the work.
Each step kind's ``request`` calls its function here (``repro.pipeline.kinds``); ``repro.pipeline.estimates``
asks a step's kind for its request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from repro.pipeline.cost import Estimate, training_state_gb
from repro.pipeline.steps import Step

TIME_MARGIN = 2.0  # requested wall time over the estimate: the estimates' throughputs are guesses
START_SLACK_MIN = 15  # a job's own start: environment, imports, staging checks
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


def _gpus_for(gb: float, gpu_mem_gb: int) -> int:
    """GPUs whose usable memory (95%) holds ``gb``."""
    return max(1, math.ceil(gb / (gpu_mem_gb * USABLE)))


def _minutes(est: Estimate, gpus: int = 1) -> int:
    hours = est.gpu_hours / gpus if est.gpu_hours else est.cpu_hours
    return math.ceil(TIME_MARGIN * hours * 60 + START_SLACK_MIN)


def cpu_request(step: Step, est: Estimate, gpu_mem_gb: int, processes: int) -> Resources:
    return Resources(0, 2, 8, _minutes(est), f"{step.kind} on CPU: {est.basis}")


def train_request(step: Step, est: Estimate, gpu_mem_gb: int, processes: int) -> Resources:
    model = step.spec.model
    if model.local:
        return cpu_request(step, est, gpu_mem_gb, processes)
    b = model.params_b
    if step.spec.parsed.is_lora:
        gpus = processes * _gpus_for(2 * b + ACTIVATIONS_GB, gpu_mem_gb)  # each data-parallel process holds the base
        why = f"LoRA: bf16 base {2 * b:.0f} GB per process"
        minutes = math.ceil(TIME_MARGIN * est.gpu_hours * 60 / processes + START_SLACK_MIN)
    else:
        need = training_state_gb(model)
        gpus = _gpus_for(need + ACTIVATIONS_GB, gpu_mem_gb)  # one process; device_map="auto" spreads the layers
        why = f"full: {need:.0f} GB of weights, grads and AdamW states over {gpus} GPU(s)"
        minutes = _minutes(est)
    return Resources(gpus, 8 * gpus, int(max(64, 5 * b)), minutes, f"{why}; {est.basis}")


def merge_request(step: Step, est: Estimate, gpu_mem_gb: int, processes: int) -> Resources:
    model = step.spec.model
    if model.local:
        return cpu_request(step, est, gpu_mem_gb, processes)
    return Resources(0, 8, int(4 * model.params_b + 16), _minutes(est),
                     f"bf16 merge on CPU: base and merged copy, {4 * model.params_b:.0f} GB")


def weights_request(step: Step, est: Estimate, gpu_mem_gb: int, processes: int) -> Resources:
    """SVDs of the base weights (OrthoMerge, Figs. 1 and 7), one matrix at a time in fp32."""
    model = getattr(step.spec, "model", None) or step.spec.checkpoint.model
    if model.local:
        return cpu_request(step, est, gpu_mem_gb, processes)
    return Resources(1, 8, int(8 * model.params_b + 16), _minutes(est), f"{step.kind}: {est.basis}")


def generate_request(step: Step, est: Estimate, gpu_mem_gb: int, processes: int) -> Resources:
    gen = step.spec
    model = gen.checkpoint.model
    if model.local or gen.backend != "vllm":
        return cpu_request(step, est, gpu_mem_gb, processes)
    gpus = _gpus_for(2 * model.params_b + KV_CACHE_GB, gpu_mem_gb)
    return Resources(gpus, 8 * gpus, 64, _minutes(est, gpus), est.basis)


def score_request(step: Step, est: Estimate, gpu_mem_gb: int, processes: int) -> Resources:
    judge = step.spec.judge
    if judge is None or judge.model.local or judge.backend != "vllm":
        return cpu_request(step, est, gpu_mem_gb, processes)
    gpus = _gpus_for(2 * judge.model.params_b + KV_CACHE_GB, gpu_mem_gb)
    return Resources(gpus, 8, 64, _minutes(est, gpus), f"judge {judge.model.label} with vLLM: {est.basis}")
