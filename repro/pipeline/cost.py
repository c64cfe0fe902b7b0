"""The one cost model: GPU-hours, CPU-hours and disk of planned steps (`repro plan`), from which the Slurm requests
are derived too (``repro.pipeline.executors.resources``).

Every number the estimates rest on is an assumption of ``repro.pipeline.assumptions``, with its source. Estimates
scale with the specs: questions (``DatasetSpec.limit``/``n_rows``) x seeds x the mean output length under the
``max_new_tokens`` cap, the model's parameters and layer widths (its registry entry's ``shape``), training steps
(epochs x rows / batch) and adapter size. Each step kind's ``estimate`` calls its estimator here
(``repro.pipeline.kinds``); a planned step's estimate, measured where it has run, and the sums over several figures
are ``repro.pipeline.estimates``.

GPU-hours are device-hours of one GPU: every paper step fits one GPU (an H100, 80 GB), except 14B full
fine-tuning, which needs one H200 and is counted as H200-hours. Merges and code tests run on CPU (CPU-hours).
Steps of local stand-in models (smoke, toy) cost 0 GPU-hours; their CPU time is read from the step's manifest
once it has run, else a stated estimate. Disk of a finished step is measured.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from repro.benchmarks import get_benchmark
from repro.benchmarks.kinds import LoglikelihoodBenchmark
from repro.errors import ReproError
from repro.generate.hf import SMALL_MODEL_BATCH
from repro.pipeline.assumptions import assumed
from repro.pipeline.steps import Step, StepId
from repro.specs import (
    CheckpointSpec,
    GenerationSpec,
    GeometrySpec,
    ModelSpec,
    ScoreSpec,
    TrainSpec,
    parse_mode,
)
from repro.specs.modes import ALL_PROJECTIONS

if TYPE_CHECKING:
    from repro.pipeline.store import ArtifactStore

DEFAULT_ROWS = 10  # questions of a dataset that states neither limit nor n_rows (small smoke fixtures)
REFERENCE_B = 14.77  # the model whose throughputs the assumptions give (R1-Distill-Qwen-14B): others scale by size
# Decoding rates the compute notes give for particular models (tokens/s per GPU); others scale from the 14B one.
DECODE_RATE = {"deepseek-ai/DeepSeek-R1-Distill-Qwen-14B": "decode_tok_s_14b",
               "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B": "decode_tok_s_7b"}


@dataclass(frozen=True)
class Cost:
    gpu_hours: float
    cpu_hours: float
    disk_bytes: int
    gpu: str  # "H100" | "H200" | "" (no GPU)
    basis: str  # the arithmetic, in words


@dataclass(frozen=True)
class Estimate:
    step_id: StepId
    kind: str
    group: str  # the row of `repro plan` its cost is summed under (its kind's group)
    label: str
    gpu_hours: float
    cpu_hours: float
    disk_bytes: int
    gpu: str
    basis: str
    measured: tuple[str, ...] = ()  # which numbers come from the step's own files ("cpu_hours", "disk_bytes")


# --- model facts and rates --------------------------------------------------------------------------
def adapter_params(train: TrainSpec) -> int:
    """Trainable LoRA parameters: r x (in + out) per adapted module and layer."""
    mode = parse_mode(train.mode)
    h, inter, kv = train.model.widths()
    shapes = dict(zip(ALL_PROJECTIONS, [(h, h), (h, kv), (h, kv), (h, h), (h, inter), (h, inter), (inter, h)],
                      strict=True))
    assert mode.rank is not None  # a LoRA mode always has a rank
    per_layer = sum(mode.rank * sum(shapes[m]) for m in mode.target_modules)
    return per_layer * len(mode.layer_indices(train.model.num_layers))


def decode_tok_s(model: ModelSpec) -> float:
    """Generated tokens/s per GPU: the compute notes' rate for the model, else the 14B rate scaled by size
    (decoding is bound by reading the weights)."""
    rate = DECODE_RATE.get(model.name)
    return assumed(rate) if rate else assumed("decode_tok_s_14b") * REFERENCE_B / model.params_b


def prefill_tok_s(model: ModelSpec) -> float:
    return assumed("prefill_tok_s_8b") * 8 / model.params_b


def engine_start_h(model: ModelSpec) -> float:
    return (assumed("engine_start_min") + 0.1 * model.params_b) / 60


def training_state_gb(model: ModelSpec) -> float:
    """GB that full fine-tuning holds in pure bf16: weights, gradients and both AdamW states, 2 bytes each."""
    return 8 * model.params_b


def _mu(mean: float, cap: float) -> float:
    """The exponential mean whose mean capped at ``cap`` is ``mean`` (bisection; mean < cap)."""
    lo, hi = mean, 100 * cap
    for _ in range(100):
        mid = (lo + hi) / 2
        if mid * (1 - math.exp(-cap / mid)) < mean:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def mean_new_tokens(benchmark: str, max_new_tokens: int) -> float:
    """Assumed mean generated tokens per sample of ``benchmark`` under the cap ``max_new_tokens``: its object's
    ``mean_tokens``, which holds at the paper's cap."""
    bench = get_benchmark(benchmark)
    if bench.mean_tokens is None:
        raise ReproError(f"the cost model has no output length for benchmark {benchmark!r}",
                         f"give its Benchmark a mean_tokens=Assumed(...) (repro/benchmarks/{benchmark}.py)")
    mu = _mu(bench.mean_tokens.value, bench.paper_cap)
    return mu * (1 - math.exp(-max_new_tokens / mu))


