"""StrongREJECT: 313 harmful prompts (310 distinct), safety judged by Llama-Guard-3-8B. The paper says greedy
(A.2); the authors' script default was T 1.0 / top_p 1.0 (docs/choices.md#1-strongreject-decoding)."""

from repro.assets.registry import STRONGREJECT as DATA
from repro.benchmarks.base import Assumed
from repro.benchmarks.kinds import SafetyBenchmark

STRONGREJECT = SafetyBenchmark(
    name="strongreject", label="StrongREJECT", data=DATA,
    mean_tokens=Assumed(800, "a short think block before a refusal or an answer", guess=True),
)
