"""COPA (Fig. 12, rebuttal): lm-eval's super_glue config as the package's task file repro_copa (v1.0), validation
split, 0-shot loglikelihood multiple choice, metric acc."""

from repro.assets.registry import SUPERGLUE_COPA as DATA
from repro.benchmarks.base import Assumed
from repro.benchmarks.kinds import LoglikelihoodBenchmark

COPA = LoglikelihoodBenchmark(name="copa", label="COPA", data=DATA, prompt="repro_copa_v1",
                              loglik_tokens=Assumed(40, guess=True))
