"""Executors: steps of a smoke figure as submitit jobs (local backend: one subprocess job per step),
dependencies honoured, finished steps skipped on a rerun, a preempted job requeued and resumed;
the Slurm job requests and sbatch lines each step would get."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import time
from datetime import datetime
from pathlib import Path

import pytest
import submitit
from submitit.slurm.slurm import _make_sbatch_string

from repro.assets.registry import R1_QWEN_7B, R1_QWEN_14B
from repro.errors import ReproError
from repro.pipeline.estimates import step_resources
from repro.pipeline.executors import make_executor
from repro.pipeline.executors.slurm import SlurmOptions, StepJob, slurm_parameters
from repro.pipeline.executors.step import run_one
from repro.pipeline.kinds import SCORE, TRAIN
from repro.pipeline.plan import Planner
from repro.pipeline.runners import Runtime
from repro.pipeline.steps import Step, StepId
from repro.pipeline.store import ArtifactStore
from repro.profiles import get_profile
from repro.train.checkpoints import whole_checkpoints

SMOKE, PAPER = get_profile("smoke"), get_profile("paper")


def _fig2_lora_point(profile):
    """Figure 2's LoRA epoch-1 point on R1-Distill-Qwen-7B: its safety and AIME scorings."""
    lora = profile.train(R1_QWEN_7B, "lora_mlp_r1")
    ckpt = profile.checkpoints(lora)[0]
    return [profile.score(ckpt, "strongreject"), profile.score(ckpt, "aime24")]


def _manifests(store: ArtifactStore, steps: list[Step]) -> dict[str, dict]:
    return {s.id: json.loads((store.step_dir(s.kind, s.key).path / "manifest.json").read_text()) for s in steps}


def _t(iso: str) -> datetime:
    return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%f%z")


@pytest.fixture(scope="module")
def submitted(tmp_path_factory):
    root = tmp_path_factory.mktemp("submitit")
    store = ArtifactStore(root / "artifacts", "smoke")
    steps = plan_scores(_fig2_lora_point(SMOKE))
    executor = make_executor("submitit-local", slurm=SlurmOptions(max_parallel=2, poll_s=0.2))
    first = executor.run(steps, store)
    before = _manifests(store, steps)
    t0 = time.time()
    again = executor.run(steps, store)
    return store, steps, first, before, again, time.time() - t0


@pytest.mark.slow
def test_every_step_ran_as_its_own_job(submitted):
    store, steps, first, before, *_ = submitted
    # build the policy and the judges, train, merge epoch 1, two generations, two scorings
    kinds = [s.kind for s in steps]
    assert {k: kinds.count(k) for k in ("train", "merge", "generate", "score")} == {
        "train": 1, "merge": 1, "generate": 2, "score": 2}
    assert kinds.count("asset") >= 2
    assert first["ran"] == first["submitted"] == len(steps) and first["skipped"] == 0
    jobs = [m["executor"]["job_id"] for m in before.values()]
    assert all(m["executor"]["name"] == "submitit-local" for m in before.values())
    assert None not in jobs and len(set(jobs)) == len(steps)  # one job (process) per step
    assert all(store.step_dir(s.kind, s.key).done for s in steps)


@pytest.mark.slow
def test_no_step_started_before_its_inputs_were_complete(submitted):
    _, steps, _, before, *_ = submitted
    checked = 0
    for s in steps:
        started = _t(before[s.id]["started_at"])
        for dep in s.deps:
            assert started >= _t(before[dep]["finished_at"]), (s.id, dep)
            checked += 1
    assert checked >= 8  # train<-asset, merge<-train+asset, generate<-merge, score<-generate(+judge asset)


@pytest.mark.slow
def test_rerun_skips_every_finished_step(submitted):
    store, steps, _, before, again, again_s = submitted
    assert again["ran"] == again["submitted"] == 0 and again["skipped"] == len(steps)
    assert _manifests(store, steps) == before  # nothing rewritten
    assert again_s < 5


