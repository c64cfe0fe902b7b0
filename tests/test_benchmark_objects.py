"""The benchmark objects (repro/benchmarks): each gives the paper's BenchmarkSpec the profiles start from, the
profiles change only data and decoding, and a benchmark defined in a module of its own, registered with one line,
is planned, generated, scored and costed like the paper's."""

from __future__ import annotations

import importlib
import textwrap
from dataclasses import replace

import pytest

from repro.assets.datasets import load_rows
from repro.assets.registry import R1_QWEN_7B
from repro.benchmarks import BENCHMARKS, get_benchmark, register
from repro.errors import ReproError
from repro.pipeline.estimates import estimate
from repro.pipeline.execute import execute
from repro.pipeline.kinds import SCORE
from repro.pipeline.plan import Planner
from repro.pipeline.runners import read_score
from repro.pipeline.store import ArtifactStore, read_jsonl
from repro.profiles import PROFILES

SMOKE, TOY = PROFILES["smoke"], PROFILES["toy"]


def test_profiles_change_only_data_and_decoding():
    for profile in PROFILES.values():
        for name, spec in profile.benchmarks.items():
            bench = get_benchmark(name)
            assert replace(spec, data=bench.data, decoding=bench.decoding) == bench.paper_spec(), (profile.name, name)
    assert PROFILES["paper"].benchmarks == {n: b.paper_spec() for n, b in BENCHMARKS.items()}


def test_judges_and_loglikelihood_come_from_the_objects():
    paper = PROFILES["paper"]
    assert {n: b.judge for n, b in BENCHMARKS.items() if b.judge} == {
        "strongreject": "safety", "beavertails": "safety", "aime24": "math"}
    assert paper.judge_for("beavertails").model.name == "meta-llama/Llama-Guard-3-8B"
    assert paper.judge_for("aime24").model.name == "Qwen/Qwen2.5-32B-Instruct"
    assert paper.judge_for("gpqa_diamond") is None and TOY.judge_for("aime24") is None  # the toy has no maths judge
    assert [n for n, b in BENCHMARKS.items() if b.loglikelihood] == ["boolq", "copa"]
    assert get_benchmark("copa").lmeval_task == "repro_copa" and get_benchmark("mbpp").lmeval_task is None


def test_unknown_and_clashing_names_are_one_error():
    with pytest.raises(ReproError, match="unknown benchmark 'aime25'") as exc:
        get_benchmark("aime25")
    assert "aime24, gpqa_diamond" in exc.value.fix
    with pytest.raises(ReproError, match="already registered"):
        register(replace(get_benchmark("mbpp"), label="another MBPP"))
    assert register(get_benchmark("mbpp")) is get_benchmark("mbpp")  # the same object again is a no-op


# A benchmark of its own: the smoke AIME rows, the problem as the whole user message, an exact-match scorer that
# also counts the responses that were empty. One module, registered with its last line.
ECHO_MODULE = '''
from dataclasses import dataclass
from typing import ClassVar

from repro.benchmarks import register
from repro.benchmarks.base import ACCOUNTING, Benchmark
from repro.evaluate.prompts import Item
from repro.evaluate.scoring import Scored, accounting
from repro.specs import DatasetSpec, DecodingSpec


@dataclass(frozen=True, kw_only=True)
class ExactAnswer(Benchmark):
    counts: ClassVar[tuple[str, ...]] = (*ACCOUNTING, "n_empty")

    def items(self, rows, seed):
        return [Item(id=f"{self.name}/{r['id']}", user=r["problem"], target=str(r["answer"])) for r in rows]

    def score(self, rows, data, judge=None, progress_cb=None):
        verdicts = [{"id": r["id"], "correct": int(r["response"].strip() == r["target"])} for r in rows]
        return Scored(verdicts, {**accounting(rows), "value": sum(v["correct"] for v in verdicts) / len(rows),
                                 "n_empty": sum(not r["response"].strip() for r in rows)})


ECHO = register(ExactAnswer(
    name="echo", label="Echo", prompt="echo_v1", scorer="exact_answer",
    data=DatasetSpec(name="aime24-smoke", revision="fixture", split="test", source="fixture",
                     path="aime24_smoke.jsonl", limit=3),
    decoding=DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=6)))
'''


@pytest.fixture
def echo(tmp_path, monkeypatch):
    package = tmp_path / "more_benchmarks"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "echo.py").write_text(textwrap.dedent(ECHO_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("more_benchmarks.echo")
    yield module.ECHO
    BENCHMARKS.pop("echo", None)


def test_a_benchmark_in_a_module_of_its_own_is_planned_run_and_scored(echo, tmp_path):
    assert get_benchmark("echo") is echo and SMOKE.benchmark("echo") == echo.paper_spec()
    with pytest.raises(ReproError, match="no toy settings"):  # a profile of partial benchmarks has only its own
        TOY.benchmark("echo")

    # Its scorer on real rows: right, wrong and empty answers.
    rows = load_rows(echo.data)
    items = echo.items(rows, seed=0)
    responses = [{"id": it.id, "response": r, "target": it.target} for it, r in zip(items, (items[0].target, "7", " "),
                                                                                      strict=True)]
    assert echo.score(responses, echo.data).summary == {"n": 3, "n_truncated": 0, "value": pytest.approx(1 / 3),
                                                        "n_empty": 1}

    # Planned like any benchmark: the tiny model, its generation, its scoring (no judge), each with a cost.
    score = SMOKE.score(SMOKE.base(R1_QWEN_7B), "echo")
    assert (score.scorer, score.judge, score.generation.benchmark.prompt) == ("exact_answer", None, "echo_v1")
    planner = Planner()
    planner.plan(SCORE, score)
    steps = list(planner.steps.values())
    assert [s.kind for s in steps] == ["asset", "generate", "score"]
    assert all(estimate(s).cpu_hours > 0 for s in steps)

    # Run by the pipeline's own runners: its items are what was generated, its scorer scored them.
    store = ArtifactStore(tmp_path / "artifacts", "smoke")
    execute(steps, store)
    generated = read_jsonl(store.step_dir("generate", score.generation.key).path / "generations.jsonl")
    assert [(g["id"], g["prompt"], g["target"]) for g in generated] == [(it.id, it.user, it.target) for it in items]
    summary = read_score(store, score)
    assert (summary["n"], summary["scorer"]) == (3, "exact_answer") and 0 <= summary["value"] <= 1
    assert summary["n_empty"] == sum(not g["response"].strip() for g in generated)


def test_a_scorer_that_leaves_out_a_declared_count_fails(echo):
    with pytest.raises(ReproError, match="reported no n_empty"):
        echo.check_counts({"n": 3, "n_truncated": 0, "value": 1.0})
