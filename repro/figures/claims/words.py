"""Number and name formatting shared by the checks' prose (``repro verify`` and the README tables)."""

from __future__ import annotations

import math


def fmt(v: float) -> str:
    """A bound or margin: at most three decimals, trailing zeros dropped, infinities spelled out."""
    return "inf" if v == math.inf else "-inf" if v == -math.inf else f"{v:.3f}".rstrip("0").rstrip(".")


def value(x: float) -> str:
    """An observed number or threshold: always three decimals."""
    return f"{x:.3f}"


def margin_words(margin: float | dict[str, float]) -> str:
    """A margin, or a per-panel margin table as ``0.1 (AIME), 0.05 (elsewhere)``."""
    if isinstance(margin, dict):
        return ", ".join(f"{fmt(v)} ({'elsewhere' if k == '*' else k})" for k, v in margin.items())
    return fmt(margin)


def metric_name(name: str | None) -> str:
    """A row field as a claim names it (``reasoning``: the panel's reasoning score, Pass@1 or accuracy)."""
    return {"reasoning": "reasoning score"}.get(name or "", name or "")


def metric_title(panel: str, metric: str | None) -> str:
    """How a verdict line names what it compares: the panel's title for its reasoning score; for safety, the
    panel's model and "safety" (a safety number is not the reasoning benchmark the panel is titled with)."""
    if metric != "safety":
        return panel
    model, sep, _ = panel.partition(": ")
    return f"{model}: safety" if sep else "safety"
