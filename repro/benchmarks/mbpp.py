"""MBPP(+) (docs/evaluation.md#faithful-reimplementation): the MBPP+ v0.2.0 release, EvalPlus's instruct prompt
without the response prefix, the paper's reasoning sampling (n = 8); one scoring gives the base and plus tests."""

from repro.assets.registry import MBPP_PLUS as DATA
from repro.benchmarks.kinds import CodeBenchmark

MBPP = CodeBenchmark(name="mbpp", label="MBPP", data=DATA)