def loglik_tokens(benchmark: str) -> float:
    """Assumed tokens per loglikelihood request of ``benchmark`` (its object's ``loglik_tokens``)."""
    bench = get_benchmark(benchmark)
    per = bench.loglik_tokens if isinstance(bench, LoglikelihoodBenchmark) else None
    if per is None:
        raise ReproError(f"the cost model has no request length for benchmark {benchmark!r}",
                         f"give its Benchmark a loglik_tokens=Assumed(...) (repro/benchmarks/{benchmark}.py)")
    return per.value


def n_questions(gen: GenerationSpec) -> int:
    data = gen.benchmark.data
    return data.limit or data.n_rows or DEFAULT_ROWS


def _rows(spec: TrainSpec) -> int:
    return spec.data.limit or spec.data.n_rows or DEFAULT_ROWS


def _local(seconds: float, what: str) -> Cost:
    return Cost(0.0, seconds / 3600, int(assumed("smoke_disk_bytes")), "", f"CPU (estimate): {what}")


def _other_local(what: str) -> Cost:
    return _local(assumed("smoke_other_s"), f"{what} of a local model")


# --- one estimator per step kind (each kind's estimate in repro.pipeline.kinds calls its own) ---------------
def asset_cost(spec: ModelSpec) -> Cost:
    return _other_local("build")


def train_cost(spec: TrainSpec) -> Cost:
    steps = math.ceil(_rows(spec) / (spec.batch_size * spec.grad_accum)) * spec.epochs
    if spec.model.local:
        return _local(5 + steps * assumed("smoke_train_s_per_step"), f"{steps} training steps")
    b, mode = spec.model.params_b, spec.parsed
    s_step = assumed("lora_s_per_step_14b") * b / REFERENCE_B
    if mode.is_lora:
        s_step *= assumed("reg_step_factor") if mode.regularizer else 1.0
        ckpt_bytes = adapter_params(spec) * assumed("bytes_per_param_adapter_ckpt")
        gpu, what = "H100", f"LoRA ({adapter_params(spec) / 1e6:.2f}M adapter parameters)"
    else:
        s_step *= assumed("full_step_factor")
        ckpt_bytes = b * 1e9 * assumed("bytes_per_param_full_ckpt")
        gpu = "H200" if training_state_gb(spec.model) > assumed("h200_when_over_gb") else "H100"
        what = f"full fine-tuning ({training_state_gb(spec.model):.0f} GB of state: {gpu})"
    save_h = spec.epochs * ckpt_bytes / 1e9 / assumed("save_gb_s") / 3600
    hours = steps * s_step / 3600 + assumed("train_start_min") / 60 + save_h
    return Cost(hours, 0.0, int(spec.epochs * ckpt_bytes), gpu,
                f"{what}: {steps} steps x {s_step:.2f} s + {assumed('train_start_min'):g} min start + {spec.epochs} "
                f"saves of {ckpt_bytes / 1e9:.2f} GB")


