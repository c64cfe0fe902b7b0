"""What every manifest records about the software and machine that made an artifact.

    code:        git sha and dirty flag (from the checkout, or baked into the image at build time)
    environment: the lock file's sha256, the image digest inside the container, package versions,
                 Python and platform
    hardware:    GPU model, count, memory and driver; CUDA and cuDNN versions
    run:         the seeds in the step's spec and the determinism settings in force
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata as md
import os
import platform
import subprocess
import sys
from pathlib import Path

from repro import roots

PACKAGES = ("torch", "transformers", "tokenizers", "safetensors", "huggingface-hub", "peft", "trl", "accelerate",
            "datasets", "lm-eval", "evalplus", "math-verify", "vllm", "numpy", "submitit")
REPO = roots.SOURCE_TREE
LOCK_FILE = REPO / "requirements" / "gpu.lock.txt"
CONTAINERENV = Path("/run/.containerenv")  # podman writes the image name and id here
# Set by the Containerfile (build args) or by `podman/docker run -e`: see README "Container".
IMAGE_ENV = {"image_digest": "REPRO_IMAGE_DIGEST", "base_image": "REPRO_BASE_IMAGE", "git_sha": "REPRO_GIT_SHA",
             "git_dirty": "REPRO_GIT_DIRTY", "lock_sha256": "REPRO_LOCK_SHA256"}


def _run(*cmd: str, cwd: Path | None = None) -> str | None:
    try:
        out = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() if out.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired):
        return None


def git_state() -> tuple[str | None, bool | None]:
    """(sha, dirty) of the checkout this package runs from; the image's baked values otherwise."""
    sha = _run("git", "rev-parse", "HEAD", cwd=REPO)
    if sha is None:
        dirty = os.environ.get(IMAGE_ENV["git_dirty"])
        return os.environ.get(IMAGE_ENV["git_sha"]), None if dirty is None else dirty == "1"
    status = _run("git", "status", "--porcelain", "--untracked-files=no", cwd=REPO)
    return sha, None if status is None else bool(status)


def lock_sha256() -> str | None:
    if LOCK_FILE.is_file():
        return hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()
    return os.environ.get(IMAGE_ENV["lock_sha256"])


def container() -> dict | None:
    """The image this process runs in, or None outside a container."""
    info = {}
    if CONTAINERENV.is_file():
        for line in CONTAINERENV.read_text().splitlines():
            key, _, value = line.partition("=")
            if key in ("image", "imageid", "engine"):
                info[key] = value.strip('"')
    in_image = os.environ.get("REPRO_CONTAINER") == "1"
    if not info and not in_image:
        return None
    return {**info, "image_digest": os.environ.get(IMAGE_ENV["image_digest"]),
            "base_image": os.environ.get(IMAGE_ENV["base_image"])}


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for p in PACKAGES:
        try:
            versions[p] = md.version(p)
        except md.PackageNotFoundError:
            versions[p] = None
    return versions


def hardware() -> dict:
    """GPUs as the driver reports them (nvidia-smi), with torch's CUDA and cuDNN versions."""
    info: dict = {"gpu_count": 0, "gpus": [], "driver": None, "cuda": None, "cudnn": None}
    smi = _run("nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader,nounits")
    if smi:
        rows = [[c.strip() for c in line.split(",")] for line in smi.splitlines() if line.strip()]
        info["gpus"] = [{"name": r[0], "memory_mib": int(float(r[1]))} for r in rows]
        info["driver"] = rows[0][2] if rows else None
    try:
        import torch
    except ImportError:
        return info
    info["cuda"] = torch.version.cuda
    info["cudnn"] = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    if torch.cuda.is_available():
        visible = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        info["visible_gpus"] = visible  # CUDA_VISIBLE_DEVICES may hide some of the machine's GPUs
        info["gpu_count"] = len(visible)
    return info


@functools.cache
def environment() -> dict:
    """Everything about this process that does not change while it runs."""
    sha, dirty = git_state()
    return {
        "git_sha": sha,
        "git_dirty": dirty,
        "lock_sha256": lock_sha256(),
        "container": container(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "hardware": hardware(),
    }


def seeds_of(spec: object) -> dict[str, object]:
    """Every ``seed``/``seeds`` field in a spec, by its path: {"benchmark.decoding.seeds": [0, ...]}."""
    found: dict[str, object] = {}

    def walk(obj: object, path: str) -> None:
        if not dataclasses.is_dataclass(obj):
            return
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            where = f"{path}.{f.name}" if path else f.name
            if f.name in ("seed", "seeds"):
                found[where] = list(value) if isinstance(value, tuple) else value
            else:
                walk(value, where)

    walk(spec, "")
    return found


def provenance(spec: object = None) -> dict:
    """The manifest's provenance block; with ``spec``, also the seeds it fixes."""
    from repro.pipeline.executors.determinism import determinism_settings

    out = {**environment(), "determinism": determinism_settings()}
    if spec is not None:
        out["seeds"] = seeds_of(spec)
    return out
