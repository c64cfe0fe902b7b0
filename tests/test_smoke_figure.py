"""Figure 2 end to end on the smoke profile: a crash during training resumes from the last
checkpoint, the figure renders with its data, and a rerun trains and generates nothing."""

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from repro.faults import ENV as FAULT_ENV

pytestmark = pytest.mark.slow


def _run(env, extra=None):
    return subprocess.run([sys.executable, "-m", "repro", "figure", "2", "--profile", "smoke"], capture_output=True,
                          text=True, env={**os.environ, **env, **(extra or {})}, timeout=1800)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("smoke")
    env = {"REPRO_ARTIFACTS": str(root / "artifacts"), "REPRO_FIGURES": str(root / "figures")}
    # 1. Killed hard (SIGKILL) at step 6 of the first training run: after the epoch-1 checkpoint (step 4).
    killed = _run(env, {FAULT_ENV: "train.step@6"})
    after_kill = {d.name: ((d / "COMPLETE").exists(), sorted(p.name for p in d.glob("checkpoint-*")))
                  for d in _train_dirs(root)}
    # 2. The same command again: resumes, finishes everything, renders.
    t0 = time.time()
    resumed = _run(env)
    resumed_s = time.time() - t0
    # 3. And once more: nothing left to do.
    t0 = time.time()
    again = _run(env)
    again_s = time.time() - t0
    return root, (killed, after_kill), resumed, resumed_s, again, again_s


def _train_dirs(root: Path):
    d = root / "artifacts" / "smoke" / "train"
    return sorted(d.iterdir()) if d.is_dir() else []


def test_kill_during_training_leaves_an_unfinished_step(runs):
    _, (killed, after_kill), *_ = runs
    assert killed.returncode == -9, killed.stderr[-2000:]
    # Exactly one training run had started; it is unfinished and holds the epoch-1 checkpoint.
    assert len(after_kill) == 1
    (complete, ckpts), = after_kill.values()
    assert not complete and ckpts == ["checkpoint-4"]


def test_rerun_resumes_from_the_last_checkpoint(runs):
    root, _, resumed, *_ = runs
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    manifests = [json.loads((d / "manifest.json").read_text()) for d in _train_dirs(root)]
    resumed_runs = [m for m in manifests if m["facts"]["resumed_from"]]
    assert len(resumed_runs) == 1
    m = resumed_runs[0]
    assert m["facts"]["resumed_from"] == "checkpoint-4"
    assert m["facts"]["total_steps"] == 8 and m["facts"]["checkpoints"] == {"1": "checkpoint-4", "2": "checkpoint-8"}
    report = json.loads((root / "artifacts" / "smoke" / "train" / m["key"] / "train_report.json").read_text())
    assert [h["step"] for h in report["loss_history"]] == list(range(1, 9))  # history carried across the crash


def test_figure_is_rendered_with_its_data(runs):
    root, _, resumed, resumed_s, *_ = runs
    out = root / "figures" / "fig02" / "smoke"
    for ext in ("png", "pdf", "json", "csv"):
        assert (out / f"fig02.{ext}").stat().st_size > 0
    rows = list(csv.DictReader((out / "fig02.csv").open()))
    # 2 models x 4 benchmarks panels; base 1 + full 2 + LoRA 3 checkpoints each.
    assert len(rows) == 8 * 6
    assert {r["panel"].split(": ")[1] for r in rows} == {"AIME 2024", "GPQA-Diamond", "HumanEval+", "MBPP+"}
    code = [r for r in rows if r["panel"].endswith(("HumanEval+", "MBPP+"))]
    assert {r["reasoning_metric"] for r in code} == {"plus_pass@1"}
    assert {r["series"] for r in rows} == {"Base", "Full", "LoRA"}
    for r in rows:
        assert 0.0 <= float(r["safety"]) <= 1.0 and 0.0 <= float(r["reasoning"]) <= 1.0
        assert int(r["safety_n"]) == 8 and int(r["reasoning_samples_per_question"]) == 2
    data = json.loads((out / "fig02.json").read_text())
    assert data["profile"] == "smoke" and data["deviations"]
    print(f"resumed run: {resumed_s:.1f} s")  # timings are reported, not asserted (load-dependent)


def test_rerun_does_nothing_and_is_fast(runs):
    *_, again, again_s = runs
    assert again.returncode == 0, again.stderr[-2000:]
    assert "ran 0 steps" in again.stderr
    print(f"no-op rerun: {again_s:.1f} s")


def test_figure_9_renders_from_figure_2s_generations(runs):
    root, *_ = runs
    env = {"REPRO_ARTIFACTS": str(root / "artifacts"), "REPRO_FIGURES": str(root / "figures")}
    proc = subprocess.run([sys.executable, "-m", "repro", "figure", "9", "--profile", "smoke"], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ran 0 steps" in proc.stderr  # the base tests were scored with the plus tests, from the same files
    rows = list(csv.DictReader((root / "figures" / "fig09" / "smoke" / "fig09.csv").open()))
    fig2 = {(r["checkpoint"], r["reasoning_score_key"]) for r in
            csv.DictReader((root / "figures" / "fig02" / "smoke" / "fig02.csv").open())}
    assert len(rows) == 4 * 6 and {r["reasoning_metric"] for r in rows} == {"base_pass@1"}
    assert {(r["checkpoint"], r["reasoning_score_key"]) for r in rows} <= fig2


def test_shared_runs_are_trained_once(runs):
    root, *_ = runs
    # Figure 2 needs 4 training runs (7B/14B x full/LoRA), used by 24 points: each trained exactly once.
    assert len(_train_dirs(root)) == 4
