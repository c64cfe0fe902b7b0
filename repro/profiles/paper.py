"""The ``paper`` profile: every setting exactly as docs/README.md#what-each-document-holds states the authors ran it."""

from __future__ import annotations

from dataclasses import dataclass, field

from repro.assets import registry as R
from repro.profiles.base import PAPER_EPOCHS, REG_K_POLICY, Profile, paper_batch_size
from repro.specs import BenchmarkSpec, DecodingSpec, JudgeSpec, ModelSpec, TrainSpec, parse_mode

PAPER_SEEDS = tuple(range(8))  # n = 8: eight runs with seeds 0..7, one sample per question each

PAPER_BENCHMARKS = {
    # StrongREJECT: the paper says greedy (A.2); the code's default was T=1.0/top_p=1.0 (docs/choices.md#1-strongreject-decoding).
    "strongreject": BenchmarkSpec(
        name="strongreject", data=R.STRONGREJECT,
        decoding=DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=2048),
        prompt="chat_user_only_v1", scorer="llama_guard", metric="safety",
    ),
    # BeaverTails (Fig. 11): the same sampling and Llama-Guard pipeline as StrongREJECT (docs/evaluation.md#overview).
    "beavertails": BenchmarkSpec(
        name="beavertails", data=R.BEAVERTAILS_EVAL,
        decoding=DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=2048),
        prompt="chat_user_only_v1", scorer="llama_guard", metric="safety",
    ),
    # AIME 2024: the authors' prompt and their "Problem:" stop (kept, docs/choices.md#15-quirks-kept-and-single-bos).
    "aime24": BenchmarkSpec(
        name="aime24", data=R.AIME24,
        decoding=DecodingSpec(temperature=0.6, top_p=0.95, max_new_tokens=32768, seeds=PAPER_SEEDS,
                              stop=("Problem:",), max_model_len=32768),
        prompt="aime_authors_v1", scorer="aime_authors", metric="pass@1",
    ),
    # GPQA-Diamond: the paper's A.3 prompt; choices permuted per (seed, question).
    "gpqa_diamond": BenchmarkSpec(
        name="gpqa_diamond", data=R.GPQA_DIAMOND,
        decoding=DecodingSpec(temperature=0.6, top_p=0.95, max_new_tokens=32768, seeds=PAPER_SEEDS,
                              stop=("</s>",), max_model_len=32768),
        prompt="gpqa_a3_v1", scorer="gpqa_authors", metric="pass@1",
    ),
    # HumanEval(+) and MBPP(+): no released code; docs/evaluation.md#faithful-reimplementation: EvalPlus's
    # instruct prompt without the response prefix, T 0.6, top_p 0.95, 32768 new tokens, stop at EOS only,
    # n = 8. One generation and one scoring per checkpoint give both the base (Fig. 9) and plus (Fig. 2) tests.
    "humaneval": BenchmarkSpec(
        name="humaneval", data=R.HUMANEVAL_PLUS,
        decoding=DecodingSpec(temperature=0.6, top_p=0.95, max_new_tokens=32768, seeds=PAPER_SEEDS,
                              max_model_len=32768),
        prompt="evalplus_instruct_noprefix_v1", scorer="evalplus", metric="pass@1",
    ),
    "mbpp": BenchmarkSpec(
        name="mbpp", data=R.MBPP_PLUS,
        decoding=DecodingSpec(temperature=0.6, top_p=0.95, max_new_tokens=32768, seeds=PAPER_SEEDS,
                              max_model_len=32768),
        prompt="evalplus_instruct_noprefix_v1", scorer="evalplus", metric="pass@1",
    ),
    # BoolQ and COPA (Fig. 12, rebuttal; docs/evaluation.md#overview): lm-eval's super_glue configs as the package's task files
    # repro_boolq / repro_copa (v1.0), validation split, 0-shot loglikelihood multiple choice, metric acc, no chat
    # template. Nothing is generated: the "generate" step stores each choice's loglikelihood (``decoding`` unused).
    **{name: BenchmarkSpec(
        name=name, data=data, decoding=DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=0),
        prompt=f"repro_{name}_v1", scorer="lmeval_acc", metric="acc",
    ) for name, data in (("boolq", R.SUPERGLUE_BOOLQ), ("copa", R.SUPERGLUE_COPA))},
}


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
