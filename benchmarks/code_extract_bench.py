"""Seconds to find the program in one code answer, against the answer's size and shape.

    python benchmarks/code_extract_bench.py            # every shape; the old search where it ends in time
    python benchmarks/code_extract_bench.py --quick    # smaller sizes only

For each answer it prints the size (bytes, lines), the seconds of the span search (EvalPlus's
``code_extract``: the longest line span that ``ast.parse`` accepts) with the previous pruned search
("old", a copy below) and with ``repro.evaluate.extract`` ("new"), the seconds of the whole
``extract_code`` (span search plus EvalPlus's tree-sitter ``sanitize``, under the per-sample budget),
and the verdict: the lines of the span found, whether old and new agree, or the scorer exception.
The old search is skipped where it would run for minutes (marked "skipped"); its cost there grows
with the square of the lines of code (30 s for 1,000 lines of top-level code).

Shapes are the bad ones seen in reasoning models' answers: a correct function followed by N short
lines (top-level calls, or prose), the same at 11.9 MB, a 32,768-token answer cut before its
``</think>`` (prose with code fragments, cut inside a function), random text, and two pathological
ones that only the budget bounds (a list literal or ``try`` block cut open).
"""

from __future__ import annotations

import argparse
import ast
import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from repro.evaluate.code import extract_code  # noqa: E402
from repro.evaluate.extract import Budget, ExtractionBudgetExceeded, longest_parsing_span  # noqa: E402

FUNC = ("def has_close_elements(numbers, threshold):\n    for i, a in enumerate(numbers):\n"
        "        for j, b in enumerate(numbers):\n            if i != j and abs(a - b) < threshold:\n"
        "                return True\n    return False")
CALL = "print(has_close_elements([1.0, 2.8], 0.5))"  # 42 characters: 3,000 lines are 130 KB
PROSE = "We need to think about this carefully."


def old_code_extract(text: str) -> str:
    """The previous search: every start, each end in turn until a hard error (quadratic parses)."""
    lines = text.split("\n")
    n = len(lines)
    count = [0]
    for line in lines:
        count.append(count[-1] + (1 if line.strip() else 0))
    best, pair = 0, (0, 0)
    for i in range(n):
        if count[n] - count[i] <= best:
            break
        for j in range(i + 1, n):
            c = count[j + 1] - count[i]
            if c <= best:
                continue
            src = "\n".join(lines[i: j + 1])
            try:
                ast.parse(src)
                best, pair = c, (i, j)
                continue
            except (SyntaxError, MemoryError):
                pass
            try:
                compile(src, "<span>", "exec", ast.PyCF_ONLY_AST | 0x4000)
            except SyntaxError as exc:
                if exc.msg != "incomplete input":
                    break
    return "\n".join(lines[pair[0]: pair[1] + 1])


def reasoning_answer(tokens: int = 32768, seed: int = 0) -> str:
    """~4 characters a token of reasoning prose with fenced code fragments, cut without </think>
    in the middle of a function."""
    rng = random.Random(seed)
    prose = ["Let me think about the edge cases first.", "Wait, that's not right: the list may be empty.",
             "So for n = 3 we get 6, which matches.", "Hmm, maybe a set would be faster here.",
             "Let's check the example again.", "", "Okay, I think the approach is: sort, then compare neighbours."]
    fragments = [FUNC, "import math\n\ndef area(r):\n    return math.pi * r * r",
                 "def helper(xs):\n    '''Neighbour gaps.'''\n    return [b - a for a, b in zip(xs, xs[1:])]",
                 "for x in [1, 2, 3]:\n    print(x)"]
    out, size = ["<think>"], 0
    while size < 4 * tokens:
        part = (f"```python\n{rng.choice(fragments)}\n```" if rng.random() < 0.08 else rng.choice(prose))
        out.append(part)
        size += len(part) + 1
    out.append("def has_close_elements(numbers, threshold):\n    for i, a in enumerate(numbers):\n        for j, b in")
    return "\n".join(out)


def random_text(chars: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + string.punctuation + " " * 10 + "\n" * 3
    return "".join(rng.choice(alphabet) for _ in range(chars))


def shapes(quick: bool) -> list[tuple[str, str, bool]]:
    """(name, answer text after </think>, run the old search)."""
    ns = (100, 300, 1000) if quick else (100, 300, 1000, 3000)
    out = []
    for n in ns:
        out.append((f"function + {n} calls", FUNC + "\n" + "\n".join([CALL] * n), n <= 1000))
        out.append((f"function + {n} prose lines", FUNC + "\n" + "\n".join([PROSE] * n), True))
    big = 11_900_000 // (len(CALL) + 1)
    if not quick:
        out.append(("function + 3000 calls + 3000 prose", FUNC + "\n" + "\n".join([CALL] * 3000 + [PROSE] * 3000),
                    False))
        out.append((f"function + {big} calls (11.9 MB)", FUNC + "\n" + "\n".join([CALL] * big), False))
    out.append(("32,768 tokens, no </think>", reasoning_answer(), True))
    out.append(("random text, 130 KB", random_text(130_000), True))
    out.append(("list cut open, 3000 lines", FUNC + "\nxs = [\n" + "\n".join(["    1.0,"] * 3000), not quick))
    out.append(("try block cut open, 3000 lines", "try:\n" + "\n".join(["    x = 1"] * 3000), False))
    return out


def timed(fn, *args):
    t0 = time.perf_counter()
    try:
        result = fn(*args)
    except ExtractionBudgetExceeded as exc:
        result = exc
    return time.perf_counter() - t0, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="sizes up to 1,000 lines only")
    args = parser.parse_args()
    extract_code("warm up\nx = 1", "x")  # imports EvalPlus and tree-sitter once, outside the timings
    print(f"budget: {Budget()}")
    print("| answer | bytes | lines | old s | new s | extract_code s | verdict |")
    print("|---|---|---|---|---|---|---|")
    for name, text, run_old in shapes(args.quick):
        old_s, old = timed(old_code_extract, text) if run_old else (None, None)
        new_s, new = timed(longest_parsing_span, text)
        whole_s, ex = timed(extract_code, text, "has_close_elements")
        if isinstance(new, Exception):
            verdict = f"scorer exception: {new}"
        else:
            verdict = f"span of {new.count(chr(10)) + 1} lines"
            verdict += "" if old is None else (", same as old" if old == new else ", DIFFERS FROM OLD")
            verdict += f"; {'no_code' if ex.empty else 'entry point found'}"
        old_cell = "skipped" if old_s is None else f"{old_s:.2f}"
        print(f"| {name} | {len(text.encode())} | {text.count(chr(10)) + 1} | {old_cell} | {new_s:.2f} | "
              f"{whole_s:.2f} | {verdict} |", flush=True)


if __name__ == "__main__":
    main()
