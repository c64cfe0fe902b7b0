"""EvalPlus's ``code_extract`` with a bounded cost: the same span, found without the cubic search.

EvalPlus 0.3.1 (``evalplus/sanitize.py``) returns the first line span ``lines[i..j]`` (``j > i``, by
``i`` then ``j``) with the most non-blank lines that ``ast.parse`` accepts, or the first line when no
span beats zero. It tries every span, each parsed from scratch: O(n^2) parses of O(n) text. A reasoning
model's answer of 32,768 tokens has thousands of lines, so that search (and a simple pruning of it)
can run for minutes on one sample, outside any sandbox limit.

:func:`longest_parsing_span` returns the same span. ``ast.parse`` is linear in its input, so the cost
is the number and the length of the spans parsed; the search parses few, chosen by these exact facts:

1. **Count bound.** A start ``i`` can only win with more than ``best`` non-blank lines after it; once
   the lines left cannot beat ``best`` the search ends (the bound only falls as ``i`` grows).
2. **Hard errors are final.** A span whose error is not "incomplete input" (CPython's REPL flag: the
   parser needed more lines) fails for every longer span from the same start, so every end at or
   past a hard failure is out. Ends before the largest end that parses are beaten by it (a longer
   span has at least as many non-blank lines). So for each start only the largest parsing end
   matters, and any probing order that ends with every end above it ruled out finds it. The order
   used: ends ``i+1, i+2, i+4, ...`` until a hard error (or the last line), then a search between the
   largest end that parsed and the smallest that failed hard, trying first the line CPython reported
   the error on and the end just below the failure, then the middle. On realistic text (prose with
   code blocks) this is O(log n) parses of one block per start instead of one parse per line.
3. **Open brackets and strings.** When a span is incomplete because a bracket or a triple-quoted
   string opened on line ``q`` is still open at its end, it is open at the end of every span from the
   same start ending on ``q`` or later, up to that end: all those ends are out at once.
4. **Statement boundaries.** If ``lines[i..k-1]`` parses and ``lines[k..j]`` parses, their join parses
   (a module is a sequence of statements; the first part leaves no bracket, string or indent open).
   So once start ``i`` is searched, a later start ``k`` that begins a top-level statement of a span
   from ``i`` that parsed (or a blank or comment line before it) cannot do better than ``i`` did:
   every span from ``k`` extends to one from ``i`` with more lines. Such starts are skipped, which
   keeps a long block of top-level statements from being searched once per statement.

The tie rule (first ``i``, then first ``j`` with the winning count) is kept: starts go in order and
must beat ``best`` strictly, and among ends with the winning count (trailing blank lines) the first
that parses is taken.

Facts 2 and 3 need CPython's error lines to be our line numbers: a lone ``\\r`` is a line break to
CPython and not to ``split("\\n")``, so texts with ``\\r`` use only facts 1 and 2 (still exact, slower).

The worst case is bounded by a :class:`Budget`: a cap on the text's size, on the characters handed
to the parser, and a deadline checked between parses (no signals: scoring may run in worker threads,
where ``SIGALRM`` cannot be used, and one parse is bounded by the size cap). Past any of them
:class:`ExtractionBudgetExceeded` is raised, which the scorer records as a scorer exception.
"""

from __future__ import annotations

import ast
import bisect
import time
from dataclasses import dataclass

# CPython's flag for the REPL (codeop): "incomplete input" marks errors more lines could repair.
_PYCF_ALLOW_INCOMPLETE_INPUT = 0x4000
_OK, _HARD, _INCOMPLETE = "ok", "hard", "incomplete"
_OPEN_AT_END = ("was never closed", "unterminated triple-quoted string literal")
_TOKEN_SPACE = " \t\f"  # what CPython's tokenizer skips before a token or comment


class ExtractionBudgetExceeded(Exception):
    """The search for the program in one answer went past its :class:`Budget`."""


@dataclass(frozen=True)
class Budget:
    """Limits on extracting the program from one answer.

    ``max_chars``: the searched text's size. A 32,768-token answer is about 130,000 characters; four
    times that leaves room for long tokens and stays far below anything that takes seconds.
    ``max_parse_chars``: characters handed to ``ast.parse`` (and CPython's classifying compile), in
    all. Deterministic, so the same answer gets the same verdict on any machine. Realistic answers use
    two to five times their length (benchmarks/code_extract_bench.py), so up to 2.5 MiB at the size
    cap; pathological ones (a ``try`` block cut before its ``except``, thousands of lines long) reach
    the cap in one to a few seconds on a 2-core machine.
    ``seconds``: wall-clock deadline, checked before each parse: a safety net for slow machines (it
    makes the verdict depend on the machine, so the other two limits are meant to bind first). One
    parse of a text at the size cap takes about a second, so extraction ends within ~9 s.
    """

    max_chars: int = 512 * 1024
    max_parse_chars: int = 4 * 1024 * 1024
    seconds: float = 8.0


