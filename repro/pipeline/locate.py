"""Where a finished step's outputs are: model directories for checkpoints, files for the rest."""

from __future__ import annotations

from pathlib import Path

from repro.errors import ReproError
from repro.pipeline.integrity import read_json
from repro.pipeline.kinds import kind
from repro.pipeline.store import ArtifactStore
from repro.specs import CheckpointSpec, ModelSpec, OrthoMergeCheckpointSpec


def output(store: ArtifactStore, kind_name: str, key: str) -> Path:
    """The output a step of ``kind_name`` leaves for the steps that read it (its kind record says which)."""
    return store.step_dir(kind_name, key).path / kind(kind_name).output


def model_dir(store: ArtifactStore, model: ModelSpec) -> Path:
    if model.source == "tiny":
        return output(store, "asset", model.key)
    if model.source == "fixture":
        from repro.assets.models import fixture_model_path

        return fixture_model_path(model)
    from repro.assets.models import check_tokenizer_roundtrip, hub_model_path

    path = hub_model_path(model)
    check_tokenizer_roundtrip(path, model.name)
    return path


def checkpoint_dir(store: ArtifactStore, ckpt: CheckpointSpec) -> Path:
    """A directory AutoModelForCausalLM can load: the base, a full-FT checkpoint, or a merged LoRA."""
    if isinstance(ckpt, OrthoMergeCheckpointSpec):
        return output(store, "orthomerge", ckpt.key)
    if ckpt.train is None:
        return model_dir(store, ckpt.model)
    if ckpt.train.parsed.is_lora:
        return output(store, "merge", ckpt.key)
    return adapter_or_full_dir(store, ckpt)


def adapter_or_full_dir(store: ArtifactStore, ckpt: CheckpointSpec) -> Path:
    """The trainer's own checkpoint for an epoch (the adapter alone for LoRA runs)."""
    train_dir = store.step_dir("train", ckpt.train.key)
    if not (train_dir.path / "checkpoints.json").is_file():
        raise ReproError(f"training run {ckpt.train.key} has no checkpoint index", "rerun the figure to finish it")
    rel = read_json(train_dir.path, "checkpoints.json", f"train/{ckpt.train.key}",
                    "running the figure again").get(str(ckpt.epoch))
    if rel is None:
        raise ReproError(f"training run {ckpt.train.key} has no epoch-{ckpt.epoch} checkpoint", "rerun to finish it")
    return train_dir.path / rel
