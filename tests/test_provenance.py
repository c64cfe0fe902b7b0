"""Provenance in every manifest: code (git sha, dirty flag), environment (lock-file hash, image,
package versions), hardware (GPUs, driver, CUDA), the seeds a step's spec fixes and the
determinism settings in force."""

from __future__ import annotations

import hashlib
import json
import subprocess

import torch

from repro.assets.registry import R1_QWEN_7B
from repro.pipeline import provenance as P
from repro.pipeline.executors import make_executor
from repro.pipeline.executors.determinism import apply_determinism, determinism_settings
from repro.pipeline.kinds import ASSET
from repro.pipeline.plan import Planner
from repro.pipeline.store import ArtifactStore
from repro.profiles import get_profile

SMOKE = get_profile("smoke")


def test_code_and_environment_are_recorded():
    env = P.environment()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=P.REPO, capture_output=True, text=True).stdout.strip()
    assert env["git_sha"] == head and len(head) == 40
    assert isinstance(env["git_dirty"], bool)
    assert env["lock_sha256"] == hashlib.sha256(P.LOCK_FILE.read_bytes()).hexdigest()
    assert env["packages"]["torch"] == torch.__version__
    assert env["packages"]["submitit"] == "1.5.4"
    assert env["python"].startswith("3.")
    hw = env["hardware"]
    assert hw["cuda"] == torch.version.cuda
    assert hw["gpu_count"] == (torch.cuda.device_count() if torch.cuda.is_available() else 0)
    assert env["container"] is None or "image_digest" in env["container"]


def test_container_image_is_read_from_podman_and_the_run_command(tmp_path, monkeypatch):
    assert P.container() is None or P.CONTAINERENV.is_file()
    containerenv = tmp_path / ".containerenv"
    containerenv.write_text('engine="podman-5.4.0"\nname="repro-run"\nimage="localhost/repro:0.1"\n'
                            'imageid="0f1e2d3c4b5a"\nrootless=1\n')
    monkeypatch.setattr(P, "CONTAINERENV", containerenv)
    monkeypatch.setenv("REPRO_IMAGE_DIGEST", "sha256:" + "ab" * 32)
    monkeypatch.setenv("REPRO_BASE_IMAGE", "docker.io/nvidia/cuda:13.0.1-devel-ubuntu24.04@sha256:" + "cd" * 32)
    info = P.container()
    assert info["image"] == "localhost/repro:0.1" and info["imageid"] == "0f1e2d3c4b5a"
    assert info["image_digest"] == "sha256:" + "ab" * 32 and info["base_image"].endswith("cd" * 32)


def test_seeds_of_a_scoring_are_every_seed_it_depends_on():
    lora = SMOKE.train(R1_QWEN_7B, "lora_mlp_r1")
    score = SMOKE.score(SMOKE.checkpoints(lora)[0], "strongreject")
    seeds = P.seeds_of(score)
    assert seeds["generation.checkpoint.train.seed"] == 42  # the training run the checkpoint comes from
    assert seeds["generation.benchmark.decoding.seeds"] == [0]
    assert seeds["judge.decoding.seeds"] == [0]
    aime = P.seeds_of(SMOKE.score(SMOKE.checkpoints(lora)[0], "aime24"))
    assert aime["generation.benchmark.decoding.seeds"] == [0, 1]


def test_cheap_determinism_settings_are_set_and_recorded(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    torch.backends.cudnn.benchmark = True
    apply_determinism()
    d = determinism_settings()
    assert d["cudnn_deterministic"] is True and d["cudnn_benchmark"] is False
    assert d["env"]["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    assert d["torch_deterministic_algorithms"] is torch.are_deterministic_algorithms_enabled()
    assert d["matmul_allow_tf32"] is False
    assert "VLLM_BATCH_INVARIANT" in d["env"]


def test_every_manifest_carries_the_provenance(tmp_path):
    store = ArtifactStore(tmp_path, "smoke")
    planner = Planner()
    planner.plan(ASSET, SMOKE.model(R1_QWEN_7B))  # the tiny policy build: the cheapest real step
    step = next(iter(planner.steps.values()))
    make_executor("local").run([step], store)
    m = json.loads((store.step_dir(step.kind, step.key).path / "manifest.json").read_text())
    env = P.environment()
    for key in ("git_sha", "git_dirty", "lock_sha256", "container", "packages", "hardware", "python"):
        assert m[key] == json.loads(json.dumps(env[key])), key
    assert m["seeds"] == {"tiny.seed": SMOKE.model(R1_QWEN_7B).tiny.seed}
    assert m["determinism"]["cudnn_deterministic"] is True
    assert m["executor"]["name"] == "local" and m["executor"]["job_id"] is None
    assert m["started_at"] <= m["finished_at"]