class _Meter:
    """Charges parsed characters against a budget and checks the deadline before each parse."""

    def __init__(self, budget: Budget):
        self.budget = budget
        self.used = 0
        self.deadline = time.monotonic() + budget.seconds

    def charge(self, chars: int) -> None:
        self.used += chars
        if self.used > self.budget.max_parse_chars:
            raise ExtractionBudgetExceeded(
                f"code extraction exceeded its parse budget ({self.budget.max_parse_chars} characters)")
        if time.monotonic() > self.deadline:
            raise ExtractionBudgetExceeded(f"code extraction exceeded its {self.budget.seconds:g} s limit")


def check_size(text: str, budget: Budget) -> None:
    """Refuse a text above ``budget.max_chars`` before any work is done on it."""
    if len(text) > budget.max_chars:
        raise ExtractionBudgetExceeded(f"answer of {len(text)} characters exceeds the code extraction "
                                       f"cap of {budget.max_chars}")


def longest_parsing_span(text: str, budget: Budget | None = None) -> str:
    """EvalPlus's ``code_extract(text)``, exactly, within ``budget`` (see the module docstring).

    Raises what ``ast.parse`` raises besides SyntaxError and MemoryError (EvalPlus does not catch
    those either: e.g. UnicodeEncodeError for a lone surrogate), and ExtractionBudgetExceeded."""
    return SampleExtractor(budget or Budget())(text)


class SampleExtractor:
    """``code_extract`` for one sample: one budget (and deadline, started now) for every call, and
    the last result kept, since EvalPlus's ``sanitize`` extracts from the same text twice when the
    first result lacks the entry point."""

    def __init__(self, budget: Budget):
        self.budget = budget
        self.meter = _Meter(budget)
        self.last: tuple[str, str] | None = None

    def __call__(self, text: str) -> str:
        if self.last is not None and self.last[0] is text:
            return self.last[1]
        check_size(text, self.budget)
        lines = text.split("\n")
        if len(lines) >= 2:
            _raise_like_evalplus_on_bad_characters(text)
        i, j = _SpanSearch(text, lines, self.meter).run()
        self.last = (text, "\n".join(lines[i: j + 1]))
        return self.last[1]


def _raise_like_evalplus_on_bad_characters(text: str) -> None:
    """EvalPlus parses the span of every line, first start, before it returns, so a character that
    makes ``ast.parse`` raise outright (not SyntaxError) always reaches the caller: raise it here."""
    if "\0" in text:
        try:
            ast.parse("\0")  # ValueError on older Pythons, SyntaxError on newer ones
        except SyntaxError:
            pass
    text.encode("utf-8")  # lone surrogates: UnicodeEncodeError, as ast.parse raises


@dataclass
class _Probe:
    status: str  # _OK, _HARD or _INCOMPLETE
    tree: ast.Module | None = None
    line: int | None = None  # hard: the line of the error; incomplete: where the open bracket/string begins


class _SpanSearch:
    """The search over starts (facts 1 and 4 of the module docstring) and, per start, over ends."""

    def __init__(self, text: str, lines: list[str], meter: _Meter):
        self.text, self.lines, self.meter = text, lines, meter
        self.n = len(lines)
        self.count = [0]  # count[k]: non-blank lines (EvalPlus: line.strip()) among lines[:k]
        self.offset = [0]  # offset[k]: where lines[k] begins in text
        for line in lines:
            self.count.append(self.count[-1] + (1 if line.strip() else 0))
            self.offset.append(self.offset[-1] + len(line) + 1)
        self.lines_match = "\r" not in text  # CPython's line numbers are ours
        self.skip = bytearray(self.n)

    def run(self) -> tuple[int, int]:
        """The first (start, end) with the most non-blank lines that parses; (0, 0) if none beats 0."""
        best, pair = 0, (0, 0)
        for i in range(self.n - 1):
            if self.count[self.n] - self.count[i] <= best:
                break
            if self.skip[i]:
                continue
            end = _EndSearch(self, i, best).run()
            if end is not None:
                best, pair = self.count[end + 1] - self.count[i], (i, self._first_end_like(i, end))
        return pair

    def span(self, i: int, j: int) -> str:
        return self.text[self.offset[i]: self.offset[j + 1] - 1]

    def probe(self, i: int, j: int) -> _Probe:
        """Parse ``lines[i..j]`` as EvalPlus's ``syntax_check`` does (SyntaxError and MemoryError
        mean no), and classify a failure as hard or incomplete."""
        src = self.span(i, j)
        self.meter.charge(len(src))
        try:
            return _Probe(_OK, tree=ast.parse(src))
        except MemoryError:
            return _Probe(_INCOMPLETE)
        except SyntaxError as exc:
            error = exc
        self.meter.charge(len(src))
        try:
            compile(src, "<span>", "exec", ast.PyCF_ONLY_AST | _PYCF_ALLOW_INCOMPLETE_INPUT)
        except SyntaxError as exc:
            incomplete = exc.msg == "incomplete input"
        except (MemoryError, ValueError):
            return _Probe(_INCOMPLETE)
        else:
            return _Probe(_INCOMPLETE)  # cannot happen (ast.parse failed); stay conservative
        line = i + error.lineno - 1 if error.lineno else None
        if not incomplete:
            return _Probe(_HARD, line=line)
        open_at_end = self.lines_match and line is not None and any(m in (error.msg or "") for m in _OPEN_AT_END)
        return _Probe(_INCOMPLETE, line=line if open_at_end and i <= line <= j else None)

    def _first_end_like(self, i: int, end: int) -> int:
        """The first end that parses with as many non-blank lines as ``end`` (trailing blank lines)."""
        last = end
        while last > i and not self.lines[last].strip():
            last -= 1
        for j in range(max(last, i + 1), end):
            if self.probe(i, j).status == _OK:
                return j
        return end

    def mark_boundaries(self, i: int, last: int, tree: ast.Module) -> None:
        """Skip later starts ``k`` in ``(i, last + 1]`` for which ``lines[i..k-1]`` parses, read off
        the statements of ``lines[i..last]`` (fact 4): ``k`` right after a top-level statement ends
        (no other statement on its last line, no backslash continuation), or after blank and comment
        lines that follow it."""
        if not self.lines_match:
            return
        starts = [i + min([s.lineno] + [d.lineno for d in getattr(s, "decorator_list", [])]) - 1
                  for s in tree.body] + [last + 1]
        prev_end = i - 1
        for t, start in enumerate(starts):
            if start > prev_end and (prev_end < i or not self.lines[prev_end].rstrip().endswith("\\")):
                k = prev_end + 1
                while k <= min(start, last + 1, self.n - 1):
                    if k > i:
                        self.skip[k] = 1
                    if k >= start or not _blank_or_comment(self.lines[k]):
                        break
                    k += 1
            if t < len(tree.body):
                prev_end = i + tree.body[t].end_lineno - 1


