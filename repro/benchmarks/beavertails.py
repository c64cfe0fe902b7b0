"""BeaverTails (Fig. 11): the same sampling and Llama-Guard pipeline as StrongREJECT (docs/evaluation.md#overview),
on the 700-prompt evaluation set (docs/choices.md#17-rebuttal-figures-10-12)."""

from repro.assets.registry import BEAVERTAILS_EVAL as DATA
from repro.benchmarks.base import Assumed
from repro.benchmarks.kinds import SafetyBenchmark

BEAVERTAILS = SafetyBenchmark(
    name="beavertails", label="BeaverTails", data=DATA,
    mean_tokens=Assumed(800, "as StrongREJECT (same models, same kind of prompt)", guess=True),
)
