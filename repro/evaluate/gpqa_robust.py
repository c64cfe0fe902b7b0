"""A second GPQA verdict, reported beside the authors' (``gpqa.py``), as math-verify is beside AIME's.

The authors' verdict is the reported metric and is never replaced. This one reads the letter the
way a careful reader would (docs/evaluation.md#robust-gpqa-column):

1. **Where**: the text after the last ``</think>`` when the response has one (the final answer, not
   a letter tried on the way); else the whole response.
2. **Box**: the last ``\\boxed{..}``/``\\fbox{..}`` there (either, whichever comes last; ``\\boxed {X}``
   and ``\\boxed X`` too), unwrapped from ``\\text``/``\\textbf``/``\\mathrm``/``\\mathbf`` and
   parentheses; it counts when it is one letter A-D (either case) alone or followed by its choice
   text (``B) 10^{-4} M``, ``(C) ...``).
3. **Text**, when no box gives a letter: markdown emphasis removed, the last "answer"/"final
   answer"/"correct answer/option/choice" phrase (``is``, ``:``, ``-``, ``=`` or a dash after it, then an
   optional "option"/"choice" and bracket) followed by an upper-case A-D that stands alone as a
   word. So "the correct answer is:\\n\\nAnswer: B" gives B (not the "A" of "Answer"),
   "Final Answer: **B**" and "The correct answer is option D" give their letters, "Answer: Based on"
   and "answer against" give nothing.
"""

from __future__ import annotations

import re

THINK_END = "</think>"
_BOX = re.compile(r"\\(?:boxed|fbox)\s*")
_WRAPPER = re.compile(r"\\(?:textbf|textit|textrm|text|mathrm|mathbf|mathit|mbox|bf)\s*")
_BOXED_LETTER = re.compile(r"\(?([A-Da-d])(?:\)|[\s.:,]|$)")
_EMPHASIS = re.compile(r"\*\*|__")
_TEXT = re.compile(
    r"(?i:final\s+answer|correct\s+(?:answer|option|choice)|answer)"
    r"(?i:\s+is\s*:?|\s*[:=\-\u2013\u2014])?\s*(?i:(?:option|choice)\s*)?[\(\[]?\s*([A-D])(?![A-Za-z0-9])"
)


def _boxes(text: str) -> list[str]:
    """The contents of every complete box of ``text``, in order: braced (balanced) or one bare token."""
    out = []
    for m in _BOX.finditer(text):
        i = m.end()
        if i < len(text) and text[i] == "{":
            depth = 0
            for j in range(i, len(text)):
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                if depth == 0:
                    out.append(text[i + 1 : j])
                    break
        elif m.group(0).endswith(" ") and i < len(text):
            out.append(text[i:].split(None, 1)[0].split("$")[0])
    return out


def _box_letter(content: str) -> str | None:
    inner = _WRAPPER.sub("", content).replace("{", "").replace("}", "").replace("$", "").strip()
    inner = _EMPHASIS.sub("", inner).strip()
    match = _BOXED_LETTER.match(inner)
    return match.group(1).upper() if match else None


def extract_answer_robust(response: str) -> str | None:
    """The letter A-D of the final answer, or None (see the module docstring for the rules)."""
    region = response.rsplit(THINK_END, 1)[1] if THINK_END in response else response
    boxes = _boxes(region)
    if boxes:
        letter = _box_letter(boxes[-1])
        if letter is not None:
            return letter
    matches = _TEXT.findall(_EMPHASIS.sub("", region))
    return matches[-1] if matches else None
