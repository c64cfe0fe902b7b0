"""Benchmark prompts render exactly the authors' text; GPQA choices are cleaned and permuted
deterministically per (seed, question); StrongREJECT duplicates collapse as the authors' dict did."""

from repro.assets.datasets import load_rows
from repro.assets.tokenizers import load_tokenizer
from repro.benchmarks import get_benchmark
from repro.evaluate.prompts import (
    aime_items,
    gpqa_clean,
    gpqa_items,
    gpqa_permutation,
    strongreject_items,
)
from repro.profiles.smoke import SMOKE_BENCHMARKS


def test_aime_prompt_is_the_authors():
    (item,) = aime_items([{"id": 60, "problem": "Find $x$.", "answer": "025"}])
    assert item.user == ("Solve the following math problem. Present the final answer in the format: "
                         "Final Answer: \\boxed{your_answer}.\nProblem: Find $x$.\nAnswer:")
    assert item.target == "025" and item.id == "aime24/60"


def test_gpqa_prompt_is_the_papers_a3_prompt():
    row = {"Question": "Which?", "Correct Answer": "right", "Incorrect Answer 1": "w1",
           "Incorrect Answer 2": "w2", "Incorrect Answer 3": "w3", "Record ID": "rec1"}
    (item,) = gpqa_items([row], seed=0)
    order = gpqa_permutation(0, "rec1")
    shown = [["w1", "w2", "w3", "right"][j] for j in order]
    assert item.user == (
        "You are solving a multiple-choice question. At the end, present your final answer using the format: "
        "Final Answer: \\boxed{X}, where X is one of A, B, C, or D.\n\n"
        f"Question: Which?\nChoices:\n(A) {shown[0]}\n(B) {shown[1]}\n(C) {shown[2]}\n(D) {shown[3]}\n\n")
    assert item.target == f"({'ABCD'[shown.index('right')]})"


def test_gpqa_permutation_is_deterministic_and_seed_dependent():
    perms = {tuple(gpqa_permutation(s, "q")) for s in range(8)}
    assert gpqa_permutation(3, "q") == gpqa_permutation(3, "q")
    assert len(perms) > 1  # the authors' shuffle was meant to differ across seeds
    assert all(sorted(p) == [0, 1, 2, 3] for p in perms)


def test_gpqa_clean_matches_the_task_preprocess():
    assert gpqa_clean("  Paris [title] France  ") == "Paris. France"
    assert gpqa_clean("a [citation needed] b") == "a b"
    assert gpqa_clean("a   b") == "a  b"  # one left-to-right pass of "  " -> " "
    assert gpqa_clean(None) == " "


def test_smoke_gpqa_fixture_renders_four_distinct_choices_with_the_right_target():
    rows = load_rows(SMOKE_BENCHMARKS["gpqa_diamond"].data)
    for seed in (0, 1):
        for row, item in zip(rows, gpqa_items(rows, seed), strict=True):
            letter = item.target[1]
            line = next(ln for ln in item.user.splitlines() if ln.startswith(f"({letter}) "))
            assert line == f"({letter}) {gpqa_clean(row['Correct Answer'])}"


def test_strongreject_shipped_csv_and_dedupe():
    rows = load_rows(SMOKE_BENCHMARKS["strongreject"].data)
    assert len(rows) == 8 and all(r["forbidden_prompt"] for r in rows)
    items = strongreject_items([{"prompt": "a"}, {"prompt": "b"}, {"prompt": "a"}])
    assert [i.id for i in items] == ["strongreject/0", "strongreject/1"]


def test_unpinned_hub_dataset_is_refused_with_one_line(monkeypatch):
    import pytest

    from repro.assets.registry import DIRECT_REFUSAL
    from repro.errors import ReproError

    monkeypatch.delenv("REPRO_ALLOW_UNPINNED", raising=False)
    with pytest.raises(ReproError, match="no pinned revision"):
        load_rows(DIRECT_REFUSAL)


def test_code_prompt_is_evalplus_user_turn_without_the_response_prefix(tiny_policy_dir):
    """Our user message is exactly the one EvalPlus renders; only its pre-filled assistant turn
    (response prefix + an open ```python fence) is dropped (docs/evaluation.md#overview)."""
    from evalplus.provider.utility import make_raw_chat_prompt

    from repro.evaluate.prompts import EVALPLUS_INSTRUCTION
    from repro.generate import Request
    from repro.generate.base import render_prompt_ids

    tok = load_tokenizer(tiny_policy_dir)
    for bench in ("humaneval", "mbpp"):
        rows = load_rows(SMOKE_BENCHMARKS[bench].data)
        items = get_benchmark(bench).items(rows, seed=0)
        assert [it.id for it in items] == [r["task_id"] for r in rows]
        assert get_benchmark(bench).items(rows, seed=5) == items  # the prompt does not depend on the seed
        for it, row in zip(items, rows, strict=True):
            assert it.user == f"{EVALPLUS_INSTRUCTION}\n```\n{row['prompt'].strip()}\n```\n"
            evalplus = make_raw_chat_prompt(row["prompt"], EVALPLUS_INSTRUCTION, "Sure, here you go:", tok)
            ours = tok.decode(render_prompt_ids(tok, Request(id=it.id, messages=({"role": "user", "content": it.user},))))
            # Same text up to the assistant turn; ours then opens the thinking instead of a code fence.
            assert ours.startswith(evalplus.split("<｜Assistant｜>")[0] + "<｜Assistant｜>")
            assert ours.endswith("<｜Assistant｜><think>\n") and "```python" not in ours
