"""AIME scorer, faithful to the authors' ``math_metric_llm_eval_general.py`` (the reported metric).

Re-implemented from the documented behaviour (docs/evaluation.md#aime-scoring, and
docs/evaluation.md#aime-quirks), not from their source. Pipeline for one sample:

  1. ``resp_answer`` = content of the last ``\\boxed`` (``\\fbox`` if no ``\\boxed``), thinking included;
     no box -> wrong, no judge call.
  2. Rule: MATH ``strip_string`` on both sides, string equality (``is_equiv``). Match -> correct.
  3. Otherwise the boxed string alone goes to the Qwen2.5-32B-Instruct judge (:func:`build_judge_prompt`),
     whose reply is parsed by :func:`parse_judge_reply`; None counts as 0.

Quirks kept (docs/evaluation.md#parity-findings), all of which shaped the paper's numbers:
- no leading-zero stripping: target ``"025"`` vs ``\\boxed{25}`` fails the rule and goes to the judge;
- ``"\\boxed "`` (space) path, truncated trailing box -> None, ``\\boxed{\\fbox{204}}`` raises
  (shared with the GPQA scorer: :mod:`repro.evaluate.gpqa`);
- ``strip_string`` may raise (AssertionError, IndexError, ValueError); ``is_equiv`` then compares the
  raw strings.
"""

from __future__ import annotations

from dataclasses import dataclass

# The authors' AIME and GPQA files carry the same boxed helpers; one implementation serves both
# (identical behaviour on every parity case of both files).
from repro.evaluate.boxed import format_exception, last_boxed_only_string, remove_boxed

__all__ = [
    "JUDGE_LLM_KWARGS",
    "JUDGE_SAMPLING",
    "JUDGE_SYSTEM",
    "AIMERuleVerdict",
    "build_judge_prompt",
    "final_verdict",
    "fix_a_slash_b",
    "fix_fracs",
    "fix_sqrt",
    "is_equiv",
    "last_boxed_only_string",
    "parse_judge_reply",
    "remove_boxed",
    "remove_right_units",
    "score_aime_rule",
    "strip_string",
]


# --- MATH-style normalisation (Hendrycks et al., as vendored in lm-eval and the authors' file) --------


def fix_fracs(s: str) -> str:
    """``\\frac12`` -> ``\\frac{1}{2}``, ``\\frac1{72}`` -> ``\\frac{1}{72}``.

    A ``\\frac`` followed by one character returns the input unchanged; a trailing bare ``\\frac``
    raises IndexError (kept: it makes ``is_equiv`` fall back to raw equality).
    """
    head, *tails = s.split("\\frac")
    out = head
    for tail in tails:
        out += "\\frac"
        if tail[0] == "{":  # IndexError on an empty tail, as theirs
            out += tail
            continue
        if len(tail) < 2:
            return s
        a, b, rest = tail[0], tail[1], tail[2:]
        out += "{" + a + "}" + (b if b == "{" else "{" + b + "}") + rest
    return out


def fix_a_slash_b(s: str) -> str:
    """``"1/2"`` -> ``\\frac{1}{2}`` for plain integers. A non-integer side raises ValueError: only the
    round-trip assertion is caught there (docs/evaluation.md#aime-quirks), so ``is_equiv`` falls back."""
    parts = s.split("/")
    if len(parts) != 2:
        return s
    a, b = int(parts[0]), int(parts[1])  # ValueError propagates on purpose
    if s != f"{a}/{b}":
        return s
    return "\\frac{" + str(a) + "}{" + str(b) + "}"


def remove_right_units(s: str) -> str:
    """Drop everything from ``"\\text{ "`` on (units). Two such units raise AssertionError."""
    if "\\text{ " not in s:
        return s
    parts = s.split("\\text{ ")
    assert len(parts) == 2
    return parts[0]


def fix_sqrt(s: str) -> str:
    """``\\sqrt3`` -> ``\\sqrt{3}``; a trailing bare ``\\sqrt`` raises IndexError (kept)."""
    if "\\sqrt" not in s:
        return s
    head, *tails = s.split("\\sqrt")
    out = head
    for tail in tails:
        out += "\\sqrt" + tail if tail[0] == "{" else "\\sqrt{" + tail[0] + "}" + tail[1:]
    return out


