"""What a benchmark is: one frozen object that owns everything the pipeline, the profiles, the cost model and the
figures ask of it. Its paper data and decoding give the paper's BenchmarkSpec (``paper_spec``), the hashed spec that
keys its generations and scorings; a profile changes only the data (a fixture, a size) and the decoding
(``spec(data=..., decoding=...)``).

Behaviour shared by several benchmarks sits in the classes of ``kinds.py`` (safety, code, loglikelihood); a
module per benchmark makes its one object (with a class of its own where no kind fits), and
``repro/benchmarks/__init__.py`` lists it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from repro.errors import ReproError
from repro.specs import BenchmarkSpec, DatasetSpec, DecodingSpec

if TYPE_CHECKING:
    from repro.evaluate.prompts import Item
    from repro.evaluate.scoring import Judge, Scored

# n = 8: the paper's reasoning benchmarks are sampled with seeds 0..7, one sample per question each.
PAPER_SEEDS = tuple(range(8))
# The counts every scorer reports (repro/evaluate/scoring.py), beside a benchmark's own.
ACCOUNTING = ("n", "n_truncated")


@dataclass(frozen=True)
class Assumed:
    """A cost-model input of a benchmark and where it comes from (``guess``: no source gives it); the cost model's
    assumption list (`repro plan --json`) shows it with the others."""

    value: float
    source: str = ""
    guess: bool = False


@dataclass(frozen=True, kw_only=True)
class Benchmark:
    """One benchmark. ``label`` names it on figure axes; ``prompt`` (the template id), ``scorer`` and the paper's
    ``data`` and ``decoding`` are what its BenchmarkSpec hashes; ``metric`` is what a figure plots of its score;
    ``mean_tokens`` is the cost model's mean output length at the paper's cap (``paper_cap``)."""

    name: str
    label: str
    data: DatasetSpec
    decoding: DecodingSpec
    prompt: str
    scorer: str
    metric: str = "pass@1"
    mean_tokens: Assumed | None = None

    # Behaviour of the kind: no loglikelihoods (text is generated), no judge ("safety": the profile's safety judge,
    # required; "math": its maths judge, optional), the y axis' metric words, the counts the scorer reports.
    loglikelihood: ClassVar[bool] = False
    judge: ClassVar[str | None] = None
    metric_label: ClassVar[str] = "Pass@1"
    counts: ClassVar[tuple[str, ...]] = ACCOUNTING
    # A scorer that runs code: (the cost model's assumption of CPU seconds per sample, what those seconds do).
    scoring_cpu: ClassVar[tuple[str, str] | None] = None

    # --- the spec ------------------------------------------------------------------------------------
    def paper_spec(self) -> BenchmarkSpec:
        """The paper's settings as the spec that keys this benchmark's generations and scorings."""
        return BenchmarkSpec(name=self.name, data=self.data, decoding=self.decoding, prompt=self.prompt,
                             scorer=self.scorer, metric=self.metric)

    def spec(self, data: DatasetSpec | None = None, decoding: DecodingSpec | None = None,
             **decoding_changes: Any) -> BenchmarkSpec:
        """A profile's settings: the paper's, with other ``data`` and ``decoding`` (``decoding_changes`` replace
        fields of the decoding, e.g. ``seeds=(0, 1)``); prompt and scorer stay the benchmark's."""
        decoding = replace(decoding or self.decoding, **decoding_changes)
        return replace(self.paper_spec(), data=data or self.data, decoding=decoding)

    @property
    def revision(self) -> str:
        return self.data.revision

    @property
    def paper_cap(self) -> int:
        """The paper's token cap, at which ``mean_tokens`` holds."""
        return self.decoding.max_new_tokens

    @property
    def lmeval_task(self) -> str | None:
        """The package's lm-eval task file that renders this benchmark (repro/evaluate/tasks), where it has one."""
        from repro.evaluate.lmeval import TASKS

        return TASKS.get(self.name)

    # --- prompts and scoring ---------------------------------------------------------------------------
    def items(self, rows: list[dict[str, Any]], seed: int) -> list[Item]:
        """The chat requests of the data ``rows`` for sampling seed ``seed``."""
        raise ReproError(f"{self.name} generates no text", "its generate step stores loglikelihoods instead")

    def score(self, rows: Sequence[dict[str, Any]], data: DatasetSpec | None, judge: Judge | None = None,
              progress_cb: Callable[[int, int], None] | None = None) -> Scored:
        """Verdicts and summary of the generated ``rows`` (data: the profile's, where the scorer reads it)."""
        raise NotImplementedError

    def check_counts(self, summary: dict[str, Any]) -> None:
        """Every count this benchmark's scorer reports is in ``summary`` (the figures' CSVs read them)."""
        missing = [c for c in self.counts if c not in summary]
        if missing:
            raise ReproError(f"the {self.scorer} scorer of {self.name} reported no {', '.join(missing)}",
                             f"make {type(self).__name__}.score report them")

    # --- rescoring responses generated elsewhere (`repro score`) ---------------------------------------
    # What a response line takes from the benchmark's data: "target" (only when it has none), "problem" (always,
    # for the judge; lines with unknown ids keep their own target) or "prompt" (always; every id must be known).
    from_data: ClassVar[str] = "target"

    def with_gold(self, rows: list[dict[str, Any]], data: DatasetSpec) -> list[dict[str, Any]]:
        """Response lines completed with target, prompt and problem from the benchmark's ``data``."""
        if all("target" in r for r in rows) and self.from_data == "target":
            return rows
        from repro.assets.datasets import load_rows

        source = load_rows(data)
        cache: dict[int, dict[str, Item]] = {}
        out = []
        for r in rows:
            seed = int(r.get("seed", 0))
            if seed not in cache:
                cache[seed] = {it.id: it for it in self.items(source, seed)}
            it = cache[seed].get(r["id"])
            if it is None:
                if "target" in r and self.from_data != "prompt":
                    out.append(r)
                    continue
                raise ReproError(f"unknown {self.name} id {r['id']!r}",
                                 f"ids look like: {', '.join(list(cache[seed])[:3])}, ...")
            out.append({"prompt": it.user, "meta": it.meta, **r, **({} if "target" in r else {"target": it.target})})
        return out

    def rescore(self, rows: list[dict[str, Any]], data: DatasetSpec, judge: Judge | None) -> Scored:
        return self.score(self.with_gold(rows, data), data, judge)

    # --- figures ---------------------------------------------------------------------------------------
    def y_key(self, tests: str = "plus") -> str:
        """Which number of the score summary a figure plots."""
        return "value"

    def axis_label(self, tests: str = "plus") -> str:
        return self.label
