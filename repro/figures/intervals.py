"""95% intervals on a figure point's scores (docs/intervals.md).

A point's score is a mean over questions of the mean over that question's samples (seeds). Its interval is a
percentile bootstrap in two stages, with a fixed seed (:data:`BOOTSTRAP_SEED`) so that a figure renders the same
numbers every time: draw the questions with replacement, then, inside each drawn question, its samples with
replacement; the score of each of :data:`N_BOOTSTRAP` draws; the 2.5% and 97.5% quantiles of those scores.

The per-sample verdicts are the score step's ``verdicts.jsonl``: a sample is correct (1) or not (0) by the field
the metric reads (:func:`sample_values`). A point that averages several training seeds (a ``mean`` row) combines
its seeds' intervals as independent estimates (:func:`mean_interval`); a claim's difference of two points combines
theirs the same way (:func:`difference_interval`), which is wider than a paired bootstrap would give (the two
points answer the same questions), never narrower.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

BOOTSTRAP_SEED = 20250723
N_BOOTSTRAP = 2000
LEVEL = 0.95
Z = 1.959963984540054  # the standard normal's 97.5% quantile

# The per-sample field a score's number is the mean of (Llama-Guard's label is read as safe or not).
_FIELD = {"value": "correct", "plus_pass@1": "plus_pass", "base_pass@1": "base_pass"}


def sample_values(verdicts: Sequence[dict], y_key: str = "value") -> dict[str, list[float]]:
    """Each question's per-sample values (1 correct or safe, 0 not), keyed by question id, in file order."""
    out: dict[str, list[float]] = defaultdict(list)
    for v in verdicts:
        if "label" in v and "correct" not in v:  # a safety verdict: only "safe" counts (a parse error never does)
            x = 1.0 if v["label"] == "safe" else 0.0
        else:
            x = float(bool(v.get(_FIELD.get(y_key, y_key), 0)))
        out[str(v["id"])].append(x)
    return dict(out)


def bootstrap(groups: Sequence[Sequence[float]], n_boot: int = N_BOOTSTRAP, seed: int = BOOTSTRAP_SEED,
              level: float = LEVEL) -> tuple[float, float, float]:
    """(low, high, standard error) of the mean over questions of each question's mean, by the two-stage bootstrap
    (questions, then samples within each drawn question)."""
    import numpy as np

    groups = [list(g) for g in groups if len(g)]
    if not groups:
        return math.nan, math.nan, math.nan
    rng = np.random.default_rng(seed)
    k = max(len(g) for g in groups)
    vals = np.full((len(groups), k), np.nan)
    for i, g in enumerate(groups):
        vals[i, :len(g)] = g
    sizes = np.array([len(g) for g in groups])
    q = rng.integers(0, len(groups), size=(n_boot, len(groups)))  # questions drawn, per replicate
    # samples drawn within each drawn question: an index below that question's own sample count
    s = (rng.random((n_boot, len(groups), k)) * sizes[q][:, :, None]).astype(int)
    keep = np.arange(k)[None, None, :] < sizes[q][:, :, None]  # a question with fewer samples draws fewer
    drawn = np.where(keep, vals[q[:, :, None], s], 0.0)
    per_q = drawn.sum(axis=2) / sizes[q]
    reps = per_q.mean(axis=1)
    a = (1 - level) / 2
    lo, hi = np.quantile(reps, [a, 1 - a])
    return float(lo), float(hi), float(reps.std(ddof=1)) if n_boot > 1 else 0.0


def interval(verdicts: Sequence[dict], y_key: str = "value") -> dict:
    """The point's interval fields: ``lo``, ``hi``, ``se`` (rounded to 6 places)."""
    lo, hi, se = bootstrap(list(sample_values(verdicts, y_key).values()))
    return {"lo": _r(lo), "hi": _r(hi), "se": _r(se)}


def mean_interval(means: Sequence[float], ses: Sequence[float]) -> dict:
    """The interval of the mean of several independent estimates with standard errors ``ses`` (normal, clipped to
    [0, 1])."""
    if not means or any(x is None for x in ses):
        return {"lo": None, "hi": None, "se": None}
    m = sum(means) / len(means)
    se = math.sqrt(sum(x * x for x in ses)) / len(ses)
    return {"lo": _r(max(0.0, m - Z * se)), "hi": _r(min(1.0, m + Z * se)), "se": _r(se)}


def difference_interval(left: float, left_se: float, right: float, right_se: float) -> tuple[float, float]:
    """95% interval of ``left - right`` for two independent estimates (normal approximation, clipped to [-1, 1])."""
    d, se = left - right, math.hypot(left_se, right_se)
    return max(-1.0, d - Z * se), min(1.0, d + Z * se)


def _r(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 6)


def areas(points):
    """The area each set of points dominates in the unit square from the origin (a Pareto front's hypervolume),
    for arrays of shape (..., n, 2): sorted by x descending, each x-strip is as high as the highest point to its
    right."""
    import numpy as np

    p = np.asarray(points, dtype=float)
    order = np.argsort(-p[..., 0], axis=-1)
    xs = np.take_along_axis(p[..., 0], order, axis=-1)
    ys = np.maximum.accumulate(np.take_along_axis(p[..., 1], order, axis=-1), axis=-1)
    nxt = np.concatenate([xs[..., 1:], np.zeros(xs.shape[:-1] + (1,))], axis=-1)
    return ((xs - nxt).clip(0) * ys.clip(0)).sum(axis=-1)


def area_se(points: Sequence[tuple[float, float]], ses: Sequence[tuple[float, float]],
            n_draws: int = N_BOOTSTRAP, seed: int = BOOTSTRAP_SEED) -> float:
    """The standard error of a front's area when each point moves by its own (safety, reasoning) standard errors:
    a parametric bootstrap (each coordinate normal around its value, clipped to [0, 1]), fixed seed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    p, s = np.asarray(points, dtype=float), np.asarray(ses, dtype=float)
    draws = (p[None] + s[None] * rng.standard_normal((n_draws, *p.shape))).clip(0.0, 1.0)
    return float(areas(draws).std(ddof=1))
