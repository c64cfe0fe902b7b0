"""GPQA-Diamond: the paper's A.3 prompt, the choices permuted per (seed, question)
(docs/choices.md#16-gpqa-choice-order-across-seeds), the authors' five extraction rules with a robust verdict
beside them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from repro.assets.registry import GPQA_DIAMOND as DATA
from repro.benchmarks.base import ACCOUNTING, Assumed, Benchmark
from repro.benchmarks.kinds import REASONING_DECODING
from repro.errors import ReproError
from repro.evaluate import prompts

if TYPE_CHECKING:
    from repro.evaluate.scoring import Judge, Scored
    from repro.specs import DatasetSpec


@dataclass(frozen=True, kw_only=True)
class GpqaBenchmark(Benchmark):
    counts: ClassVar[tuple[str, ...]] = (*ACCOUNTING, "n_questions", "n_no_answer", "n_scorer_exceptions",
                                         "robust_pass_at_1", "n_disagree_with_robust")

    def items(self, rows: list[dict[str, Any]], seed: int) -> list[prompts.Item]:
        return prompts.gpqa_items(rows, seed)

    def score(self, rows: Sequence[dict[str, Any]], data: DatasetSpec | None, judge: Judge | None = None,
              progress_cb: Callable[[int, int], None] | None = None) -> Scored:
        from repro.evaluate import scoring

        return scoring.score_gpqa(rows)

    def with_gold(self, rows: list[dict[str, Any]], data: DatasetSpec) -> list[dict[str, Any]]:
        for r in rows:
            if "target" not in r and "seed" not in r:
                raise ReproError(f"GPQA line {r['id']!r} has neither a seed nor a target",
                                 "the choice order depends on the seed: add the sample's seed (or its target)")
        return super().with_gold(rows, data)


GPQA_DIAMOND = GpqaBenchmark(
    name="gpqa_diamond", label="GPQA-Diamond", data=DATA, decoding=replace(REASONING_DECODING, stop=("</s>",)),
    prompt="gpqa_a3_v1", scorer="gpqa_authors", mean_tokens=Assumed(6_000, "docs/compute.md: GPQA ~6k"),
)
