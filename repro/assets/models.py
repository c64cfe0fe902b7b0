"""Where a model's files are: hub models from the offline HF cache at their pinned revision."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from repro.assets.datasets import FIXTURES
from repro.assets.registry import hub_revision
from repro.errors import ReproError
from repro.specs import ModelSpec


def hub_model_path(spec: ModelSpec) -> Path:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from huggingface_hub import snapshot_download

    revision = hub_revision("model", spec.name, spec.revision)
    try:
        return Path(snapshot_download(spec.name, revision=revision, local_files_only=True))
    except Exception as exc:
        gated = " (gated: request access on the hub first)" if spec.gated else ""
        raise ReproError(f"model {spec.name}@{spec.revision} is not in the offline HF cache{gated}: "
                         f"{type(exc).__name__}", "download it on a machine with hub access, then rerun") from None


@functools.cache
def fixture_model_revision(name: str) -> str:
    """The revision of a shipped model directory: the sha256 prefix of its weights, so a rebuilt fixture
    gets new artifact keys and nothing computed from the old one is reused. Hashed once per process (every
    step that loads the model checks it: a worker process or a Slurm job checks the spec it was sent)."""
    import hashlib

    weights = FIXTURES / name / "model.safetensors"
    if not weights.is_file():
        raise ReproError(f"the shipped model {name} has no weights at {weights}",
                         "restore repro/assets/fixtures from git, or rebuild it: nox -s toy_rebuild")
    return "sha256:" + hashlib.sha256(weights.read_bytes()).hexdigest()[:16]


def fixture_model_path(spec: ModelSpec) -> Path:
    """A shipped model directory, checked against the spec's revision (its weights' hash)."""
    found = fixture_model_revision(spec.name)
    if found != spec.revision:
        raise ReproError(f"the shipped model {spec.name} is {found}, the spec asks for {spec.revision}",
                         "the fixture changed while the command ran: rerun it")
    return FIXTURES / spec.name
