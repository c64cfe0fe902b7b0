"""AIME 2024: the authors' prompt and file (30 problems), their "Problem:" stop (kept,
docs/choices.md#15-quirks-kept-and-single-bos), and their metric: a rule on the boxed answer, the maths judge
(Qwen2.5-32B-Instruct in the paper) for boxed answers the rule rejects, math-verify beside it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from repro.assets.registry import AIME24 as DATA
from repro.benchmarks.base import ACCOUNTING, Assumed, Benchmark
from repro.benchmarks.kinds import REASONING_DECODING
from repro.evaluate import prompts

if TYPE_CHECKING:
    from repro.evaluate.scoring import Judge, Scored
    from repro.specs import DatasetSpec


@dataclass(frozen=True, kw_only=True)
class AimeBenchmark(Benchmark):
    judge: ClassVar[str | None] = "math"
    counts: ClassVar[tuple[str, ...]] = (*ACCOUNTING, "n_questions", "n_no_answer", "n_scorer_exceptions",
                                         "n_sent_to_judge", "math_verify_pass_at_1", "n_disagree_with_math_verify",
                                         "pass_at_1_upper")
    from_data: ClassVar[str] = "problem"  # the judge's prompt quotes the problem

    def items(self, rows: list[dict[str, Any]], seed: int) -> list[prompts.Item]:
        return prompts.aime_items(rows)

    def score(self, rows: Sequence[dict[str, Any]], data: DatasetSpec | None, judge: Judge | None = None,
              progress_cb: Callable[[int, int], None] | None = None) -> Scored:
        from repro.evaluate import scoring

        return scoring.score_aime(rows, judge=judge)


AIME24 = AimeBenchmark(
    name="aime24", label="AIME 2024", data=DATA, decoding=replace(REASONING_DECODING, stop=("Problem:",)),
    prompt="aime_authors_v1", scorer="aime_authors", mean_tokens=Assumed(12_000, "docs/compute.md: AIME ~12k"),
)
