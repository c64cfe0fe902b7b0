"""AIME scorer: exact parity with the authors' math_metric_llm_eval_general.py, plus realistic outputs.

Expected verdicts of the hand-written cases are derived from the documented rules (docs/evaluation.md#parity-findings,
docs/evaluation.md#aime-quirks), not from running the code.
"""

import json
from pathlib import Path

import pytest

from repro.evaluate.aime import (
    JUDGE_SAMPLING,
    AIMERuleVerdict,
    build_judge_prompt,
    final_verdict,
    is_equiv,
    last_boxed_only_string,
    parse_judge_reply,
    score_aime_rule,
    strip_string,
)
from repro.evaluate.gpqa import format_exception

ALL = [json.loads(line) for line in (Path(__file__).parent / "golden/parity/aime.jsonl").open()]
SCORING = [c for c in ALL if "response" in c["inputs"]]
JUDGE_PARSE = [c for c in ALL if "judge_raw_output" in c["inputs"]]


def _strip_or_exception(s):
    try:
        return strip_string(s), None
    except Exception as exc:  # noqa: BLE001
        return None, format_exception(exc)


@pytest.mark.parametrize("case", SCORING, ids=[c["case_id"] for c in SCORING])
def test_parity_scoring(case):
    inputs, expected = case["inputs"], case["authors_output"]
    response, target = inputs["response"], inputs["target"]
    assert last_boxed_only_string(response) == expected["last_boxed_only_string"]
    verdict = score_aime_rule(response, target)
    if expected["exception"] is not None:
        assert verdict.exception.split(":")[0] == expected["exception"].split(":")[0]
        assert verdict.verdict == 0 and not verdict.sent_to_judge
        return
    assert verdict.exception is None
    assert verdict.resp_answer == expected["resp_answer"]
    assert verdict.rule_equiv == expected["rule_equiv"]
    assert int(verdict.rule_equiv) == expected["exact_match"]
    assert verdict.sent_to_judge == expected["sent_to_judge"]
    assert (verdict.verdict if verdict.verdict is not None else "JUDGE") == expected[
        "llm_check_result_if_not_judged"
    ]
    if "strip_string_resp" in expected:
        stripped, exc = _strip_or_exception(verdict.resp_answer)
        assert stripped == expected["strip_string_resp"]
        assert exc == expected["strip_string_resp_exception"]
        assert strip_string(target) == expected["strip_string_target"]
        assert is_equiv(verdict.resp_answer, target) == expected["rule_equiv"]
    if verdict.sent_to_judge:
        assert (
            build_judge_prompt(inputs["problem"], target, verdict.resp_answer) == expected["judge_input_text"]
        )
    else:
        assert "judge_input_text" not in expected


@pytest.mark.parametrize("case", JUDGE_PARSE, ids=[c["case_id"] for c in JUDGE_PARSE])
def test_parity_judge_parse(case):
    raw, expected = case["inputs"]["judge_raw_output"], case["authors_output"]
    assert parse_judge_reply(raw) == expected["llm_check_result"]
    assert parse_judge_reply(raw.strip()) == expected["llm_check_result"]
    assert (parse_judge_reply(raw) or 0) == expected["counted_as"]
    assert JUDGE_SAMPLING == expected["judge_sampling_params"]


def test_parity_file_is_complete():
    assert len(SCORING) >= 33 and len(JUDGE_PARSE) >= 8


# --- realistic reasoning outputs ---------------------------------------------------------------------

THINK = (
    "<think>\nLet me define the walking speed s in km/h and the coffee-shop time t in minutes. From the "
    "first condition 9/s + t/60 = 4, and from the second 9/(s+2) + t/60 = 2.4. Subtracting gives "
    "9/s - 9/(s+2) = 1.6, so 18 = 1.6 s(s+2), i.e. s^2 + 2s - 11.25 = 0, so s = 2.5. Then t = 24. "
    "At s + 1/2 = 3 km/h the walk takes 3 hours, plus 24 minutes.\n</think>\n\n"
)

