"""Runners that make model weights: tiny asset builds, training, LoRA merges."""

from __future__ import annotations

from pathlib import Path

from repro.pipeline.locate import MODEL, adapter_or_full_dir, model_dir
from repro.pipeline.runners.runtime import Runtime
from repro.pipeline.steps import Step
from repro.pipeline.store import atomic_write_json
from repro.specs import CheckpointSpec, ModelSpec, TrainSpec


def run_asset(step: Step, out: Path, rt: Runtime) -> dict:
    from repro.assets.tiny import build_tiny_model

    spec: ModelSpec = step.spec
    build_tiny_model(spec, out / MODEL)
    return {"model_dir": MODEL}


def run_train(step: Step, out: Path, rt: Runtime) -> dict:
    from repro.assets.datasets import load_rows
    from repro.train.sft import train

    spec: TrainSpec = step.spec
    rows = load_rows(spec.data)
    result = train(spec, model_dir(rt.store, spec.model), rows, out, progress_cb=rt.progress_cb)
    index = {str(e): p.name for e, p in sorted(result.checkpoints.items())}
    atomic_write_json(out / "checkpoints.json", index)
    atomic_write_json(out / "train_report.json", result.report)
    return {"resumed_from": result.resumed_from, "checkpoints": index,
            "total_steps": result.report["total_steps"]}


def run_merge(step: Step, out: Path, rt: Runtime) -> dict:
    from repro.train.merge import merge_lora

    ckpt: CheckpointSpec = step.spec
    adapter = adapter_or_full_dir(rt.store, ckpt)
    merge_lora(model_dir(rt.store, ckpt.model), adapter, out / MODEL, ckpt.model.dtype)
    return {"adapter": str(adapter.relative_to(rt.store.base))}


