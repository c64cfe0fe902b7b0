"""Data-parallel training keeps the recipe: a smoke LoRA run on 2 processes (accelerate, gloo on
CPU, one sample per process) has the same effective batch, steps, checkpoints, LR schedule and,
within float tolerance, loss curve and adapter as the 1-process run with batch 2."""

from __future__ import annotations

import dataclasses
import json

import pytest
from safetensors.torch import load_file

from repro.assets.registry import R1_QWEN_7B, R1_QWEN_14B
from repro.errors import ReproError
from repro.pipeline.executors import make_executor
from repro.pipeline.executors.ddp import data_parallel_processes
from repro.pipeline.kinds import TRAIN
from repro.pipeline.plan import Planner
from repro.pipeline.store import ArtifactStore
from repro.profiles import get_profile
from repro.train.sft import per_device_batch_size, sft_config

SMOKE, PAPER = get_profile("smoke"), get_profile("paper")


def _spec():
    # Dropout off, so the two runs see the same function; a larger LR, so the loss curve moves
    # far enough for a wrong gradient (wrong batch split or loss normalisation) to show.
    return dataclasses.replace(SMOKE.train(R1_QWEN_7B, "lora_mlp_r1"), lora_dropout=0.0, learning_rate=3e-3)


def _train(root, processes: int):
    spec = _spec()
    planner = Planner()
    planner.plan(TRAIN, spec)
    store = ArtifactStore(root, "smoke")
    make_executor("local", train_processes=processes).run(list(planner.steps.values()), store)
    d = store.step_dir("train", spec.key).path
    report = json.loads((d / "train_report.json").read_text())
    manifest = json.loads((d / "manifest.json").read_text())
    adapter = load_file(d / "checkpoint-12" / "adapter_model.safetensors")
    return report, manifest, adapter


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    one = _train(tmp_path_factory.mktemp("one"), 1)
    two = _train(tmp_path_factory.mktemp("two"), 2)
    return one, two


def test_two_processes_keep_the_effective_batch_and_schedule(runs):
    (r1, m1, _), (r2, m2, _) = runs
    assert m1["executor"]["train_processes"] == 1 and m2["executor"]["train_processes"] == 2
    assert (r1["world_size"], r1["per_device_batch_size"]) == (1, 2)
    assert (r2["world_size"], r2["per_device_batch_size"]) == (2, 1)
    for key in ("effective_batch_size", "steps_per_epoch", "total_steps", "learning_rate", "lr_scheduler",
                "warmup_steps", "adam_betas", "max_grad_norm", "seed", "mixed_precision"):
        assert r1[key] == r2[key], key
    assert r2["effective_batch_size"] == 2 and r2["total_steps"] == 12  # 8 rows / 2, 3 epochs
    assert m1["facts"]["checkpoints"] == m2["facts"]["checkpoints"] == {"1": "checkpoint-4", "2": "checkpoint-8",
                                                                         "3": "checkpoint-12"}
    lr1 = [h["learning_rate"] for h in r1["loss_history"]]
    lr2 = [h["learning_rate"] for h in r2["loss_history"]]
    assert len(lr1) == 12 and lr1 == pytest.approx(lr2, rel=1e-12, abs=0)


def test_two_processes_follow_the_same_loss_curve(runs):
    (r1, _, a1), (r2, _, a2) = runs
    loss1 = [h["loss"] for h in r1["loss_history"]]
    loss2 = [h["loss"] for h in r2["loss_history"]]
    # The curve moves (so the comparison can fail) ...
    assert loss1[0] - min(loss1) > 0.05
    # ... and the 2-process curve follows it step by step (differences are float summation order).
    assert loss2 == pytest.approx(loss1, rel=2e-3)
    assert a1.keys() == a2.keys()
    for name in a1:
        diff = (a1[name] - a2[name]).norm() / a1[name].norm().clamp_min(1e-12)
        assert diff < 2e-2, name


def test_a_batch_that_does_not_split_stays_in_one_process():
    full14 = PAPER.train(R1_QWEN_14B, "full")
    assert full14.batch_size == 1
    assert data_parallel_processes(full14, 2) == 1  # model-parallel in one process, as the authors ran it
    lora14 = PAPER.train(R1_QWEN_14B, "lora_mlp_r1")
    assert data_parallel_processes(lora14, 2) == 2 and data_parallel_processes(lora14, 8) == 2
    with pytest.raises(ReproError, match="cannot be split evenly over 2"):
        per_device_batch_size(full14, 2)
    assert per_device_batch_size(lora14, 2) == 1 and per_device_batch_size(lora14, 1) == 2


def test_sft_config_asks_for_the_per_device_share_and_token_averaging(tmp_path, monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)  # one process: the per-device batch is the whole batch
    cfg = sft_config(SMOKE.train(R1_QWEN_7B, "lora_mlp_r1"), tmp_path, use_cpu=True)
    assert cfg.per_device_train_batch_size == 2 and cfg.gradient_accumulation_steps == 1
    assert cfg.average_tokens_across_devices is True
