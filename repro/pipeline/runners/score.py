"""The scoring runner: verdicts per sample and a summary, from a generation step's file."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from repro.pipeline.locate import model_dir
from repro.pipeline.plan import Step
from repro.pipeline.runners.runtime import Runtime
from repro.pipeline.store import ArtifactStore, atomic_write_json, read_jsonl, write_jsonl
from repro.specs import ScoreSpec


def run_score(step: Step, out: Path, rt: Runtime) -> dict:
    spec: ScoreSpec = step.spec
    gen_dir = rt.store.step_dir("generate", spec.generation.key).path
    rows = read_jsonl(gen_dir / "generations.jsonl")
    scorer = {"llama_guard": _score_guard, "aime_authors": _score_aime, "gpqa_authors": _score_gpqa}[spec.scorer]
    verdicts, score = scorer(spec, rows, rt)
    score["n_truncated"] = sum(r["finish_reason"] == "length" for r in rows)
    score["scorer"] = spec.scorer
    write_jsonl(out / "verdicts.jsonl", verdicts)
    atomic_write_json(out / "score.json", score)
    return score


def _score_guard(spec: ScoreSpec, rows: list[dict], rt: Runtime):
    from repro.evaluate.guard import parse_guard_reply, safety_summary
    from repro.generate import Request

    judge = spec.judge
    gen = rt.generator(judge.backend, model_dir(rt.store, judge.model), judge.model.dtype)
    requests = [Request(id=r["id"], messages=({"role": "user", "content": r["prompt"]},
                                              {"role": "assistant", "content": r["response"]})) for r in rows]
    replies = gen.generate(requests, judge.decoding, seed=0, progress_cb=rt.progress_cb)
    parsed = [parse_guard_reply(c.text) for c in replies]
    verdicts = [{"id": r["id"], "label": v.label, "categories": list(v.categories), "judge_raw": c.text,
                 "judge_finish_reason": c.finish_reason, "response_finish_reason": r["finish_reason"]}
                for r, v, c in zip(rows, parsed, replies, strict=True)]
    score = safety_summary(parsed)
    score.update(metric="safety", value=score["safety"])
    return verdicts, score


def _pass_at_1_score(spec: ScoreSpec, verdicts: list[dict]) -> dict:
    from repro.evaluate.passk import pass_at_1

    seeds = spec.generation.benchmark.decoding.seeds
    by_q: dict[str, list[int]] = defaultdict(list)
    for v in sorted(verdicts, key=lambda v: seeds.index(v["seed"])):
        by_q[v["id"]].append(v["correct"])
    result = pass_at_1(by_q, seeds=seeds)
    return {"metric": "pass@1", "value": result["pass@1"], **result}


def _score_aime(spec: ScoreSpec, rows: list[dict], rt: Runtime):
    from repro.evaluate.aime import score_aime_rule

    verdicts = []
    for r in rows:
        v = score_aime_rule(r["response"], r["target"])
        verdicts.append({"id": r["id"], "seed": r["seed"], "resp_answer": v.resp_answer, "rule_equiv": v.rule_equiv,
                         "sent_to_judge": v.sent_to_judge, "correct": int(v.verdict == 1),
                         "exception": v.exception, "finish_reason": r["finish_reason"]})
    score = _pass_at_1_score(spec, verdicts)
    score.update(
        n_no_answer=sum(v["resp_answer"] is None for v in verdicts),
        n_sent_to_judge=sum(v["sent_to_judge"] for v in verdicts),
        n_scorer_exceptions=sum(v["exception"] is not None for v in verdicts),
        judge="not wired yet (evaluation issue): boxed answers that fail the rule count as wrong",
    )
    return verdicts, score


def _score_gpqa(spec: ScoreSpec, rows: list[dict], rt: Runtime):
    from repro.evaluate.gpqa import score_gpqa

    verdicts = []
    for r in rows:
        v = score_gpqa(r["response"], r["target"])
        verdicts.append({"id": r["id"], "seed": r["seed"], "extracted": v.extracted, "target_letter": v.target_letter,
                         "correct": v.correct, "exception": v.exception, "finish_reason": r["finish_reason"]})
    score = _pass_at_1_score(spec, verdicts)
    score.update(n_no_answer=sum(v["extracted"] is None for v in verdicts),
                 n_scorer_exceptions=sum(v["exception"] is not None for v in verdicts))
    return verdicts, score


def read_score(store: ArtifactStore, score: ScoreSpec) -> dict | None:
    path = store.step_dir("score", score.key).path / "score.json"
    return json.loads(path.read_text()) if path.is_file() else None

