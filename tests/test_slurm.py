"""The Slurm executor on a real scheduler (`nox -s slurm` starts a one-node cluster with scripts/slurm-cluster.sh):
the smoke Fig. 1 as three sbatch jobs chained by afterok, its data the same as a local run's; a rerun skips
finished work; --no-wait then a rerun renders; a job requeued while it runs (scontrol requeue) resumes; a
cancelled job (scancel) is named on the rerun, which redoes it; a job past its time limit gets SIGUSR2 and is
requeued. Every case ends in a rendered figure.

A step that must still be running when the test requeues, cancels or times it out is held back on its job's first
attempt by a sitecustomize module on the job's PYTHONPATH (the step itself, the scheduler, the signal and the
requeue are the real ones); a requeued attempt (SLURM_RESTART_COUNT >= 1) runs at full speed.

Marked ``slurm`` and run by `nox -s slurm`, which sets REPRO_REQUIRE_SLURM=1: there a missing or silent scheduler
fails them; anywhere else they skip (a machine may have sbatch without a cluster this test may fill)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from repro.cli.common import recipe
from repro.pipeline.executors import make_executor
from repro.pipeline.executors.slurm import SlurmOptions, slurm_states
from repro.pipeline.plan import plan_recipes
from repro.pipeline.store import ArtifactStore

pytestmark = pytest.mark.slurm

PARTITION = os.environ.get("REPRO_SLURM_PARTITION", "cpu")
ACTIVATE = f"source {Path(sys.executable).parent / 'activate'}"
REPRO = [sys.executable, "-m", "repro"]
SLOW = """\
import os
kind, _, seconds = os.environ.get("REPRO_TEST_SLOW_STEP", "").partition(":")
if kind and os.environ.get("SLURM_RESTART_COUNT", "0") == "0":
    import time
    import repro.pipeline.executors.slurm as slurm
    run = slurm.run_one
    def held(step, *args, **kwargs):
        if step.kind == kind:
            time.sleep(float(seconds))
        return run(step, *args, **kwargs)
    slurm.run_one = held
"""


def _env(root: Path) -> dict:
    return {**os.environ, "REPRO_ARTIFACTS": str(root / "artifacts"), "REPRO_FIGURES": str(root / "figures")}


def _figure(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run([*REPRO, "figure", "1", "--profile", "smoke", *args], env=_env(root), capture_output=True,
                       text=True, timeout=600)
    if check:
        assert r.returncode == 0, r.stderr[-3000:]
    return r


def _slurm(root: Path, *extra: str, held: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    setup = [ACTIVATE]
    if held:
        hook = root / "hook"
        hook.mkdir(exist_ok=True)
        (hook / "sitecustomize.py").write_text(SLOW)
        setup += [f"export PYTHONPATH={hook}", f"export REPRO_TEST_SLOW_STEP={held}"]
    args = ["--executor", "slurm", "--slurm-partition", PARTITION, *extra]
    for line in setup:
        args += ["--slurm-setup", line]
    return _figure(root, *args, check=check)


def _data(root: Path) -> dict[str, bytes]:
    """The rendered figure's CSV and JSON, the JSON without the geometry pass's wall-clock timing (its seconds
    and bytes_per_s differ between any two runs, local or not) and without data_sha256, the digest of the JSON
    that includes them."""
    fig = root / "figures" / "fig01" / "smoke"
    doc = json.loads((fig / "fig01.json").read_text())
    for key in ("seconds", "bytes_per_s"):
        doc["pass"].pop(key)
    doc.pop("data_sha256", None)
    return {"csv": (fig / "fig01.csv").read_bytes(), "json": json.dumps(doc, sort_keys=True).encode()}


def _jobs(root: Path) -> dict[str, str]:
    """Step kind -> Slurm job id, from the executor's job index."""
    index = json.loads((root / "artifacts" / "smoke" / ".submitit" / "jobs.json").read_text())
    return {sid.split("/")[0]: jid for sid, jid in index.items()}


def _wait_for(job: str, state: str, timeout: float = 180) -> None:
    t0 = time.time()
    while (now := slurm_states([job]).get(job)) != state:
        assert time.time() - t0 < timeout, f"job {job} still {now} after {timeout} s"
        time.sleep(0.5)