REALISTIC = [
    # (id, response, target, resp_answer, rule_equiv, sent_to_judge, verdict)
    (
        "long_think_tentative_then_final",
        "<think>\nMaybe \\boxed{33}? No, I double counted.\n"
        + THINK[8:]
        + "**Final Answer:** $\\boxed{204}$",
        "204",
        "204",
        True,
        False,
        1,
    ),
    (
        "answer_only_in_thinking",
        "<think>\nSo the total is \\boxed{204}.\n</think>\n\nThe walk takes 204 minutes.",
        "204",
        "204",
        True,
        False,
        1,
    ),
    (
        "truncated_second_box",
        THINK + "Final Answer: \\boxed{204}. Let me double-check: \\boxed{20",
        "204",
        None,
        False,
        False,
        0,
    ),
    ("truncated_in_thinking", "<think>\nLet me set up 9/s + t/60 = 4 and", "204", None, False, False, 0),
    (
        "text_without_space_not_units",
        THINK + "\\boxed{\\text{204 minutes}}",
        "204",
        "\\text{204 minutes}",
        False,
        True,
        None,
    ),
    (
        "units_with_space_stripped",
        THINK + "\\boxed{204 \\text{ minutes}}",
        "204",
        "204 \\text{ minutes}",
        True,
        False,
        1,
    ),
    ("zero_padded_target_unpadded_answer", THINK + "\\boxed{73}", "073", "73", False, True, None),
    ("zero_padded_target_padded_answer", THINK + "\\boxed{073}", "073", "073", True, False, 1),
    ("m_plus_n_lhs_too_long", THINK + "\\boxed{m+n=204}", "204", "m+n=204", False, True, None),
    ("slash_strip_raises_then_raw_compare", THINK + "\\boxed{a/b}", "204", "a/b", False, True, None),
    ("empty_box_still_judged", THINK + "\\boxed{}", "204", "", False, True, None),
    (
        "bold_then_boxed_check_value_last",
        THINK + "**Answer: \\boxed{204}**\n\nCheck: t = \\boxed{24}.",
        "204",
        "24",
        False,
        True,
        None,
    ),
]


@pytest.mark.parametrize(
    ("response", "target", "resp_answer", "rule_equiv", "sent", "verdict"),
    [c[1:] for c in REALISTIC],
    ids=[c[0] for c in REALISTIC],
)
def test_realistic_outputs(response, target, resp_answer, rule_equiv, sent, verdict):
    assert score_aime_rule(response, target) == AIMERuleVerdict(resp_answer, rule_equiv, sent, verdict)


def test_fbox_inside_boxed_is_a_recorded_zero():
    response = THINK + "Final Answer: \\boxed{\\fbox{204}}"
    assert score_aime_rule(response, "204") == AIMERuleVerdict(None, False, False, 0, "AssertionError:")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("a/b", ValueError),
        ("3\\sqrt", IndexError),
        ("2\\frac", IndexError),
        ("1\\text{ a}\\text{ b}", AssertionError),
    ],
)
def test_strip_string_raises_and_is_equiv_falls_back(text, error):
    with pytest.raises(error):
        strip_string(text)
    assert is_equiv(text, text) and not is_equiv(text, text + " ")


def test_strip_string_forms():
    assert strip_string("\\frac1{72}") == "\\frac{1}{72}"
    assert strip_string(".5") == "\\frac{1}{2}"  # "0" is prepended, then the 0.5 special case
    assert strip_string("k = \\sqrt2") == "\\sqrt{2}"
    assert strip_string("\\frac{2}{4}") != strip_string("\\frac{1}{2}")
    assert is_equiv(None, None) and not is_equiv("204", None)


def test_final_verdict_and_judge():
    judged = AIMERuleVerdict("25", False, True, None)
    assert final_verdict(judged, 1) == 1
    assert final_verdict(judged, 0) == 0
    assert final_verdict(judged, None) == 0  # unparseable reply counts as wrong
    assert final_verdict(AIMERuleVerdict("204", True, False, 1), 0) == 1  # rule verdicts are never judged
    for reply, expected in [
        ("True", 1),
        (" False\n", 0),
        ("The answer is True.", 1),
        ("false", None),
        ("", None),
    ]:
        assert parse_judge_reply(reply) == expected


def test_judge_prompt_shape():
    prompt = build_judge_prompt("What is $1+1$?", "2", "2.0")
    assert prompt.startswith("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud.")
    assert prompt.endswith(
        "\nProblem: What is $1+1$?\nCorrect Answer: 2\nModel's Generated Answer: 2.0\n"
        "Your judgement:<|im_end|>\n<|im_start|>assistant\n"
    )


