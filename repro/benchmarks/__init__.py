"""The benchmarks, one object each (``repro/benchmarks/<name>.py``): data, prompt, decoding, scorer, judge, cost
inputs and labels in one place. Adding a benchmark is its module and its entry below; a benchmark defined outside
the package joins with ``register``. The order is the order lists and help texts show."""

from __future__ import annotations

from repro.benchmarks.aime24 import AIME24
from repro.benchmarks.base import PAPER_SEEDS, Assumed, Benchmark
from repro.benchmarks.beavertails import BEAVERTAILS
from repro.benchmarks.boolq import BOOLQ
from repro.benchmarks.copa import COPA
from repro.benchmarks.gpqa_diamond import GPQA_DIAMOND
from repro.benchmarks.humaneval import HUMANEVAL
from repro.benchmarks.mbpp import MBPP
from repro.benchmarks.strongreject import STRONGREJECT
from repro.errors import ReproError

BENCHMARKS: dict[str, Benchmark] = {b.name: b for b in (
    AIME24, GPQA_DIAMOND, HUMANEVAL, MBPP, STRONGREJECT, BEAVERTAILS, BOOLQ, COPA,
)}


def register(benchmark: Benchmark) -> Benchmark:
    """Add ``benchmark`` to the registry (the same object again is a no-op); returns it."""
    known = BENCHMARKS.get(benchmark.name)
    if known is not None and known != benchmark:
        raise ReproError(f"a different benchmark is already registered as {benchmark.name!r}",
                         "give the new benchmark a name of its own")
    BENCHMARKS[benchmark.name] = benchmark
    return benchmark


def get_benchmark(name: str) -> Benchmark:
    try:
        return BENCHMARKS[name]
    except KeyError:
        raise ReproError(f"unknown benchmark {name!r}", f"known: {', '.join(BENCHMARKS)}") from None


__all__ = ["BENCHMARKS", "PAPER_SEEDS", "Assumed", "Benchmark", "get_benchmark", "register"]
