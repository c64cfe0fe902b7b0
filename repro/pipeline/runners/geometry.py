"""Runners of the weight-geometry steps: the Fig. 1 / Fig. 7 analyses and OrthoMerge checkpoints."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from repro.pipeline import integrity
from repro.pipeline.locate import AGAIN, MODEL, adapter_or_full_dir, model_dir
from repro.pipeline.runners.runtime import Runtime
from repro.pipeline.steps import Step, StepId
from repro.pipeline.store import ArtifactStore, atomic_write_json, write_jsonl
from repro.specs import GeometrySpec, OrthoMergeCheckpointSpec

FIELDS = {"stable_rank": ("stable_rank",), "overlap": ("m1", "m2", "m3", "m4")}


def _finite(obj: Any) -> Any:
    """NaN (an all-zero update has no stable rank or overlap) -> None, so the files are strict JSON."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def run_geometry(step: Step, out: Path, rt: Runtime) -> dict:
    from repro.geometry.analysis import module_means, overlap_pass, stable_rank_pass

    spec: GeometrySpec = step.spec
    ckpt = spec.checkpoint
    base = model_dir(rt.store, ckpt.model)
    weights = adapter_or_full_dir(rt.store, ckpt)  # a LoRA run's adapter alone, or the full checkpoint
    assert ckpt.train is not None  # GeometrySpec refuses a checkpoint without a training run
    lora = ckpt.train.parsed.is_lora
    if spec.analysis == "stable_rank":
        rows, stats = stable_rank_pass(base, weights, lora=lora, progress=rt.progress_cb)
    else:
        rows, stats = overlap_pass(base, weights, lora=lora, top_k=spec.top_k, progress=rt.progress_cb)
    summary = {"analysis": spec.analysis, "checkpoint": ckpt.label, "top_k": spec.top_k if spec.analysis == "overlap"
               else None, "norm": spec.norm, "per_module": module_means(rows, FIELDS[spec.analysis]), **stats}
    write_jsonl(out / "rows.jsonl", _finite(rows))
    atomic_write_json(out / "summary.json", _finite(summary))
    return _finite({k: stats[k] for k in ("device", "matrices", "bytes_read", "seconds", "bytes_per_s")})


def run_orthomerge(step: Step, out: Path, rt: Runtime) -> dict:
    from repro.geometry.orthomerge import orthomerge_checkpoint

    ckpt: OrthoMergeCheckpointSpec = step.spec
    om = ckpt.orthomerge
    assert om is not None  # OrthoMergeCheckpointSpec refuses None
    adapter = adapter_or_full_dir(rt.store, ckpt)
    report = orthomerge_checkpoint(model_dir(rt.store, ckpt.model), adapter, out / MODEL,
                                   om.variant, om.k,
                                   om.lam, ckpt.model.dtype)
    atomic_write_json(out / "orthomerge.json", _finite(report))
    left = [m["left_in_top_k_columns"] for m in report["modules"]]
    return {"adapter": str(adapter.relative_to(rt.store.base)), "variant": om.variant, "k": om.k, "lambda": om.lam,
            "modules": len(report["modules"]), "max_left_in_top_k_columns": max(left) if left else None}


def read_geometry(store: ArtifactStore, spec: GeometrySpec) -> tuple[list[dict], dict] | None:
    """(rows, summary) of a finished analysis, checked against its record, or None."""
    d = store.step_dir("geometry", spec.key)
    if not d.done:
        return None
    sid = StepId("geometry", spec.key)
    return (integrity.read_jsonl(d.path, "rows.jsonl", sid, AGAIN),
            integrity.read_json(d.path, "summary.json", sid, AGAIN))
