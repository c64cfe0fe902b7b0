"""The prompts of the generation benchmarks: their text and how data rows become chat requests with their gold
targets (docs/evaluation.md#overview).

Each renderer gives one *user message* per question; the generation backend applies the model's chat template
with the generation prompt. Which renderer a benchmark uses, and under which versioned template id (``prompt`` in
its BenchmarkSpec, so a change of wording changes every key that depends on it), is its ``Benchmark`` object's
(``repro/benchmarks``). The lm-eval task files (repro/evaluate/tasks) and the toy world render the same strings
from here (golden tests pin them).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from repro.errors import ReproError

AIME_PROMPT = ("Solve the following math problem. Present the final answer in the format: "
               "Final Answer: \\boxed{{your_answer}}.\nProblem: {problem}\nAnswer:")

GPQA_INSTRUCTION = ("You are solving a multiple-choice question. At the end, present your final answer "
                    "using the format: Final Answer: \\boxed{X}, where X is one of A, B, C, or D.")
# EvalPlus's default instruct prefix (evalplus 0.3.1 codegen.py); the task follows in a plain fence. The
# assistant turn is NOT pre-filled (docs/evaluation.md#overview: the paper removed the response prefix), so the
# generation prompt ends with the template's "<think>\n".
EVALPLUS_INSTRUCTION = ("Please provide a self-contained Python script that solves the following problem "
                        "in a markdown code block:")
GPQA_BODY = "\n\nQuestion: {question}\nChoices:\n(A) {c1}\n(B) {c2}\n(C) {c3}\n(D) {c4}\n\n"


@dataclass(frozen=True)
class Item:
    """One question of a benchmark, rendered for one seed."""

    id: str
    user: str
    target: str | None = None
    meta: dict = field(default_factory=dict, hash=False)


def strongreject_items(rows: list[dict], benchmark: str = "strongreject") -> list[Item]:
    """User message = the prompt alone. Exact duplicates collapse to one item, as the authors'
    dict keyed by prompt text did (docs/choices.md#3-310-or-313-strongreject-prompts); ids are the row index of first occurrence."""
    seen: set[str] = set()
    items = []
    for i, row in enumerate(rows):
        prompt = _field(row, "prompt", "forbidden_prompt")  # walledai's column / the CSV's original one
        if prompt in seen:
            continue
        seen.add(prompt)
        items.append(Item(id=f"{benchmark}/{i}", user=prompt, meta={"category": row.get("category")}))
    return items


def aime_items(rows: list[dict]) -> list[Item]:
    items = []
    for i, row in enumerate(rows):
        problem, answer = _field(row, "problem", "Problem"), _field(row, "answer", "Answer")
        qid = row.get("id", row.get("ID", i))
        items.append(Item(id=f"aime24/{qid}", user=AIME_PROMPT.format(problem=problem), target=str(answer),
                          meta={"problem": problem}))
    return items


def gpqa_clean(text: str | None) -> str:
    """The task's ``preprocess``: strip, " [title]" -> ". ", drop [...], collapse double spaces."""
    if text is None:
        return " "
    text = text.strip().replace(" [title]", ". ")
    text = re.sub(r"\[.*?\]", "", text)
    return text.replace("  ", " ")


def gpqa_permutation(seed: int, question_id: str) -> list[int]:
    """Deterministic choice order per (seed, question) (docs/choices.md#16-gpqa-choice-order-across-seeds): index 3 is the correct one."""
    order = [0, 1, 2, 3]
    random.Random(f"gpqa:{seed}:{question_id}").shuffle(order)
    return order


def gpqa_items(rows: list[dict], seed: int) -> list[Item]:
    items = []
    for i, row in enumerate(rows):
        qid = str(row.get("Record ID") or i)
        choices = [gpqa_clean(row["Incorrect Answer 1"]), gpqa_clean(row["Incorrect Answer 2"]),
                   gpqa_clean(row["Incorrect Answer 3"]), gpqa_clean(row["Correct Answer"])]
        order = gpqa_permutation(seed, qid)
        shown = [choices[j] for j in order]
        letter = "ABCD"[order.index(3)]
        user = GPQA_INSTRUCTION + GPQA_BODY.format(question=row["Question"], c1=shown[0], c2=shown[1], c3=shown[2],
                                                   c4=shown[3])
        items.append(Item(id=f"gpqa_diamond/{qid}", user=user, target=f"({letter})"))
    return items


def code_items(rows: list[dict]) -> list[Item]:
    """HumanEval(+) / MBPP(+) tasks: EvalPlus's user turn (instruction, then the task in a fence),
    the same for every seed; ids are EvalPlus task ids ("HumanEval/0", "Mbpp/2")."""
    return [Item(id=row["task_id"], user=f"{EVALPLUS_INSTRUCTION}\n```\n{row['prompt'].strip()}\n```\n",
                 meta={"entry_point": row["entry_point"]}) for row in rows]


def _field(row: dict, *names: str):
    for n in names:
        if n in row:
            return row[n]
    raise ReproError(f"benchmark row lacks any of the fields {names}: keys {sorted(row)}", "check the data file")
