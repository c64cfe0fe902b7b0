"""Pass@1 over n seeded samples per question (docs/evaluation.md#overview)."""

import pytest

from repro.evaluate.passk import pass_at_1


def test_pass_at_1_is_mean_of_per_question_fractions_and_of_per_seed_accuracies():
    correct = {"q1": [1, 1, 0, 0], "q2": [1, 1, 1, 1], "q3": [0, 0, 0, 1]}
    out = pass_at_1(correct, seeds=[0, 1, 2, 3])
    assert out["pass@1"] == pytest.approx((0.5 + 1.0 + 0.25) / 3)
    assert out["n_questions"] == 3 and out["n_samples_per_question"] == 4
    assert out["per_seed_accuracy"] == pytest.approx({0: 2 / 3, 1: 2 / 3, 2: 1 / 3, 3: 2 / 3})
    assert sum(out["per_seed_accuracy"].values()) / 4 == pytest.approx(out["pass@1"])
    assert out["per_seed_std"] == pytest.approx(
        ((3 * (2 / 3 - 7 / 12) ** 2 + (1 / 3 - 7 / 12) ** 2) / 3) ** 0.5
    )


def test_without_seeds_no_per_seed_fields():
    out = pass_at_1({"a": [True, False]})
    assert out == {"pass@1": 0.5, "n_questions": 1, "n_samples_per_question": 2}


def test_single_seed_has_no_std():
    assert pass_at_1({"a": [1], "b": [0]}, seeds=[7])["per_seed_std"] is None


@pytest.mark.parametrize(
    ("correct", "seeds", "message"),
    [
        ({"q1": [1, 0], "q2": [1]}, None, "q2"),
        ({}, None, "no questions"),
        ({"q1": []}, None, "no samples"),
        ({"q1": [1, 2]}, None, "0/1"),
        ({"q1": [1, 0]}, [0], "seeds"),
        ({"q1": [1, 0]}, [3, 3], "repeated"),
    ],
    ids=["unequal_counts", "empty", "no_samples", "not_binary", "wrong_seed_count", "repeated_seeds"],
)
def test_rejects_bad_input(correct, seeds, message):
    with pytest.raises(ValueError, match=message):
        pass_at_1(correct, seeds=seeds)
