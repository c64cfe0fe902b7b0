"""A second, model-free AIME verdict from math-verify, reported beside the authors' metric.

The authors' verdict (``aime.py``: last box, MATH normalisation, Qwen2.5-32B judge on mismatches) is
the reported metric and is never replaced. math-verify parses the same whole response (thinking
included, as the authors' rule sees it) and compares symbolically, so the two columns differ only in
how an answer is compared, not where it is looked for. Where they disagree the per-sample verdicts
say so, and every score reports how often.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class MathVerifyVerdict:
    correct: int  # 1 / 0
    extracted: str | None  # math-verify's string form of the answer it found, None if none
    error: str | None = None


def math_verify_verdict(response: str, target: str) -> MathVerifyVerdict:
    """``verify(parse(gold), parse(response))``, gold first as the library requires."""
    from math_verify import parse, verify

    # math-verify's timeouts use SIGALRM, which exists only in the main thread.
    timeout = 5 if threading.current_thread() is threading.main_thread() else None
    try:
        gold = parse(str(target), parsing_timeout=timeout)
        pred = parse(response, parsing_timeout=timeout)
        ok = bool(pred) and verify(gold, pred, timeout_seconds=timeout)
    except Exception as exc:  # noqa: BLE001  a model-free column must never abort scoring
        return MathVerifyVerdict(0, None, f"{type(exc).__name__}: {exc}")
    extracted = str(pred[-1]) if pred else None
    return MathVerifyVerdict(int(ok), extracted)
