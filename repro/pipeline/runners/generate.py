"""The generation runner: one file of completions per benchmark and checkpoint, resumed seed by seed."""

from __future__ import annotations

from pathlib import Path

from repro.pipeline.locate import checkpoint_dir
from repro.pipeline.plan import Step
from repro.pipeline.runners.runtime import Runtime
from repro.pipeline.store import atomic_write_json, read_jsonl, write_jsonl
from repro.specs import GenerationSpec


def run_generate(step: Step, out: Path, rt: Runtime) -> dict:
    from repro.assets.datasets import load_rows
    from repro.evaluate.benchmarks import build_items
    from repro.generate import Request

    spec: GenerationSpec = step.spec
    bench = spec.benchmark
    rows = load_rows(bench.data)
    gen = rt.generator(spec.backend, checkpoint_dir(rt.store, spec.checkpoint), spec.checkpoint.model.dtype,
                       bench.decoding.max_model_len)
    for seed in bench.decoding.seeds:
        part = out / f"seed-{seed}.jsonl"
        if part.is_file():  # finished in an earlier, interrupted attempt
            continue
        items = build_items(bench.name, rows, seed)
        requests = [Request(id=it.id, messages=({"role": "user", "content": it.user},)) for it in items]
        completions = gen.generate(requests, bench.decoding, seed, progress_cb=rt.progress_cb)
        write_jsonl(part, [
            {"id": it.id, "seed": seed, "prompt": it.user, "response": c.text, "finish_reason": c.finish_reason,
             "num_tokens": c.num_tokens, "prompt_tokens": c.prompt_tokens, "target": it.target, "meta": it.meta}
            for it, c in zip(items, completions, strict=True)
        ])
    rows_out = [r for seed in bench.decoding.seeds for r in read_jsonl(out / f"seed-{seed}.jsonl")]
    write_jsonl(out / "generations.jsonl", rows_out)
    for seed in bench.decoding.seeds:
        (out / f"seed-{seed}.jsonl").unlink()
    summary = {"n": len(rows_out), "n_truncated": sum(r["finish_reason"] == "length" for r in rows_out),
               "mean_new_tokens": sum(r["num_tokens"] for r in rows_out) / max(1, len(rows_out))}
    atomic_write_json(out / "summary.json", summary)
    return summary


