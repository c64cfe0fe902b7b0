"""GPQA scorer: exact parity with the authors' mcq_metric_gpqa.py, plus realistic reasoning outputs.

Expected verdicts of the hand-written cases are derived from the documented rules (docs/evaluation.md#parity-findings,
docs/evaluation.md#gpqa-quirks), not from running the code.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from repro.evaluate.gpqa import (
    GPQAVerdict,
    extract_answer,
    last_boxed_only_string,
    remove_boxed,
    score_gpqa,
    unwrap_letter,
)

PARITY = [json.loads(line) for line in (Path(__file__).parent / "golden/parity/gpqa.jsonl").open()]


@pytest.mark.parametrize("case", PARITY, ids=[c["case_id"] for c in PARITY])
def test_parity(case):
    inputs, expected = case["inputs"], case["authors_output"]
    assert last_boxed_only_string(inputs["response"]) == expected["last_boxed_only_string"]
    verdict = score_gpqa(inputs["response"], inputs["target"])
    assert verdict.target_letter == expected["target_letter"]
    if expected["exception"] is None:
        assert verdict.exception is None
        assert verdict.extracted == expected["extracted"]
        assert verdict.correct == expected["exact_match"]
    else:  # their script aborts; ours scores 0 and records the same exception type
        assert verdict.exception is not None
        assert verdict.exception.split(":")[0] == expected["exception"].split(":")[0]
        assert verdict.correct == 0
        with pytest.raises(
            AssertionError if expected["exception"].startswith("AssertionError") else Exception
        ):
            extract_answer(inputs["response"])


def test_parity_file_is_complete():
    assert len(PARITY) >= 49
    assert len({c["case_id"] for c in PARITY}) == len(PARITY)


# --- realistic reasoning outputs ---------------------------------------------------------------------

THINK = (
    "<think>\nOkay, so I need to figure out which reagent gives the observed product. Let me recall the "
    "mechanism: the enolate attacks the carbonyl, then dehydration. Option A would need a Grignard, which "
    "is incompatible with the ester. Option C looks plausible at first, but the stereochemistry is wrong. "
    "Wait, let me reconsider the regiochemistry... The kinetic enolate forms at the less substituted "
    "carbon, so the double bond ends up conjugated. Hmm, that rules out C. Between B and D, D would give "
    "a six-membered ring, B a five-membered ring; the NMR shows two vinyl protons, so it must be B.\n"
    "</think>\n\n"
)

REALISTIC = [
    # (id, response, target, expected extracted)
    (
        "final_boxed_after_long_think",
        THINK + "The product is the cyclopentenone.\n\nFinal Answer: \\boxed{B}",
        "(B)",
        "B",
    ),
    (
        "two_boxed_last_wins",
        "<think>\nFirst pass: \\boxed{A}. No wait, recheck.\n</think>\n\nFinal Answer: \\boxed{D}",
        "(D)",
        "D",
    ),
    (
        "boxed_in_think_beats_final_text",
        "<think>\nSo \\boxed{A} it is.\n</think>\n\nFinal Answer: B",
        "(B)",
        "A",
    ),
    (
        "answer_only_in_thinking",
        "<think>\nThe splitting pattern means the answer is (B), since\n</think>\n\n"
        "The mechanism proceeds via an SN2 pathway.",
        "(B)",
        "B",
    ),
    ("boxed_text_paren_falls_through_to_none", THINK + "Final Answer: \\boxed{\\text{(B)}}", "(B)", None),
    (
        "boxed_text_paren_but_earlier_text_answer",
        THINK + "The correct answer is (B).\n\nFinal Answer: \\boxed{\\text{(B)}}",
        "(B)",
        "B",
    ),
    ("boxed_textbf_paren_bold_label", THINK + "**Final Answer:** $\\boxed{\\textbf{(C)}}$", "(C)", None),
    ("boxed_mathrm", THINK + "Final Answer: $\\boxed{\\mathrm{C}}$", "(C)", None),
    ("bold_final_answer_line", THINK + "**Final Answer: B**", "(B)", "B"),
    ("bold_label_then_letter", THINK + "**Answer:** B", "(B)", None),
    (
        "truncated_mid_thought",
        "<think>\nLet me compute the energy. E = hc/lambda, so with lambda = 500 nm the",
        "(A)",
        None,
    ),
    (
        "truncated_second_box",
        THINK + "Final Answer: \\boxed{C}\n\nWait, let me re-verify: \\boxed{C",
        "(C)",
        None,
    ),
    # Rule 2 captures the "i" of "is" (its "Final Answer" branch wins): invalid; rule 5 (IGNORECASE) finds D.
    ("the_final_answer_is_paren", THINK + "Putting it together, the final answer is (D).", "(D)", "D"),
    # Only rule 2 reads "Final Answer is": its last capture is "i", and rules 3-5 need "The ... is".
    ("final_answer_is_without_the", THINK + "Final Answer is (D).", "(D)", None),
    (
        "answer_against_then_final_answer",
        "<think>\nI weighed each answer against the data.\n</think>\n\nAnswer: (A)",
        "(A)",
        "A",
    ),
    ("boxed_space_brace", THINK + "Final Answer: \\boxed {C}", "(C)", "C"),
    ("boxed_choice_text", THINK + "Final Answer: \\boxed{B) 10^{-4} M}", "(B)", "B"),
    ("no_think_plain_text", "The answer is C", "(C)", "C"),
    # Rules 3-5 need whitespace after "is": "isn't" is no match, so the earlier "The answer is B" stands.
    ("answer_is_then_answer_isnt", THINK + "The answer is B, because the ring is strained. The answer isn't C.",
     "(B)", "B"),
    # (rule 2, with its \s*, still reads "answer is(B")
    ("the_answer_is_no_space_paren", THINK + "The answer is(B)", "(B)", "B"),
    # Rule 2's \s* crosses the blank line and reads the "A" of "Answer"
    ("correct_answer_is_colon_then_answer_line", THINK + "So the correct answer is:\n\nAnswer: B", "(B)", "A"),
    # Their remove_boxed cuts "\boxed{" and "}" blindly: "text{B" -> T, invalid, on to the text rules
    ("boxed_without_brace", THINK + "The answer is D.\n\nFinal Answer: \\boxed\\text{B}", "(D)", "D"),
    ("fbox_space_brace", THINK + "Final Answer: \\fbox {C}", "(C)", "C"),
    # A bare target letter is read as theirs reads it
    ("bare_target_letter", THINK + "Final Answer: \\boxed{B}", "B", "B"),
    ("bare_lowercase_target", THINK + "Final Answer: \\boxed{C}", " c ", "C"),
]


@pytest.mark.parametrize(
    ("response", "target", "expected"), [c[1:] for c in REALISTIC], ids=[c[0] for c in REALISTIC]
)
def test_realistic_outputs(response, target, expected):
    verdict = score_gpqa(response, target)
    assert verdict.exception is None
    assert verdict.extracted == expected
    assert verdict.correct == int(expected is not None and expected == unwrap_letter(target))


def test_fbox_inside_boxed_is_a_recorded_zero():
    response = THINK + "Final Answer: \\boxed{\\fbox{C}}"
    with pytest.raises(AssertionError):
        extract_answer(response)
    verdict = score_gpqa(response, "(C)")
    assert verdict == GPQAVerdict(None, "C", 0, "AssertionError:")


def test_helpers():
    assert remove_boxed("\\boxed{C}") == "C"
    assert remove_boxed("\\fbox{B}") == "B"
    assert remove_boxed("\\boxed B") == "B"
    assert last_boxed_only_string("no box here") is None
    assert last_boxed_only_string("$\\boxed{\\frac{1}{2}}$ end") == "\\boxed{\\frac{1}{2}}"
    assert unwrap_letter("(C)") == "C"
    assert unwrap_letter("C") == "C" and unwrap_letter(" (c) ") == "C" and unwrap_letter("") is None


def test_scorers_import_no_torch():
    code = (
        "import sys; import repro.evaluate.gpqa, repro.evaluate.aime, repro.evaluate.guard, "
        "repro.evaluate.passk; assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


ROBUST = [
    # (response, robust letter): where the robust column reads differently from the authors' rules
    ("the correct answer is:\n\nAnswer: B", "B"),
    ("<think>\nSo \\boxed{A} it is.\n</think>\n\nFinal Answer: B", "B"),
    (THINK + "Final Answer: \\boxed{\\text{(B)}}", "B"),
    (THINK + "**Final Answer:** $\\boxed{\\textbf{(C)}}$", "C"),
    (THINK + "Final Answer: **B**", "B"),
    (THINK + "The correct answer is option D", "D"),
    (THINK + "Answer \u2014 B", "B"),
    (THINK + "Final Answer: B (Answer verified)", "B"),
    (THINK + "Answer: Based on the data, none", None),
    (THINK + "Answer: c", None),
    ("<think>\nthe answer is (B), since\n</think>\n\nThe mechanism is SN2.", None),
    ("<think>\nLet me compute the energy", None),
    (THINK + "Final Answer: \\boxed{B) 10^{-4} M}", "B"),
    (THINK + "Final Answer: \\boxed {C}", "C"),
    (THINK + "Final Answer: \\boxed{Cyclohexanone}", None),
    (THINK + "The answer is B, because x. The answer isn't C.", "B"),
]


@pytest.mark.parametrize(("response", "expected"), ROBUST, ids=[f"robust{i}" for i in range(len(ROBUST))])
def test_robust_extraction(response, expected):
    from repro.evaluate.gpqa_robust import extract_answer_robust

    assert extract_answer_robust(response) == expected
