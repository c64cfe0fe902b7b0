"""GPQA scorer, faithful to the authors' ``mcq_metric_gpqa.py`` (the paper's GPQA numbers).

Re-implemented from the documented behaviour (docs/evaluation.md#gpqa-scoring, and
docs/evaluation.md#parity-findings), not from their source. Every quirk below is kept on purpose because it
produced the reported numbers (docs/choices.md#parity-policy "the paper profile reproduces the authors' verdicts
exactly"); the robust alternative is a separate column (``gpqa_robust.py``, docs/evaluation.md#robust-gpqa-column).

Order of rules in :func:`extract_answer`:
  1. The last ``\\boxed{..}`` anywhere (thinking included); ``\\fbox`` only when there is no ``\\boxed``
     at all. The first A-Z letter of the upper-cased content counts if it is A-D.
  2.-5. Four case-insensitive text rules; for each rule only its LAST match counts, and the captured
     letter must be an uppercase A-D.
Where their code raises (``\\boxed{\\fbox{C}}``), :func:`extract_answer` raises the same exception
type; :func:`score_gpqa` turns that into a 0 with the exception recorded (never aborts a run).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from repro.evaluate.boxed import format_exception, last_boxed_only_string, remove_boxed

_VALID = frozenset("ABCD")

# Rules 2-5. IGNORECASE on the words AND on the letter class, so "Answer: c" matches and captures
# "c", which is then rejected (must be uppercase A-D): docs/evaluation.md#parity-findings. The letter class is [A-Z], not
# [A-D]: "Final Answer: B (Answer verified)" -> None in the parity data, because the last rule-2
# match captures the "v" of "verified". Rule 2 has ``\s*``: "Final Answer:\nD" -> D in the parity data, and
# "the correct answer is:\n\nAnswer: B" -> A, the "A" of "Answer" (that match consumes it, so "Answer: B"
# never matches). Rules 3-5 have ``\s+``: "The answer is B, because ... The answer isn't C." -> B, since
# "isn't" gives rule 3 no match. "The final answer is A" makes rule 2 capture the "i" of "is" (the
# "Final Answer" branch wins), which is why rule 5 exists at all.
_TEXT_RULES = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"(?:Final Answer|Answer(?: is)?):?\s*\(?([A-Z])\)?",
        r"The answer is\s+\(?([A-Z])\)?",
        r"The correct answer is\s+\(?([A-Z])\)?",
        r"The final answer is\s+\(?([A-Z])\)?",
    )
)
_FIRST_LETTER = re.compile(r"[A-Z]")


def unwrap_letter(target: str) -> str | None:
    """The first letter A-Z of the stripped, upper-cased string, as theirs: ``"(C)"`` -> C (lm-eval's
    target format), ``"B"`` -> B, ``" (c) "`` -> C, ``"\\text{B}"`` -> T; None if it has no letter. The
    same function reads a box's content (:func:`extract_answer`)."""
    match = _FIRST_LETTER.search(target.strip().upper())
    return match.group(0) if match else None


def extract_answer(response: str) -> str | None:
    """The letter A-D the authors' scorer reads from ``response`` (whole output, thinking included)."""
    boxed = last_boxed_only_string(response)
    if boxed is not None:
        # First A-Z character of the upper-cased content: \boxed{c} -> C, \boxed{Cyclohexanone} -> C,
        # but \boxed{\text{B}} -> T (invalid), which falls through to the text rules (docs/evaluation.md#parity-findings).
        letter = unwrap_letter(remove_boxed(boxed))
        if letter in _VALID:
            return letter
    for rule in _TEXT_RULES:
        matches = rule.findall(response)
        # Only the last match of a rule counts; a lowercase or non A-D capture moves to the next rule.
        if matches and matches[-1] in _VALID:
            return matches[-1]
    return None


@dataclass(frozen=True)
class GPQAVerdict:
    extracted: str | None
    target_letter: str | None
    correct: int  # 0 or 1: exact_match in their main loop
    exception: str | None = None  # set where their code raises; the sample then scores 0


def score_gpqa(response: str, target: str) -> GPQAVerdict:
    """Score one sample. Where the authors' code would raise (and abort the whole file), the sample
    scores 0 and the exception is recorded instead (docs/choices.md#parity-policy)."""
    target_letter = unwrap_letter(target)
    try:
        extracted = extract_answer(response)
    except Exception as exc:  # noqa: BLE001 -- any crash of the faithful path is a recorded 0
        return GPQAVerdict(None, target_letter, 0, format_exception(exc))
    correct = int(extracted is not None and extracted == target_letter)
    return GPQAVerdict(extracted, target_letter, correct)