def strip_string(s: str) -> str:
    """MATH normalisation, step for step (order matters; e.g. units go before spaces are removed).

    Deliberately absent, because the authors' scorer lacks them (docs/evaluation.md#parity-findings): leading-zero stripping,
    "204." / "204.0" -> "204", and removal of \\text{..}, \\mathbf{..}, outer braces, "\\," or commas.
    """
    s = s.replace("\n", "").replace("\\!", "").replace("\\\\", "\\")
    s = s.replace("tfrac", "frac").replace("dfrac", "frac")
    s = s.replace("\\left", "").replace("\\right", "")  # \left(204\right) -> (204): no match, kept
    s = s.replace("^{\\circ}", "").replace("^\\circ", "")
    s = s.replace("\\$", "")
    s = remove_right_units(s)  # "\text{ 204}" -> "" (kept: parity aime_boxed_text_leading_space)
    s = s.replace("\\%", "")
    s = s.replace(" .", " 0.").replace("{.", "{0.")
    if not s:
        return s
    if s[0] == ".":
        s = "0" + s
    lhs_rhs = s.split("=")
    if len(lhs_rhs) == 2 and len(lhs_rhs[0]) <= 2:  # "x = 204", "n=204"; not "m+n=204"
        s = lhs_rhs[1]
    s = fix_sqrt(s)
    s = s.replace(" ", "")
    s = fix_fracs(s)
    if s == "0.5":
        s = "\\frac{1}{2}"
    return fix_a_slash_b(s)


def is_equiv(a: str | None, b: str | None) -> bool:
    """Equality after ``strip_string``; raw equality if normalising either side raises."""
    if a is None and b is None:
        return True
    if a is None or b is None:
        return False
    try:
        return strip_string(a) == strip_string(b)
    except Exception:  # noqa: BLE001 -- their fallback, kept
        return a == b


# --- rule verdict ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AIMERuleVerdict:
    resp_answer: str | None  # boxed content, None when there is no (complete) box
    rule_equiv: bool
    sent_to_judge: bool  # a boxed answer exists and the rule failed: exactly what their judge sees
    verdict: int | None  # 1 / 0, or None = "needs the LLM judge"
    exception: str | None = None  # set where their code raises; the sample then scores 0


def score_aime_rule(response: str, target: str) -> AIMERuleVerdict:
    """Rule stage of the authors' loop. Where their code raises (``\\boxed{\\fbox{204}}``; it would
    abort the run) the sample scores 0, is not judged, and the exception is recorded (docs/evaluation.md#parity-findings)."""
    boxed = last_boxed_only_string(response)
    if boxed is None:
        return AIMERuleVerdict(None, False, False, 0)
    try:
        answer = remove_boxed(boxed)
    except Exception as exc:  # noqa: BLE001
        return AIMERuleVerdict(None, False, False, 0, format_exception(exc))
    if is_equiv(answer, target):
        return AIMERuleVerdict(answer, True, False, 1)
    # "A boxed answer exists" means not None: an empty \boxed{} is judged too.
    return AIMERuleVerdict(answer, False, True, None)


def final_verdict(rule: AIMERuleVerdict, judge_result: int | None) -> int:
    """The 0/1 that enters ``llm_check_result_accuracy``: the rule verdict, else the judge's (None -> 0)."""
    if rule.verdict is not None:
        return rule.verdict
    return 1 if judge_result == 1 else 0


# --- the LLM judge (prompt and reply parsing only; the model comes through the generate layer) --------

JUDGE_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
_JUDGE_USER = (
    "Given a math problem, its correct answer, and the model's generated answer, determine if the "
    "model's generated answer is correct. Respond with 'True' if the answer is correct and 'False' if "
    "it is incorrect. Directly provide your judgement 'True' or 'False' without any other description."
    "\nProblem: {problem}\nCorrect Answer: {answer}\nModel's Generated Answer: {model_answer}"
    "\nYour judgement:"
)
# As recorded by the parity judge-parse cases (vLLM SamplingParams and LLM constructor arguments).
JUDGE_SAMPLING = {"temperature": 0.0, "top_p": 1.0, "top_k": 1, "max_tokens": 20}
JUDGE_LLM_KWARGS = {"model": "Qwen/Qwen2.5-32B-Instruct", "dtype": "float16", "tensor_parallel_size": 4}


def build_judge_prompt(problem: str, answer: str, model_answer: str) -> str:
    """The raw ChatML string their judge receives. It sees only the boxed string, not the reasoning."""
    user = _JUDGE_USER.format(problem=problem, answer=answer, model_answer=model_answer)
    return (
        f"<|im_start|>system\n{JUDGE_SYSTEM}<|im_end|>\n"
        f"<|im_start|>user\n{user}<|im_end|>\n"
        "<|im_start|>assistant\n"
    )


def parse_judge_reply(text: str) -> int | None:
    """Case-sensitive substring tests, "True" first: "Not True" -> 1, "False.\\nTrue" -> 1,
    "TRUE"/"false"/"" -> None (counted as 0). Kept as is (docs/evaluation.md#parity-findings); keep the raw text beside it."""
    if "True" in text:
        return 1
    if "False" in text:
        return 0
    return None
