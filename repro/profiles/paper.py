"""The ``paper`` profile: every setting exactly as docs/README.md#what-each-document-holds states the authors ran it."""

from __future__ import annotations

from dataclasses import dataclass, field

from repro.assets import registry as R
from repro.benchmarks import BENCHMARKS
from repro.profiles.base import PAPER_EPOCHS, REG_K_POLICY, Profile, paper_batch_size
from repro.specs import BenchmarkSpec, DecodingSpec, JudgeSpec, ModelSpec, TrainSpec, parse_mode

# Every benchmark at the paper's settings, as its object states them (repro/benchmarks).
PAPER_BENCHMARKS = {name: bench.paper_spec() for name, bench in BENCHMARKS.items()}


@dataclass(frozen=True, eq=False, kw_only=True)
class PaperProfile(Profile):
    name: str = "paper"
    backend: str = "vllm"
    requires_cuda: bool = True
    benchmarks: dict[str, BenchmarkSpec] = field(default_factory=lambda: PAPER_BENCHMARKS)
    description: str = "exact paper settings (docs/README.md#what-each-document-holds): hub models at pinned revisions, vLLM, CUDA GPUs"
    setting_deviations: tuple[str, ...] = (
        "StrongREJECT is decoded greedily as the paper states (A.2); the authors' script default was "
        "temperature 1.0, top_p 1.0 (docs/choices.md#1-strongreject-decoding).",
        "Prompts are passed to vLLM as token ids with a single BOS; the authors' StrongREJECT runs passed "
        "strings and so had a double BOS (their Llama-Guard prompts had one: that tokenizer adds none; "
        "docs/choices.md#15-quirks-kept-and-single-bos).",
    )

    verdict_note = ""  # the paper's own settings: nothing to say above the verdicts

    def model(self, paper_model: ModelSpec) -> ModelSpec:
        return paper_model

    def train(self, paper_model: ModelSpec, mode: str) -> TrainSpec:
        parsed = parse_mode(mode)
        parsed.check_layers(paper_model.num_layers, paper_model.name)
        return TrainSpec(
            model=paper_model, mode=mode, data=R.DIRECT_REFUSAL,
            epochs=PAPER_EPOCHS[parsed.kind], batch_size=paper_batch_size(paper_model, mode),
            # LoRA: bf16 base under fp16 autocast, adapters fp32; full: pure bf16 (docs/settings.md#training).
            precision="bf16_base_fp16_autocast" if parsed.is_lora else "pure_bf16",
            reg_k_policy=REG_K_POLICY if parsed.regularizer else None,
        )

    def judge(self) -> JudgeSpec:
        return JudgeSpec(model=R.LLAMA_GUARD_3_8B,
                         decoding=DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=512),
                         backend=self.backend)

    def math_judge(self) -> JudgeSpec:
        # The authors' check_answers_with_llm: vLLM, fp16, temperature 0, top_k 1, 20 tokens (docs/evaluation.md#overview).
        return JudgeSpec(model=R.QWEN25_32B_INSTRUCT,
                         decoding=DecodingSpec(temperature=0.0, top_p=1.0, top_k=1, max_new_tokens=20),
                         backend=self.backend)


PAPER = PaperProfile()