def _release_requeued(job: str, timeout: float = 300) -> None:
    """Let a requeued job start at once. Slurm makes a requeued job wait two minutes (its BeginTime) before it
    may start again; a one-node test cluster has nothing to wait for, and the lane saves the minutes."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        out = subprocess.run(["scontrol", "show", "job", job], capture_output=True, text=True).stdout
        if "Reason=BeginTime" in out:
            subprocess.run(["scontrol", "update", f"JobId={job}", "StartTime=now"], check=True)
            return
        if "JobState=COMPLETED" in out:
            return
        time.sleep(0.5)


def _restarts(job: str) -> int:
    out = subprocess.run(["scontrol", "show", "job", job], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Restarts=(\d+)", out)[1])


@pytest.fixture(scope="module", autouse=True)
def scheduler():
    if os.environ.get("REPRO_REQUIRE_SLURM") != "1":
        pytest.skip("needs a Slurm cluster: `nox -s slurm` starts one on this machine and runs these")
    if shutil.which("sbatch") is None:
        pytest.fail("REPRO_REQUIRE_SLURM=1 but sbatch is not on PATH (scripts/slurm-cluster.sh start)")
    info = subprocess.run(["sinfo", "-h", "-p", PARTITION, "-o", "%T"], capture_output=True, text=True)
    assert info.returncode == 0 and re.search(r"idle|mixed|allocated", info.stdout), info.stderr or info.stdout


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> dict[str, bytes]:
    root = tmp_path_factory.mktemp("local")
    _figure(root)
    return _data(root)


def test_figure_on_slurm_matches_local_and_a_rerun_submits_nothing(tmp_path, local):
    first = _slurm(tmp_path)
    assert "3 Slurm jobs submitted" in first.stderr
    assert _data(tmp_path) == local
    # one line per job state change: no sacct warning, no line per poll
    assert "sacct" not in first.stderr and "WARNING" not in first.stderr
    lines = [ln for ln in first.stderr.splitlines() if re.match(r"job \d+ ", ln)]
    assert len(lines) == len(set(lines)) and 3 * 2 <= len(lines) <= 3 * 4, lines
    again = _slurm(tmp_path)
    assert "ran 0 steps" in again.stderr and "3 already done" in again.stderr, again.stderr
    assert "submitted" not in again.stderr.replace("(submitted", "")
    assert _data(tmp_path) == local


def test_no_wait_then_a_job_requeued_while_it_runs_resumes_and_the_rerun_renders(tmp_path, local):
    r = _slurm(tmp_path, "--no-wait", held="train:60")
    assert "3 jobs submitted, 3 steps not finished yet" in r.stderr, r.stderr
    assert not (tmp_path / "figures" / "fig01").exists()
    train = _jobs(tmp_path)["train"]
    _wait_for(train, "RUNNING")
    subprocess.run(["scontrol", "requeue", train], check=True)
    _release_requeued(train)
    again = _slurm(tmp_path, held="train:60")  # attaches to the queued jobs, follows them and renders
    assert "0 Slurm jobs submitted" in again.stderr, again.stderr
    assert _restarts(train) >= 1 and _jobs(tmp_path)["train"] == train  # the same job, run again
    assert _data(tmp_path) == local


def test_a_cancelled_job_is_named_on_the_rerun_which_redoes_it(tmp_path, local):
    _slurm(tmp_path, "--no-wait", held="train:60")
    jobs = _jobs(tmp_path)
    _wait_for(jobs["train"], "RUNNING")
    subprocess.run(["scancel", jobs["train"]], check=True)
    _wait_for(jobs["train"], "CANCELLED")
    again = _slurm(tmp_path)
    assert re.search(rf"resubmit: train \S+.*its job {jobs['train']} ended CANCELLED", again.stderr), again.stderr
    # its dependant never ran: Slurm cancels it (kill-on-invalid-dep) or it still waits; either way it finishes
    assert "1 already queued" in again.stderr or "2 Slurm jobs submitted" in again.stderr, again.stderr
    assert _jobs(tmp_path)["train"] != jobs["train"]
    assert _data(tmp_path) == local


def test_a_job_past_its_time_limit_gets_the_signal_and_resumes_after_requeue(tmp_path, local):
    """One-minute limits and SIGUSR2 30 s before the end: the held training step is still running when the
    signal comes; submitit requeues the same job, whose second attempt finishes the step."""
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(SLOW)
    module, prof, rec = recipe(1, "smoke")
    steps = plan_recipes([rec])
    store = ArtifactStore(tmp_path / "artifacts", "smoke")
    setup = (ACTIVATE, f"export PYTHONPATH={tmp_path / 'hook'}", "export REPRO_TEST_SLOW_STEP=train:120")
    opts = SlurmOptions(partition=PARTITION, max_time_min=1, signal_delay_s=30, setup=setup, poll_s=1)
    executor = make_executor("slurm", slurm=opts)
    with ThreadPoolExecutor(1) as pool:
        run = pool.submit(executor.run, steps, store)
        index = tmp_path / "artifacts" / "smoke" / ".submitit" / "jobs.json"
        while not (index.is_file() and "train" in _jobs(tmp_path)) and not run.done():
            time.sleep(0.2)
        if not run.done():
            _wait_for(_jobs(tmp_path)["train"], "RUNNING")
            _release_requeued(_jobs(tmp_path)["train"])
        counts = run.result()
    assert counts["ran"] == len(steps) == 3
    train = _jobs(tmp_path)["train"]
    assert _restarts(train) >= 1
    log = next((tmp_path / "artifacts" / "smoke" / ".submitit" / train).glob("*_log.err")).read_text()
    assert "Caught signal SIGUSR2" in log and "this job is timed-out" in log, log[-2000:]
    assert "DUE TO JOB REQUEUE" in log, log[-2000:]  # submitit's scontrol requeue ended the first attempt
    rendered = _slurm(tmp_path)  # nothing left to run: renders
    assert "ran 0 steps" in rendered.stderr, rendered.stderr
    assert _data(tmp_path) == local
