"""The 95% intervals of docs/intervals.md: the two-stage bootstrap against exact cases, and the fields a figure
writes."""

from __future__ import annotations

import pytest
from scipy.stats import binom

from repro.figures import intervals


@pytest.mark.parametrize(("n", "k"), [(30, 9), (198, 99), (40, 2)])
def test_one_sample_per_question_is_the_binomial_interval(n, k):
    # one sample per question: a bootstrap draw's mean is Binomial(n, k/n) / n exactly, so the percentile
    # interval is that binomial's 2.5% and 97.5% quantiles (up to the Monte Carlo error of 20000 draws)
    lo, hi, se = intervals.bootstrap([[1.0]] * k + [[0.0]] * (n - k), n_boot=20000)
    p = k / n
    assert lo == pytest.approx(binom.ppf(0.025, n, p) / n, abs=1.01 / n)
    assert hi == pytest.approx(binom.ppf(0.975, n, p) / n, abs=1.01 / n)
    assert se == pytest.approx((p * (1 - p) / n) ** 0.5, rel=0.03)


def test_seeds_are_resampled_within_their_question():
    # every question answered the same by all its seeds: resampling seeds changes nothing, so the interval is the
    # one of one sample per question; a question split 1/0 across seeds widens it
    same = intervals.bootstrap([[1.0] * 8] * 10 + [[0.0] * 8] * 20)
    one = intervals.bootstrap([[1.0]] * 10 + [[0.0]] * 20)
    assert same == one
    mixed = intervals.bootstrap([[1.0, 0.0] * 4] * 30, n_boot=4000)
    assert mixed[0] < 0.5 < mixed[1] and mixed[2] == pytest.approx(0.5 / (30 * 8) ** 0.5, rel=0.1)


def test_the_bootstrap_seed_is_fixed_and_stated():
    groups = [[1.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    assert intervals.bootstrap(groups) == intervals.bootstrap(groups)
    assert intervals.bootstrap(groups) != intervals.bootstrap(groups, seed=intervals.BOOTSTRAP_SEED + 1)


def test_all_correct_or_all_wrong_has_a_zero_width_interval():
    assert intervals.bootstrap([[1.0, 1.0]] * 5)[:2] == (1.0, 1.0)
    assert intervals.bootstrap([[0.0]] * 5)[:2] == (0.0, 0.0)
    assert intervals.interval([]) == {"lo": None, "hi": None, "se": None}


def test_verdict_fields_per_metric():
    v = [{"id": "q1", "seed": 0, "correct": 1}, {"id": "q1", "seed": 1, "correct": 0},
         {"id": "q2", "seed": 0, "correct": 1, "plus_pass": False}]
    assert intervals.sample_values(v) == {"q1": [1.0, 0.0], "q2": [1.0]}
    assert intervals.sample_values(v, "plus_pass@1")["q2"] == [0.0]
    safety = [{"id": "s/0", "label": "safe"}, {"id": "s/1", "label": "parse_error"}, {"id": "s/2", "label": "unsafe"}]
    assert intervals.sample_values(safety) == {"s/0": [1.0], "s/1": [0.0], "s/2": [0.0]}  # a parse error is not safe


def test_mean_and_difference_intervals():
    m = intervals.mean_interval([0.5, 0.7], [0.03, 0.04])
    assert m["se"] == pytest.approx(0.025) and m["lo"] == pytest.approx(0.6 - intervals.Z * 0.025, abs=1e-6)
    lo, hi = intervals.difference_interval(0.6, 0.03, 0.5, 0.04)
    assert (lo + hi) / 2 == pytest.approx(0.1) and hi - lo == pytest.approx(2 * intervals.Z * 0.05)
    assert intervals.difference_interval(0.0, 0.1, 1.0, 0.1)[0] == -1.0  # clipped to the scale


def test_front_areas_match_the_claims_hypervolume_and_move_with_their_points():
    import numpy as np

    from repro.figures.claims import hypervolume

    rng = np.random.default_rng(0)
    for _ in range(50):
        pts = rng.random((int(rng.integers(1, 9)), 2))
        assert intervals.areas(pts) == pytest.approx(hypervolume([tuple(p) for p in pts]))
    pts = [(0.2, 0.9), (0.6, 0.5), (0.9, 0.1)]
    assert intervals.area_se(pts, [(0.0, 0.0)] * 3) == pytest.approx(0.0, abs=1e-12)
    one = intervals.area_se([(0.5, 0.5)], [(0.02, 0.0)])  # area = x * 0.5: its se is 0.5 * 0.02
    assert one == pytest.approx(0.01, rel=0.05)
