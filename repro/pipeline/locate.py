"""Where a finished step's outputs are: model directories for checkpoints, files for the rest.

This is where a step's inputs are resolved, so it is where they are checked: every path it returns inside the store
has been compared with its step's record by content (``integrity.verified``: sha256 of every file, remembered by
this process per (device, inode, size, mtime)), and a step never loads a file it has not checked.

The names of the outputs later steps read are here too: the runners write them, the readers here and in the runners
read them, and each step kind names its own (``repro.pipeline.kinds``)."""

from __future__ import annotations

from pathlib import Path

from repro.errors import ReproError
from repro.pipeline.integrity import read_json, verified
from repro.pipeline.steps import StepId
from repro.pipeline.store import ArtifactStore
from repro.specs import CheckpointSpec, ModelSpec, OrthoMergeCheckpointSpec

AGAIN = "running the same command again"  # what redoes a damaged step: the executor finds it and runs it anew
MODEL = "model"  # the model directory an asset, merge or orthomerge step leaves
GENERATIONS = "generations.jsonl"  # a generate step's completions, every seed
SCORE = "score.json"  # a score step's summary
VERDICTS = "verdicts.jsonl"  # a score step's verdict per sample


def _model(store: ArtifactStore, sid: StepId) -> Path:
    """The model directory a step that makes weights leaves for the steps that read it."""
    return verified(store.step_dir(sid.kind, sid.key).path, MODEL, sid, AGAIN)


def model_dir(store: ArtifactStore, model: ModelSpec) -> Path:
    if model.source == "tiny":
        return _model(store, StepId("asset", model.key))
    if model.source == "fixture":
        from repro.assets.models import fixture_model_path

        return fixture_model_path(model)
    from repro.assets.models import hub_model_path
    from repro.assets.tokenizers import load_tokenizer

    path = hub_model_path(model)
    load_tokenizer(path)  # refuses a tokenizer that does not round-trip text before any step uses the model
    return path


def checkpoint_dir(store: ArtifactStore, ckpt: CheckpointSpec) -> Path:
    """A directory AutoModelForCausalLM can load: the base, a full-FT checkpoint, or a merged LoRA."""
    if isinstance(ckpt, OrthoMergeCheckpointSpec):
        return _model(store, StepId("orthomerge", ckpt.key))
    if ckpt.train is None:
        return model_dir(store, ckpt.model)
    if ckpt.train.parsed.is_lora:
        return _model(store, StepId("merge", ckpt.key))
    return adapter_or_full_dir(store, ckpt)


def adapter_or_full_dir(store: ArtifactStore, ckpt: CheckpointSpec) -> Path:
    """The trainer's own checkpoint for an epoch (the adapter alone for LoRA runs)."""
    assert ckpt.train is not None  # callers pass trained checkpoints only
    sid = StepId("train", ckpt.train.key)
    train_dir = store.step_dir(sid.kind, sid.key)
    if not (train_dir.path / "checkpoints.json").is_file():
        raise ReproError(f"training run {ckpt.train.key} has no checkpoint index", "rerun the figure to finish it")
    rel = read_json(train_dir.path, "checkpoints.json", sid, AGAIN).get(str(ckpt.epoch))
    if not isinstance(rel, str):
        raise ReproError(f"training run {ckpt.train.key} has no epoch-{ckpt.epoch} checkpoint", "rerun to finish it")
    return verified(train_dir.path, rel, sid, AGAIN)