def test_a_step_never_starts_before_its_inputs(tmp_path):
    store = ArtifactStore(tmp_path, "smoke")
    planner = Planner()
    train = SMOKE.train(R1_QWEN_7B, "lora_mlp_r1")
    planner.plan(TRAIN, train)
    train_step = planner.steps[StepId("train", train.key)]
    with pytest.raises(ReproError, match="cannot start: its inputs asset/"):
        run_one(train_step, store, runtime=None)
    assert not store.step_dir("train", train.key).started  # nothing written


@pytest.mark.slow
def test_preempted_job_is_requeued_and_resumes(tmp_path):
    """SIGUSR2 (what Slurm sends before preemption or the time limit) mid-training: submitit
    requeues the same job and the step resumes from its last whole checkpoint."""
    store = ArtifactStore(tmp_path / "artifacts", "smoke")
    spec = dataclasses.replace(SMOKE.train(R1_QWEN_7B, "lora_mlp_r1"), epochs=4)  # 16 steps, 4 checkpoints
    planner = Planner()
    planner.plan(TRAIN, spec)
    asset, train = list(planner.steps.values())
    run_one(asset, store, Runtime(store))
    ex = submitit.LocalExecutor(folder=tmp_path / "jobs" / "%j")
    ex.update_parameters(timeout_min=10)
    job = ex.submit(StepJob(str(store.root), store.profile, train, "submitit-local"))
    run_dir = store.step_dir("train", spec.key).path
    deadline = time.time() + 120
    while not whole_checkpoints(run_dir) and time.time() < deadline:
        time.sleep(0.05)
    assert whole_checkpoints(run_dir), job.stderr()
    # SIGUSR2 to the job's process, as Slurm sends it before preemption or the time limit (frozen
    # first, so the signal lands mid-training however fast the remaining steps are).
    task = int(Path(f"/proc/{job._process.pid}/task/{job._process.pid}/children").read_text().split()[0])
    os.kill(task, signal.SIGSTOP)
    os.kill(task, signal.SIGUSR2)
    os.kill(task, signal.SIGCONT)
    job.wait()
    assert job.state == "FINISHED", job.stderr()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["facts"]["resumed_from"] is not None and manifest["facts"]["resumed_from"].startswith("checkpoint-")
    assert manifest["facts"]["total_steps"] == 16 and len(manifest["facts"]["checkpoints"]) == 4
    report = json.loads((run_dir / "train_report.json").read_text())
    assert [h["step"] for h in report["loss_history"]] == list(range(1, 17))
    assert "requeu" in (job.stdout() or "") + (job.stderr() or "")


def test_slurm_requests_and_dependencies_per_step(tmp_path):
    scores = [PAPER.score(PAPER.checkpoints(PAPER.train(R1_QWEN_14B, "full"))[-1], "aime24")]
    steps = {s.kind: s for s in plan_scores(scores)}
    full = step_resources(steps["train"], gpu_mem_gb=80)
    assert full.gpus == 2  # 118 GB of bf16 weights, grads and AdamW states: two H100s, one process
    assert step_resources(steps["train"], gpu_mem_gb=141).gpus == 1  # one H200 (docs/compute.md#compute)
    assert step_resources(steps["train"], gpu_mem_gb=80, train_processes=2).gpus == 2  # batch 1: no data parallel
    lora = Planner()
    lora.plan(TRAIN, PAPER.train(R1_QWEN_14B, "lora_mlp_r1"))
    lora_step = next(iter(lora.steps.values()))
    assert step_resources(lora_step, train_processes=1).gpus == 1
    assert step_resources(lora_step, train_processes=2).gpus == 2
    gen = step_resources(steps["generate"])
    assert gen.gpus == 1 and gen.time_min > 30
    assert step_resources(steps["score"]).gpus == 2  # the Qwen2.5-32B AIME judge: 66 GB of fp16 weights + KV cache
    assert step_resources(steps["score"], gpu_mem_gb=141).gpus == 1
    gpqa = plan_scores([PAPER.score(PAPER.base(R1_QWEN_14B), "gpqa_diamond")])[-1]
    assert step_resources(gpqa).gpus == 0  # regex scorer, no judge: CPU

    opts = SlurmOptions(partition="gpu", account="lab", gpu_mem_gb=80)
    params = slurm_parameters(steps["train"], full, opts, after=["1001", "1002"])
    sbatch = _make_sbatch_string(command="python -m submitit.core._submit x", folder=tmp_path, **params)
    for line in ("#SBATCH --dependency=afterok:1001:1002", "#SBATCH --kill-on-invalid-dep=yes",
                 "#SBATCH --gpus-per-node=2", "#SBATCH --partition=gpu", "#SBATCH --account=lab",
                 f"#SBATCH --time={full.time_min}", "#SBATCH --signal=USR2@180", "#SBATCH --nodes=1"):
        assert line in sbatch, line
    assert "dependency" not in slurm_parameters(steps["train"], full, opts, after=[])


