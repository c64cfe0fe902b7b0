"""Pass@1 with n samples per question (docs/evaluation.md#pass1).

The paper's n=8 is eight separate runs with seeds 0..7, one sample per question per run. Pass@1 is
the mean over questions of the fraction of correct samples, which equals the mean of the per-seed
accuracies. Because AIME has only 30 questions, the spread over seeds is reported too (docs/README.md#pitfalls-the-package-guards-against).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence

from repro.errors import ReproError


def pass_at_1(correct_by_question: Mapping[str, Sequence[int]], seeds: Sequence[int] | None = None) -> dict:
    """``{question_id: [0/1 per sample]}`` -> pass@1 and sample counts.

    With ``seeds`` (sample i was drawn with seeds[i]), also ``per_seed_accuracy`` ({seed: accuracy})
    and ``per_seed_std`` (sample standard deviation over seeds, None for a single seed).
    Raises ValueError on no questions, unequal sample counts (naming the question), values other
    than 0/1, or a ``seeds`` list of the wrong length or with repeats.
    """
    if not correct_by_question:
        raise ValueError("pass_at_1: no questions")
    counts = {q: len(s) for q, s in correct_by_question.items()}
    first_q, n = next(iter(counts.items()))
    for q, k in counts.items():
        if k != n:
            raise ValueError(f"pass_at_1: question {q!r} has {k} samples, but {first_q!r} has {n}")
        if k == 0:
            raise ValueError(f"pass_at_1: question {q!r} has no samples")
    for q, samples in correct_by_question.items():
        if any(c not in (0, 1) for c in samples):
            raise ValueError(f"pass_at_1: question {q!r} has a value other than 0/1: {list(samples)}")

    out: dict = {
        "pass@1": statistics.fmean(sum(s) / n for s in correct_by_question.values()),
        "n_questions": len(correct_by_question),
        "n_samples_per_question": n,
    }
    if seeds is not None:
        if len(seeds) != n:
            raise ValueError(f"pass_at_1: {len(seeds)} seeds given for {n} samples per question")
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"pass_at_1: repeated seeds in {list(seeds)}")
        acc = {
            seed: statistics.fmean(s[i] for s in correct_by_question.values()) for i, seed in enumerate(seeds)
        }
        out["per_seed_accuracy"] = acc
        out["per_seed_std"] = statistics.stdev(acc.values()) if n > 1 else None
    return out


def sample_seeds(rows: Sequence[dict]) -> list[int]:
    """Each row's sample index: its ``seed`` when rows carry one, else its order among the rows with
    the same id (so a file of repeated samples without seeds still gives pass@1 over n)."""
    if all("seed" in r for r in rows):
        return [int(r["seed"]) for r in rows]
    if any("seed" in r for r in rows):
        raise ReproError("some rows carry a 'seed' and some do not", "give every row a seed, or none")
    seen: dict[str, int] = defaultdict(int)
    out = []
    for r in rows:
        out.append(seen[r["id"]])
        seen[r["id"]] += 1
    return out


def pass_at_1_summary(verdicts: Sequence[dict], key: str = "correct") -> dict:
    """pass@1 over the verdicts' ``seed`` field: mean over questions of the fraction correct."""
    seeds = sorted({v["seed"] for v in verdicts})
    by_q: dict[str, dict[int, int]] = defaultdict(dict)
    for v in verdicts:
        if v["seed"] in by_q[v["id"]]:
            raise ReproError(f"question {v['id']!r} has two samples with seed {v['seed']}",
                             "each (id, seed) must appear once")
        by_q[v["id"]][v["seed"]] = v[key]
    missing = [(q, sorted(set(seeds) - set(s))) for q, s in by_q.items() if set(s) != set(seeds)]
    if missing:
        q, m = missing[0]
        raise ReproError(f"question {q!r} lacks samples for seeds {m} ({len(missing)} questions incomplete)",
                         "score complete generation files: every question needs every seed")
    result = pass_at_1({q: [s[seed] for seed in seeds] for q, s in by_q.items()}, seeds=seeds)
    return {"metric": "pass@1", "value": result["pass@1"], **result}