def _write_model(model: ModelSpec) -> tuple[float, int]:
    size_gb = model.params_b * assumed("bytes_per_param_model")
    io_h = (size_gb / assumed("merge_read_gb_s") + size_gb / assumed("save_gb_s")) / 3600 + assumed("merge_fixed_min") / 60
    return io_h, int(size_gb * 1e9)


def merge_cost(spec: CheckpointSpec) -> Cost:
    if spec.model.local:
        return _other_local("merge")
    io_h, disk = _write_model(spec.model)
    return Cost(0.0, io_h, disk, "", f"CPU: read {disk / 1e9:.0f} GB base, write {disk / 1e9:.0f} GB merged model")


def _svd_hours(model: ModelSpec) -> float:
    return assumed("svd_min_14b") / 60 * model.params_b / REFERENCE_B


def orthomerge_cost(spec: CheckpointSpec) -> Cost:
    if spec.model.local:
        return _other_local("OrthoMerge")
    io_h, disk = _write_model(spec.model)
    svd_h = _svd_hours(spec.model)
    return Cost(svd_h + io_h, 0.0, disk, "H100",
                f"top-k SVDs of the base weights on GPU ({svd_h * 60:.0f} min) + write {disk / 1e9:.0f} GB merged model")


def geometry_cost(spec: GeometrySpec) -> Cost:
    model = spec.checkpoint.model
    if model.local:
        return _other_local(spec.analysis)
    return Cost(_svd_hours(model), 0.0, 1_000_000, "H100",
                f"{spec.analysis}: per-matrix spectra of {model.params_b:.1f}B parameters on GPU")


def generate_cost(spec: GenerationSpec) -> Cost:
    bench, model, q = spec.benchmark, spec.checkpoint.model, n_questions(spec)
    if model.local:
        batches = math.ceil(q / SMALL_MODEL_BATCH) * bench.decoding.n
        start = assumed("engine_start_cpu_s") if spec.backend == "vllm" else 0.5
        engine = "a vLLM engine" if spec.backend == "vllm" else "HF generate"
        return _local(start + batches * bench.decoding.max_new_tokens * assumed("smoke_decode_s_per_token"),
                      f"{q * bench.decoding.n} samples x {bench.decoding.max_new_tokens} tokens with {engine}")
    if get_benchmark(bench.name).loglikelihood:
        requests = q * assumed("loglik_choices")
        per = loglik_tokens(bench.name)
        rate = prefill_tok_s(model)
        return Cost(requests * per / rate / 3600 + engine_start_h(model), 0.0, int(requests * 200), "H100",
                    f"{requests:.0f} loglikelihood requests x {per:.0f} tokens at {rate:.0f} tokens/s + engine start")
    samples = q * bench.decoding.n
    mean = mean_new_tokens(bench.name, bench.decoding.max_new_tokens)
    rate, tokens = decode_tok_s(model), samples * mean
    disk = int(tokens * assumed("bytes_per_generated_token") + samples * assumed("bytes_per_sample_overhead"))
    return Cost(tokens / rate / 3600 + engine_start_h(model), 0.0, disk, "H100",
                f"{q} questions x {bench.decoding.n} seeds x ~{mean:.0f} tokens (cap {bench.decoding.max_new_tokens}) "
                f"= {tokens / 1e6:.2f}M tokens at {rate:.0f} tokens/s + engine start")