def _blank_or_comment(line: str) -> bool:
    """Whether CPython's tokenizer sees no token on ``line`` (blank, or a comment without a
    continuation backslash at its end)."""
    rest = line.lstrip(_TOKEN_SPACE)
    return (not rest or rest.startswith("#")) and not line.endswith("\\")


class _EndSearch:
    """For one start ``i``: the largest end that parses and has more than ``best`` non-blank lines
    (fact 2), or None. Unknown ends are kept as a sorted list of disjoint ``[a, b]`` intervals."""

    def __init__(self, search: _SpanSearch, i: int, best: int):
        self.s, self.i = search, i
        # the first end with more than best non-blank lines
        self.first = max(i + 1, bisect.bisect_right(search.count, search.count[i] + best) - 1)
        self.ok: int | None = None  # largest end that parsed
        self.tree: ast.Module | None = None
        self.hi = search.n  # every end >= hi fails
        self.out: list[tuple[int, int]] = []  # ends known to fail (incomplete)
        self.hint: int | None = None
        self.tried_top_below: int | None = None

    def run(self) -> int | None:
        self._gallop()
        unknown = self._unknown()
        while unknown:
            self._take(self._choose(unknown))
            unknown = self._unknown()
        if self.ok is not None and self.tree is not None:
            self.s.mark_boundaries(self.i, self.ok, self.tree)
        return self.ok if self.ok is not None and self.ok >= self.first else None

    def _gallop(self) -> None:
        """Probe ends i+1, i+2, i+4, ... until one fails hard or the last line is probed."""
        step, n = 1, self.s.n
        while True:
            k = min(self.i + step, n - 1)
            if self._take(k) == _HARD or k == n - 1:
                return
            step *= 2

    def _take(self, k: int) -> str:
        p = self.s.probe(self.i, k)
        if p.status == _OK:
            self.ok, self.tree = k, p.tree
        elif p.status == _HARD:
            self.hi = min(self.hi, k)
            self.hint = p.line
        else:
            self.out.append((k if p.line is None else p.line, k))
        return p.status

    def _unknown(self) -> list[tuple[int, int]]:
        """Ends not yet decided: above the largest that parsed (and below ``first``) and below the
        smallest hard failure, minus those known to fail."""
        lo = max(self.first, (self.ok + 1) if self.ok is not None else self.i + 1)
        hi = self.hi - 1
        if lo > hi:
            return []
        gaps, cur = [], lo
        for a, b in sorted(self.out):
            if b < cur:
                continue
            if a > hi:
                break
            if a > cur:
                gaps.append((cur, a - 1))
            cur = max(cur, b + 1)
        if cur <= hi:
            gaps.append((cur, hi))
        return gaps

    def _choose(self, unknown: list[tuple[int, int]]) -> int:
        """The error's line, then the end just below a hard failure, then the middle unknown end."""
        if self.hint is not None and any(a <= self.hint <= b for a, b in unknown):
            hint, self.hint = self.hint, None
            return hint
        self.hint = None
        top = unknown[-1][1]
        if self.tried_top_below != self.hi:
            self.tried_top_below = self.hi
            return top
        total = sum(b - a + 1 for a, b in unknown)
        mid = total // 2
        for a, b in unknown:
            if mid <= b - a:
                return a + mid
            mid -= b - a + 1
        return top
