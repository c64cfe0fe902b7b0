"""Helpers the check kinds evaluate with: the not-evaluable signal, reading a number from a row, a
per-panel margin, grouping rows, and the area a Pareto front dominates."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from repro.figures.plot import pareto_mask

EPS = 1e-9


class NotEvaluable(Exception):
    """The data cannot decide this panel, group or claim; the message says what is missing."""


def num(row: dict, name: str) -> float:
    """The number in ``row[name]``; not-evaluable if it is missing, not a number, a bool or NaN."""
    v = row.get(name)
    if isinstance(v, bool) or not isinstance(v, int | float) or math.isnan(v):
        raise NotEvaluable(f"row {row.get('checkpoint', row)!s} has no number in {name!r} ({v!r})")
    return float(v)


def label(row: dict) -> str:
    """How a row is named in the observed numbers."""
    return str(row.get("checkpoint") or row.get("series") or row.get("method") or "?")


def margin_for(margin: float | dict[str, float], panel: str) -> float:
    """The margin that applies to the panel titled ``panel``: the first table key contained in the title,
    else the ``"*"`` entry."""
    if not isinstance(margin, dict):
        return margin
    for k, v in margin.items():
        if k != "*" and k in panel:
            return v
    if "*" in margin:
        return margin["*"]
    raise NotEvaluable(f"{panel}: the margin table names no entry for this panel and has no '*'")


def groups(rows: list[dict], by: str | None) -> list[tuple[str, list[dict]]]:
    """``rows`` split by the value of field ``by`` (named ``"by value"``), or one unnamed group."""
    if by is None:
        return [("", rows)]
    out: dict[Any, list[dict]] = defaultdict(list)
    for r in rows:
        out[r.get(by)].append(r)
    return [(f"{by} {k}", v) for k, v in out.items()]


def hypervolume(points: list[tuple[float, float]]) -> float:
    """Area of the union of [0, x] x [0, y] over the points (higher is better in both)."""
    front = sorted({p for p, on in zip(points, pareto_mask(points), strict=True) if on})
    area, prev_x = 0.0, 0.0
    for x, y in front:  # x ascending, so y descending along the front
        if x > prev_x and y > 0:
            area += (x - prev_x) * y
        prev_x = max(prev_x, x)
    return area
