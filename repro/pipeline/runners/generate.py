"""The generation runner: one file of completions per benchmark and checkpoint, resumed seed by seed."""

from __future__ import annotations

from pathlib import Path

from repro import faults
from repro.benchmarks import get_benchmark
from repro.errors import ReproError
from repro.pipeline.locate import GENERATIONS, checkpoint_dir
from repro.pipeline.runners.runtime import Runtime
from repro.pipeline.steps import Step
from repro.pipeline.store import atomic_write_json, read_jsonl, write_jsonl
from repro.specs import GenerationSpec


def run_generate(step: Step, out: Path, rt: Runtime) -> dict:
    from repro.assets.datasets import load_rows
    from repro.generate import Request

    spec: GenerationSpec = step.spec
    bench = spec.benchmark
    rows = load_rows(bench.data)
    benchmark = get_benchmark(bench.name)
    if benchmark.loglikelihood:
        return run_loglikelihood(spec, rows, out, rt)
    gen = rt.generator(spec.backend, checkpoint_dir(rt.store, spec.checkpoint), spec.checkpoint.model.dtype,
                       bench.decoding)
    for seed in bench.decoding.seeds:
        part = out / f"seed-{seed}.jsonl"
        if part.is_file():  # finished in an earlier, interrupted attempt
            continue
        items = benchmark.items(rows, seed)
        requests = [Request(id=it.id, messages=({"role": "user", "content": it.user},)) for it in items]
        completions = gen.generate(requests, bench.decoding, seed, progress_cb=rt.progress_cb)
        write_jsonl(part, [
            {"id": it.id, "seed": seed, "prompt": it.user, "response": c.text, "finish_reason": c.finish_reason,
             "num_tokens": c.num_tokens, "prompt_tokens": c.prompt_tokens, "target": it.target, "meta": it.meta}
            for it, c in zip(items, completions, strict=True)
        ])
        faults.point("generate.seed")
    rows_out = [r for seed in bench.decoding.seeds for r in read_jsonl(out / f"seed-{seed}.jsonl")]
    write_jsonl(out / GENERATIONS, rows_out)
    for seed in bench.decoding.seeds:
        (out / f"seed-{seed}.jsonl").unlink()
    summary = {"n": len(rows_out), "n_truncated": sum(r["finish_reason"] == "length" for r in rows_out),
               "mean_new_tokens": sum(r["num_tokens"] for r in rows_out) / max(1, len(rows_out))}
    atomic_write_json(out / "summary.json", summary)
    return summary


# lm-eval model that scores the loglikelihood benchmarks, by the profile's generation backend. The paper's backend is
# vLLM, but lm-eval's vllm model computes loglikelihoods through prompt_logprobs of a generation call, which
# needs a logprobs cap and post-processing mode set right and adds nothing here: the paper's 2 x 3270 + 2 x 100
# short requests of one checkpoint take a minute or two with lm-eval's reference hf model on the same GPU, which
# scores the full-vocabulary log-softmax directly. So both profiles use hf (GPU when there is one).
LMEVAL_MODEL = {"vllm": "hf", "hf": "hf"}


def run_loglikelihood(spec: GenerationSpec, rows: list[dict], out: Path, rt: Runtime) -> dict:
    """A loglikelihood benchmark: lm-eval's loglikelihood of every choice of every doc on the checkpoint, one record
    per doc in ``generations.jsonl`` (the score step turns them into acc). The docs are the benchmark's rows as
    ``load_rows`` gives them (fixture, or the hub split at its pinned revision), written to ``docs.jsonl``
    and read by the package's lm-eval task file; 0-shot, no chat template."""
    from repro.evaluate.lmeval import score_multiple_choice

    bench = spec.benchmark
    lm_model = LMEVAL_MODEL[spec.backend]
    docs = out / "docs.jsonl"
    write_jsonl(docs, rows)
    rt.close()  # resident generators (a vLLM engine holds most of the GPU) make room for lm-eval's model
    mc = score_multiple_choice(bench.name, checkpoint_dir(rt.store, spec.checkpoint), docs,
                               dtype=spec.checkpoint.model.dtype)
    if mc.n_docs != len(rows):
        raise ReproError(f"lm-eval scored {mc.n_docs} of {len(rows)} {bench.name} docs",
                         "check the data file and the task's split")
    write_jsonl(out / GENERATIONS, [
        {"id": str(r["doc_id"]), "doc_id": r["doc_id"], "label": r["label"], "target": r["label"],
         "context": r["context"], "continuations": r["continuations"], "loglikelihoods": r["loglikelihoods"],
         "is_greedy": r["is_greedy"], "lm_eval_pred": r["pred"], "lm_eval_acc": r["acc"], "n_tokens": r["n_tokens"],
         "finish_reason": "length" if r["truncated"] else "stop"}
        for r in mc.records
    ])
    summary = {"n": mc.n_docs, "n_truncated": mc.n_truncated, "lm_eval_task": mc.task,
               "lm_eval_task_version": mc.version, "lm_eval_model": lm_model, "max_length": mc.max_length,
               "chat_template": False, "num_fewshot": 0}  # accuracy: the score step's, checked doc by doc
    atomic_write_json(out / "summary.json", summary)
    return summary