def score_cost(spec: ScoreSpec) -> Cost:
    gen, judge = spec.generation, spec.judge
    bench, benchmark = gen.benchmark, get_benchmark(gen.benchmark.name)
    if gen.checkpoint.model.local:
        return _other_local("scoring")
    samples = n_questions(gen) * (bench.decoding.n if not benchmark.loglikelihood else 1)
    disk = int(samples * 500)
    if benchmark.judge == "safety" and judge is not None:
        prompt = assumed("guard_template_tokens") + mean_new_tokens(bench.name, bench.decoding.max_new_tokens)
        return Cost(samples * prompt / prefill_tok_s(judge.model) / 3600 + engine_start_h(judge.model), 0.0, disk,
                    "H100", f"{samples} {judge.model.label} calls x ~{prompt:.0f} prompt tokens + engine start")
    if benchmark.judge == "math" and judge is not None:
        calls = samples * assumed("aime_judge_fraction")
        tokens = calls * assumed("aime_judge_prompt_tokens")
        return Cost(tokens / prefill_tok_s(judge.model) / 3600 + engine_start_h(judge.model), 0.0, disk, "H100",
                    f"~{calls:.0f} {judge.model.label} calls ({assumed('aime_judge_fraction'):.0%} of {samples} "
                    "samples) + engine start")
    if benchmark.scoring_cpu is not None:  # a scorer that runs code: its assumption's seconds per sample
        name, work = benchmark.scoring_cpu
        return Cost(0.0, samples * assumed(name) / 3600, disk, "",
                    f"CPU: {samples} samples x {assumed(name):g} s of {work}")
    return Cost(0.0, samples * 0.001 / 3600, disk, "", f"CPU: rule-based scoring of {samples} samples")


# --- per step, and summaries -------------------------------------------------------------------------------------
def measured(step: Step, store: ArtifactStore | None) -> tuple[float | None, int | None]:
    """(CPU-hours of wall time, bytes on disk) of a finished step, from its manifest and files."""
    if store is None:
        return None, None
    d = store.step_dir(step.kind, step.key)
    if not d.done:
        return None, None
    try:
        wall = float(d.manifest()["wall_time_s"]) / 3600
    except (ReproError, KeyError, TypeError, ValueError):
        wall = None
    size = sum((Path(root) / f).stat().st_size for root, _, files in os.walk(d.path) for f in files)
    return wall, size


def totals(estimates: list[Estimate], states: dict[StepId, str] | None = None) -> dict:
    """GPU-hours by group and device, CPU-hours, disk; with ``states``, what is left (steps not done)."""
    by_group: dict[str, float] = {}
    by_gpu: dict[str, float] = {}
    for e in estimates:
        by_group[e.group] = by_group.get(e.group, 0.0) + e.gpu_hours
        if e.gpu_hours:
            by_gpu[e.gpu] = by_gpu.get(e.gpu, 0.0) + e.gpu_hours
    out = {
        "steps": len(estimates),
        "gpu_hours": sum(e.gpu_hours for e in estimates),
        "gpu_hours_by_kind": by_group,
        "gpu_hours_by_device": by_gpu,
        "cpu_hours": sum(e.cpu_hours for e in estimates),
        "disk_bytes": sum(e.disk_bytes for e in estimates),
    }
    if states is not None:
        left = [e for e in estimates if states.get(e.step_id) != "done"]
        out.update(steps_left=len(left), gpu_hours_left=sum(e.gpu_hours for e in left),
                   cpu_hours_left=sum(e.cpu_hours for e in left), disk_bytes_left=sum(e.disk_bytes for e in left))
    return out


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable: the loop returns at TB")
