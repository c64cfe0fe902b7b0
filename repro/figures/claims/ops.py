"""The comparison operators of a check (``geq``, ``leq``, ``gt``, ``lt``, ``approx``) with a margin m >= 0:
their symbols, their prose, and whether ``left OP right`` holds.

``geq`` / ``leq`` / ``approx`` read m as a tolerance, ``gt`` / ``lt`` as a required gap.
"""

from __future__ import annotations

from repro.figures.claims.evaluation import EPS
from repro.figures.claims.words import value

OPS = {"geq": "≥", "leq": "≤", "gt": ">", "lt": "<", "approx": "≈"}


def is_strict(op: str) -> bool:
    """Whether the margin is a required gap (``gt``, ``lt``) rather than a tolerance."""
    return op in ("gt", "lt")


def relation_words(op: str, rhs: str) -> str:
    """``OP rhs`` in words, with m standing for the margin."""
    return {"geq": f"≥ {rhs} − m", "leq": f"≤ {rhs} + m", "gt": f"> {rhs} + m", "lt": f"< {rhs} − m",
            "approx": f"within m of {rhs}"}[op]


def holds(op: str, left: float, right: float, m: float) -> tuple[bool, str]:
    """Whether ``left OP right`` with margin m holds, and the threshold as text."""
    if op == "geq":
        return left >= right - m - EPS, f"≥ {value(right - m)}"
    if op == "leq":
        return left <= right + m + EPS, f"≤ {value(right + m)}"
    if op == "gt":
        return left > right + m + EPS, f"> {value(right + m)}"
    if op == "lt":
        return left < right - m - EPS, f"< {value(right - m)}"
    return abs(left - right) <= m + EPS, f"in [{value(right - m)}, {value(right + m)}]"


def slack(op: str, left: float, right: float, m: float) -> float:
    """How far ``left OP right`` is from failing (negative when it fails); the smallest is the worst."""
    return {"geq": left - right + m, "leq": right + m - left, "gt": left - right - m, "lt": right - m - left,
            "approx": m - abs(left - right)}[op]
