"""BoolQ (Fig. 12, rebuttal; docs/evaluation.md#overview): lm-eval's super_glue config as the package's task file
repro_boolq (v1.0), validation split, 0-shot loglikelihood multiple choice, metric acc."""

from repro.assets.registry import SUPERGLUE_BOOLQ as DATA
from repro.benchmarks.base import Assumed
from repro.benchmarks.kinds import LoglikelihoodBenchmark

BOOLQ = LoglikelihoodBenchmark(name="boolq", label="BoolQ", data=DATA, prompt="repro_boolq_v1",
                               loglik_tokens=Assumed(180, "passage + question", guess=True))
