"""Whether a panel's rows can support a verdict, and the counts shown beside every verdict.

A panel is not evaluable (:class:`~repro.figures.claims.evaluation.NotEvaluable`) when

- every value the check compares is 0 or 1 (a score at the floor or the ceiling tells nothing about a
  difference: tiny random models score 0 everywhere);
- more than :data:`MAX_BAD_SHARE` of the samples behind a compared metric are judge parse errors, or were cut at
  the token cap (a safety score of 0 made of unparsed judge replies is not a safety score);
- a compared point rests on fewer than :data:`MIN_QUESTIONS` questions (no interval can be drawn).

The difference a check tests is decided only when its 95% interval (docs/intervals.md) lies on one side of the
threshold; otherwise the panel is "not decidable at this sample size".
"""

from __future__ import annotations

from repro.figures.claims.evaluation import NotEvaluable

MAX_BAD_SHARE = 0.25
MIN_QUESTIONS = 2
NOT_DECIDABLE = "not decidable at this sample size"

# The evidence counts of a row, per metric the check reads: (samples, parse errors, truncated, scorer exceptions).
_SAFETY = ("safety_n", "safety_parse_errors", "safety_responses_truncated", None)
_REASONING = (None, None, "reasoning_truncated", "reasoning_scorer_exceptions")


def _int(row: dict, name: str | None) -> int:
    v = row.get(name) if name else None
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def row_counts(row: dict, metric: str) -> dict[str, int]:
    """Samples, parse errors, truncations and scorer exceptions behind one row's ``metric``."""
    if metric == "safety":
        n, pe, tr, ex = (_int(row, k) for k in _SAFETY)
    else:
        q = _int(row, "reasoning_n_questions") * max(1, _int(row, "reasoning_samples_per_question"))
        n = q * (_int(row, "n_seeds") if row.get("role") == "mean" else 1)
        pe, tr, ex = 0, _int(row, _REASONING[2]), _int(row, _REASONING[3])
    return {"samples": n, "parse_errors": pe, "truncated": tr, "scorer_exceptions": ex}


def counts(rows: list[dict], metrics: tuple[str, ...]) -> dict[str, int]:
    """The evidence counts summed over ``rows`` and the metrics they are read for."""
    total = {"samples": 0, "parse_errors": 0, "truncated": 0, "scorer_exceptions": 0}
    for r in rows:
        for m in metrics:
            for k, v in row_counts(r, m).items():
                total[k] += v
    return total


def counts_words(c: dict[str, int]) -> str:
    return (f"{c['samples']} samples, {c['parse_errors']} parse errors, {c['truncated']} truncated, "
            f"{c['scorer_exceptions']} scorer exceptions")


def check_rows(title: str, rows: list[dict], metrics: tuple[str, ...]) -> None:
    """Raise NotEvaluable when ``rows`` cannot support a verdict on ``metrics`` (see the module's rules)."""
    vals = [r.get(m) for r in rows for m in metrics]
    nums = [v for v in vals if isinstance(v, int | float) and not isinstance(v, bool)]
    if nums and all(v in (0, 1) for v in nums):
        raise NotEvaluable(f"{title}: every compared value is 0 or 1 ({len(nums)} values): no evidence either way")
    for m in metrics:
        for r in rows:
            c = row_counts(r, m)
            if m != "safety" and r.get("reasoning_n_questions") not in (None, "") and \
                    _int(r, "reasoning_n_questions") < MIN_QUESTIONS:
                raise NotEvaluable(f"{title}: {r.get('checkpoint')} rests on {_int(r, 'reasoning_n_questions')} "
                                   f"question(s); a verdict needs at least {MIN_QUESTIONS}")
            if not c["samples"]:
                continue
            for what in ("parse_errors", "truncated"):
                if c[what] > MAX_BAD_SHARE * c["samples"]:
                    raise NotEvaluable(f"{title}: {m} of {r.get('checkpoint')}: {c[what]} of {c['samples']} samples "
                                       f"{what.replace('_', ' ')} (over the {MAX_BAD_SHARE:.0%} a verdict allows)")


def decided(ok: bool, lo: float, hi: float, op: str, m: float) -> bool:
    """Whether the whole interval [lo, hi] of ``left - right`` falls on one side of the check's threshold."""
    if op in ("geq", "gt"):
        edge = -m if op == "geq" else m
        return lo >= edge if ok else hi < edge
    if op in ("leq", "lt"):
        edge = m if op == "leq" else -m
        return hi <= edge if ok else lo > edge
    return (-m <= lo and hi <= m) if ok else (lo > m or hi < -m)
