"""The scoring runner: verdicts per sample and a summary, from a generation step's file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from repro import faults
from repro.benchmarks import get_benchmark
from repro.errors import ReproError
from repro.pipeline import integrity
from repro.pipeline.locate import AGAIN, GENERATIONS, SCORE, VERDICTS, model_dir
from repro.pipeline.runners.runtime import Runtime
from repro.pipeline.steps import Step, StepId
from repro.pipeline.store import ArtifactStore, atomic_write_json, write_jsonl
from repro.specs import ScoreSpec

if TYPE_CHECKING:
    from repro.evaluate.scoring import Judge, JudgePrompt, JudgeReply
    from repro.generate.base import Generator
    from repro.specs import DecodingSpec


def run_score(step: Step, out: Path, rt: Runtime) -> dict:
    spec: ScoreSpec = step.spec
    bench = spec.generation.benchmark
    benchmark = get_benchmark(bench.name)
    if spec.scorer != benchmark.scorer:
        raise ReproError(f"{bench.name} is scored by {benchmark.scorer!r}, not {spec.scorer!r}",
                         "plan its scoring through the profile (Profile.score)")
    gen = rt.store.step_dir("generate", spec.generation.key)
    rows = integrity.read_jsonl(gen.path, GENERATIONS, StepId("generate", spec.generation.key), AGAIN)
    scored = benchmark.score(rows, bench.data, judge=_judge(spec, rt), progress_cb=rt.progress_cb)
    benchmark.check_counts(scored.summary)
    score = {**scored.summary, "scorer": spec.scorer}
    write_jsonl(out / VERDICTS, scored.verdicts)
    faults.point("score.verdicts")
    atomic_write_json(out / SCORE, score)
    return score


def _judge(spec: ScoreSpec, rt: Runtime) -> Judge | None:
    """The score spec's judge model as the plain callable the scorers take."""
    judge = spec.judge
    if judge is None:
        return None
    return judge_callable(lambda: rt.generator(judge.backend, model_dir(rt.store, judge.model), judge.model.dtype,
                                               judge.decoding), judge.decoding, rt.progress_cb)


def judge_callable(generator: Callable[[], Generator], decoding: DecodingSpec,
                   progress_cb: Callable[[int, int], None] | None = None) -> Judge:
    """A judge as the scorers take it: prompts (a raw string, or chat messages) -> replies, greedy with the judge's
    ``decoding``, from the generator that ``generator()`` returns (called when the first prompts arrive)."""
    from repro.evaluate.scoring import JudgeReply
    from repro.generate import Request

    def run(prompts: list[JudgePrompt]) -> list[JudgeReply]:
        gen = generator()
        requests = [Request(id=str(i), raw=p) if isinstance(p, str) else Request(id=str(i), messages=p)
                    for i, p in enumerate(prompts)]
        return [JudgeReply(c.text, c.finish_reason)
                for c in gen.generate(requests, decoding, seed=0, progress_cb=progress_cb)]

    return run


def read_score(store: ArtifactStore, score: ScoreSpec) -> dict | None:
    """The summary of a finished scoring, checked against its record (None: not finished)."""
    d = store.step_dir("score", score.key)
    if not d.done:
        return None
    return integrity.read_json(d.path, SCORE, StepId("score", score.key), AGAIN)

