"""HumanEval(+) (docs/evaluation.md#faithful-reimplementation): no released code; EvalPlus's instruct prompt
without the response prefix, T 0.6, top_p 0.95, 32768 new tokens, stop at EOS only, n = 8. One generation and one
scoring per checkpoint give both the base (Fig. 9) and the plus (Fig. 2) tests."""

from repro.assets.registry import HUMANEVAL_PLUS as DATA
from repro.benchmarks.kinds import CodeBenchmark

HUMANEVAL = CodeBenchmark(name="humaneval", label="HumanEval", data=DATA)
