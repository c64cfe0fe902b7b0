"""The ``\\boxed{...}`` helpers the authors' AIME and GPQA scorers share (the MATH / lm-eval ones, with their
quirks kept: docs/evaluation.md), and how a scorer records an exception their code would raise."""

from __future__ import annotations


def last_boxed_only_string(s: str) -> str | None:
    """The last ``\\boxed{...}`` (braces balanced) of ``s``, as the MATH/lm-eval helper finds it.

    Quirks kept (docs/evaluation.md#parity-findings):
    - any ``"\\boxed "`` (with a space) anywhere switches to the text after the LAST such occurrence,
      up to the next ``$`` (or the end), so an early ``\\boxed A`` overrides a final ``\\boxed{D}``;
    - ``\\fbox`` is searched only when ``\\boxed`` does not occur at all;
    - the brace scan starts at the last ``\\boxed``; if it never closes (truncated ``\\boxed{B``) the
      result is None even when an earlier complete box exists.
    """
    if "\\boxed " in s:
        return "\\boxed " + s.split("\\boxed ")[-1].split("$")[0]
    start = s.rfind("\\boxed")
    if start < 0:
        start = s.rfind("\\fbox")
        if start < 0:
            return None
    depth = 0
    for i in range(start, len(s)):
        if s[i] == "{":
            depth += 1
        elif s[i] == "}":
            depth -= 1
            if depth == 0:
                return s[start : i + 1]
    return None


def remove_boxed(s: str) -> str:
    """Strip the ``\\fbox{``/``"\\boxed "``/``\\boxed{`` wrapper, in that order, as theirs.

    The ``\\fbox{`` test comes first and is a substring test on the whole span, so both
    ``\\boxed{\\fbox{C}}`` and a bare ``\\boxed`` mention followed by ``\\fbox{C}`` (a ``"\\boxed "``
    span containing ``\\fbox{``) raise AssertionError, while ``\\fbox{B}`` and ``\\boxed B`` do not
    (docs/evaluation.md#gpqa-quirks). The last branch only cuts seven characters off the front and
    one off the end, with no check: ``\\boxed\\text{B}`` gives ``"text{B"`` and ``\\fbox {C}`` gives
    ``"C"``, never an exception.
    """
    if "\\fbox{" in s:
        left = "\\fbox{"
        assert s.startswith(left)
        assert s.endswith("}")
        return s[len(left) : -1]
    if "\\boxed " in s:
        left = "\\boxed "
        assert s.startswith(left)
        return s[len(left) :]
    return s[len("\\boxed{") : -1]


def format_exception(exc: BaseException) -> str:
    """``"ExcType: msg"``; ``"AssertionError:"`` for a bare assert, as the parity data record it."""
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else f"{type(exc).__name__}:"