def test_slurm_without_sbatch_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no sbatch here
    store = ArtifactStore(tmp_path, "smoke")
    with pytest.raises(ReproError, match="needs Slurm's sbatch"):
        make_executor("slurm").run(plan_scores(_fig2_lora_point(SMOKE)), store)
    assert not any(Path(tmp_path, "smoke").glob("*/*/COMPLETE"))


@pytest.mark.slow
def test_local_workers_run_steps_side_by_side_with_the_same_results(tmp_path):
    """``--jobs 2``: steps in two worker processes, none before its inputs, every score equal to one process's."""
    steps = plan_scores(_fig2_lora_point(SMOKE))
    stores = {jobs: ArtifactStore(tmp_path / f"jobs{jobs}", "smoke") for jobs in (1, 2)}
    for jobs, store in stores.items():
        counts = make_executor("local", jobs=jobs).run(steps, store)
        assert counts["ran"] == len(steps) and counts["skipped"] == 0
    par = _manifests(stores[2], steps)
    assert len({m["executor"]["pid"] for m in par.values()}) == 2 and os.getpid() not in {
        m["executor"]["pid"] for m in par.values()}
    for s in steps:
        for dep in s.deps:
            assert _t(par[s.id]["started_at"]) >= _t(par[dep]["finished_at"]), (s.id, dep)
    for s in steps:
        if s.kind == "score":
            read = [json.loads((st.step_dir(s.kind, s.key).path / "score.json").read_text()) for st in stores.values()]
            assert read[0]["value"] == read[1]["value"]
    assert make_executor("local", jobs=2).run(steps, stores[2]) == {"skipped": len(steps), "ran": 0}


def test_jobs_are_for_the_local_executor_only():
    with pytest.raises(ReproError, match="--jobs 2 is for the local executor"):
        make_executor("submitit-local", jobs=2)
    with pytest.raises(ReproError, match="--jobs must be at least 1"):
        make_executor("local", jobs=0)


def test_the_plan_loads_each_model_once():
    """Steps are ordered by stage, and inside a stage by the model they load: a checkpoint's generations are
    consecutive (the widest context first) and scorings sort by judge, so one engine serves each model once."""
    from repro.figures.registry import figure_module
    from repro.pipeline.kinds import KINDS
    from repro.pipeline.plan import plan_recipe

    for profile in ("smoke", "paper"):
        steps = plan_recipe(figure_module(2).recipe(get_profile(profile)))
        seen = set()
        for s in steps:
            assert all(d in seen for d in s.deps), (profile, s.id)  # still a dependency order
            seen.add(s.id)
        assert [KINDS[s.kind].stage for s in steps] == sorted(KINDS[s.kind].stage for s in steps)
        gens = [s.spec.checkpoint.key for s in steps if s.kind == "generate"]
        runs = [k for i, k in enumerate(gens) if i == 0 or gens[i - 1] != k]
        assert len(runs) == len(set(gens)), profile  # each checkpoint's generations in one block
        judges = [s.spec.judge.model.key if s.spec.judge else "" for s in steps if s.kind == "score"]
        assert sum(1 for i, j in enumerate(judges) if i == 0 or judges[i - 1] != j) == len(set(judges))
    caps = [s.spec.benchmark.decoding.max_model_len for s in steps if s.kind == "generate"][:5]
    assert caps[0] is None and caps[1:] == [32768] * 4  # paper: StrongREJECT (the model's context) serves first


def plan_scores(scores) -> list:
    """The steps of ``scores``, each after the steps it reads."""
    planner = Planner()
    for s in scores:
        planner.plan(SCORE, s)
    return list(planner.steps.values())
