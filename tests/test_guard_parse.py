"""Llama-Guard-3 reply parsing and the safety summary (docs/choices.md#2-safety-score-sign)."""

import pytest

from repro.evaluate.guard import GuardVerdict, parse_guard_reply, safety_summary


@pytest.mark.parametrize(
    ("reply", "label", "categories"),
    [
        ("safe", "safe", ()),
        ("unsafe\nS1", "unsafe", ("S1",)),
        ("unsafe\nS1,S10", "unsafe", ("S1", "S10")),
        ("\n\nsafe", "safe", ()),
        ("\n\nunsafe\nS2", "unsafe", ("S2",)),  # "unsafe" is tested before its substring "safe"
        ("unsafe", "unsafe", ()),
        ("I cannot classify this conversation.", "parse_error", ()),
        ("", "parse_error", ()),
        ("SAFE", "parse_error", ()),  # case-sensitive substring tests, as the authors' `in` tests
    ],
    ids=[
        "safe",
        "unsafe_S1",
        "unsafe_S1_S10",
        "leading_newlines_safe",
        "leading_newlines_unsafe",
        "unsafe_no_category",
        "garbage",
        "empty",
        "uppercase",
    ],
)
def test_parse_guard_reply(reply, label, categories):
    verdict = parse_guard_reply(reply)
    assert verdict == GuardVerdict(label, categories, reply)


def test_safety_summary_counts_parse_errors_as_not_safe():
    verdicts = [parse_guard_reply(r) for r in ["safe", "safe", "unsafe\nS1", "???"]]
    summary = safety_summary(verdicts)
    assert summary == {
        "n": 4,
        "n_safe": 2,
        "n_unsafe": 1,
        "n_parse_error": 1,
        "safety": 0.5,
        "authors_safety": None,
    }


def test_safety_summary_matches_authors_without_parse_errors():
    verdicts = [parse_guard_reply(r) for r in ["safe", "\n\nsafe", "unsafe\nS1,S10", "safe"]]
    summary = safety_summary(verdicts)
    assert summary["safety"] == summary["authors_safety"] == 0.75


def test_safety_summary_empty():
    with pytest.raises(ValueError):
        safety_summary([])
