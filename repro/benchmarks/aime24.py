"""AIME 2024: the authors' prompt and file (30 problems), their "Problem:" stop (kept,
docs/choices.md#15-quirks-kept-and-single-bos), and their metric: a rule on the boxed answer, the maths judge
(Qwen2.5-32B-Instruct in the paper) for boxed answers the rule rejects, math-verify beside it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from repro.assets.registry import AIME24 as DATA
from repro.benchmarks.base import ACCOUNTING, Assumed, Benchmark
from repro.benchmarks.kinds import REASONING_DECODING
from repro.evaluate import prompts


@dataclass(frozen=True, kw_only=True)
class AimeBenchmark(Benchmark):
    judge: ClassVar[str | None] = "math"
    counts: ClassVar[tuple[str, ...]] = (*ACCOUNTING, "n_questions", "n_no_answer", "n_scorer_exceptions",
                                         "n_sent_to_judge", "math_verify_pass_at_1", "n_disagree_with_math_verify",
                                         "pass_at_1_upper")
    from_data: ClassVar[str] = "problem"  # the judge's prompt quotes the problem

    def items(self, rows, seed):
        return prompts.aime_items(rows)

    def score(self, rows, data, judge=None, progress_cb=None):
        from repro.evaluate import scoring

        return scoring.score_aime(rows, judge=judge)


AIME24 = AimeBenchmark(
    name="aime24", label="AIME 2024", data=DATA, decoding=replace(REASONING_DECODING, stop=("Problem:",)),
    prompt="aime_authors_v1", scorer="aime_authors", mean_tokens=Assumed(12_000, "docs/compute.md: AIME ~12k"),
)
