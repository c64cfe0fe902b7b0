"""Fault injection: a run killed anywhere, a store damaged in each way, a full disk, a read-only store and two
figures at once on one store. Each fault must end in the uninterrupted run's figure, byte for byte, with nothing
finished lost or redone; a damaged step must be found, never read as right. The suite's table (faults injected,
survived, data lost) prints at the end of the test run."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from repro.faults import ENV, POINTS

pytestmark = pytest.mark.slow
FIG = "10"  # the smoke Fig. 10: every step kind a figure of checkpoints has (asset, train, merge, generate, score)
RESULTS: list[dict] = []  # one row per fault, for the table (conftest prints it)


def repro(store: Path, *args: str, fault: str | None = None, figures: Path | None = None, wrap: str | None = None):
    env = {**os.environ, "REPRO_ARTIFACTS": str(store), "REPRO_FIGURES": str(figures or store.parent / "figures")}
    env.pop(ENV, None)
    if fault:
        env[ENV] = fault
    cmd = [sys.executable, "-m", "repro", *args]
    if wrap:  # run inside a shell line of its own (a private mount namespace)
        cmd = ["unshare", "-rm", "sh", "-c", wrap + " && exec " + " ".join(cmd)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)


def figure(store: Path, extra: tuple[str, ...] = (), **kw):
    return repro(store, "figure", FIG, "--profile", "smoke", *extra, **kw)


def csv(store: Path) -> bytes:
    return (store.parent / "figures" / f"fig{FIG}" / "smoke" / f"fig{FIG}.csv").read_bytes()


def finished(store: Path) -> dict[str, str]:
    """Every finished step and when it finished (a step made again finishes at another time)."""
    out = {}
    for marker in store.glob("smoke/*/*/COMPLETE"):
        try:
            out[f"{marker.parent.parent.name}/{marker.parent.name}"] = json.loads(
                (marker.parent / "manifest.json").read_text())["finished_at"]
        except (OSError, ValueError):
            out[f"{marker.parent.parent.name}/{marker.parent.name}"] = "unreadable"
    return out


def record(kind: str, fault: str, survived: bool, lost: int) -> None:
    RESULTS.append({"kind": kind, "fault": fault, "survived": survived, "lost": lost})


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("reference")
    proc = figure(root / "artifacts")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root / "artifacts", csv(root / "artifacts")


def _kill_points(n: int = 10, seed: int = 20261206) -> list[str]:
    """``n`` seeded kill points over every named point: the k-th time a run reaches it (k within what the smoke
    Fig. 10 reaches: 32 steps, 20 training steps, 12 generations with up to 2 seeds, 12 scorings)."""
    reach = {"step.start": 32, "step.written": 32, "step.manifest": 32, "generate.seed": 16, "score.verdicts": 12,
             "train.step": 20}
    rng = random.Random(seed)
    points = [f"{p}@{rng.randint(1, reach[p])}" for p in POINTS]  # each point once
    points += [f"{p}@{rng.randint(1, reach[p])}" for p in rng.choices(POINTS, k=n - len(POINTS))]
    return points


@pytest.mark.parametrize("fault", _kill_points())
def test_killed_anywhere_resumes_to_the_same_figure(tmp_path, reference, fault):
    _, want = reference
    store = tmp_path / "artifacts"
    killed = figure(store, fault=fault)
    assert killed.returncode == -9, f"{fault} was never reached:\n{killed.stderr[-2000:]}"
    before = finished(store)
    resumed = figure(store)
    after = finished(store)
    lost = sum(after.get(k) != v for k, v in before.items())  # finished before the kill, made again after it
    survived = resumed.returncode == 0 and csv(store) == want
    record("kill", fault, survived, lost)
    assert survived, resumed.stderr[-3000:]
    assert lost == 0
    assert repro(store, "check", FIG, "--profile", "smoke").returncode == 0


def _damage(store: Path, how: str) -> str:
    """Damage one output of a finished store; return the step it belongs to."""
    base = store / "smoke"
    score = next(base.glob("score/*base-aime24*"))
    if how == "deleted score":
        (score / "score.json").unlink()
    elif how == "garbage score":
        (score / "score.json").write_text("}{ not json")
    elif how == "plausible wrong value":
        d = json.loads((score / "score.json").read_text())
        d["value"] = 0.777
        (score / "score.json").write_text(json.dumps(d, indent=2, sort_keys=True) + "\n")
    elif how == "truncated manifest":
        score = next(base.glob("train/*"))
        m = score / "manifest.json"
        m.write_bytes(m.read_bytes()[:100])
    elif how == "deleted generations":
        score = next(base.glob("generate/*base-aime24*"))
        (score / "generations.jsonl").unlink()
    elif how == "deleted model weights":
        score = next(base.glob("merge/*"))
        (score / "model" / "model.safetensors").unlink()
    return f"{score.parent.name}/{score.name}"


@pytest.mark.parametrize("how", ["deleted score", "garbage score", "plausible wrong value", "truncated manifest",
                                 "deleted generations", "deleted model weights"])
def test_damage_is_found_and_made_again(tmp_path, reference, how):
    source, want = reference
    store = tmp_path / "artifacts"
    shutil.copytree(source, store)
    step = _damage(store, how)
    check = repro(store, "check", FIG, "--profile", "smoke")
    found = check.returncode == 1 and re.search(rf"^damaged\t{re.escape(step)}\t", check.stdout, re.M) is not None
    rerun = figure(store)
    survived = found and rerun.returncode == 0 and csv(store) == want and f"redo: {step}" in rerun.stderr
    record("damage", how, survived, 0 if survived else 1)
    assert found, check.stdout
    assert survived, rerun.stderr[-3000:]
    assert repro(store, "check", FIG, "--profile", "smoke").returncode == 0


def test_stop_on_damage_stops_before_anything_runs(tmp_path, reference):
    source, _ = reference
    store = tmp_path / "artifacts"
    shutil.copytree(source, store)
    step = _damage(store, "plausible wrong value")
    before = finished(store)
    line = _one_error(figure(store, extra=("--stop-on-damage",)))
    assert step in line and "damaged" in line and "repro check" in line
    assert finished(store) == before


def _namespaces() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-rm", "true"], capture_output=True).returncode == 0


needs_namespaces = pytest.mark.skipif(not _namespaces(), reason="needs unshare -rm (user and mount namespaces)")


def _one_error(proc) -> str:
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert proc.returncode == 2 and len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return lines[0]


@needs_namespaces
def test_a_full_disk_is_one_line_and_resumes(tmp_path, reference):
    """On a 3 MB tmpfs the run stops at the first step that does not fit: one line, no step marked done that is
    not whole; moved to a real disk, the store resumes to the same figure."""
    _, want = reference
    small, copy = tmp_path / "small", tmp_path / "copy"
    small.mkdir()
    py, env = sys.executable, f"REPRO_ARTIFACTS={small} REPRO_FIGURES={tmp_path}/f"
    subprocess.run(["unshare", "-rm", "sh", "-c",
                    f"mount -t tmpfs -o size=3m tmpfs {small} && "
                    f"{{ {env} {py} -m repro figure {FIG} --profile smoke 2> {tmp_path}/err.txt; echo $? > {tmp_path}/rc; }}"
                    f" && {env} {py} -m repro check {FIG} --profile smoke --json > {tmp_path}/check.json; cp -a {small} {copy}"],
                   env={k: v for k, v in os.environ.items() if k != ENV}, timeout=1800)
    errors = [ln for ln in (tmp_path / "err.txt").read_text().splitlines() if ln.startswith("error:")]
    statuses = [r["status"] for r in json.loads((tmp_path / "check.json").read_text())["steps"]]
    resumed = figure(copy)
    one_line = (tmp_path / "rc").read_text().strip() == "2" and len(errors) == 1 and "no space left" in errors[0]
    whole = bool(statuses) and not {"damaged", "stale"} & set(statuses)
    survived = one_line and whole and resumed.returncode == 0 and csv(copy) == want
    record("disk full", "3 MB tmpfs", survived, 0 if survived else 1)
    assert one_line and "not marked done" in errors[0], (tmp_path / "err.txt").read_text()[-2000:]
    assert whole, statuses
    assert survived, resumed.stderr[-3000:]


@needs_namespaces
def test_a_read_only_store_is_one_line_and_untouched(tmp_path, reference):
    source, _ = reference
    store = tmp_path / "artifacts"
    shutil.copytree(source, store)
    victim = next((store / "smoke").glob("score/*base-aime24*"))
    shutil.rmtree(victim)
    before = finished(store)
    proc = figure(store, wrap=f"mount --bind {store} {store} && mount -o remount,ro,bind {store}")
    line = _one_error(proc)
    untouched = finished(store) == before and not victim.exists()
    record("read-only", "store mounted read-only", "read-only file system" in line and untouched, 0)
    assert "read-only file system" in line and "REPRO_ARTIFACTS" in line
    assert untouched


def test_two_figures_at_once_both_finish_and_run_each_step_once(tmp_path):
    """Fig. 2 and Fig. 9 (whose steps are all Fig. 2's) started together on one store: a step the other process
    holds is waited for and skipped once it is done."""
    store = tmp_path / "artifacts"
    env = {**os.environ, "REPRO_ARTIFACTS": str(store), "REPRO_FIGURES": str(tmp_path / "figures")}
    procs = [subprocess.Popen([sys.executable, "-m", "repro", "figure", n, "--profile", "smoke"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in ("2", "9")]
    outs = [p.communicate(timeout=1800) for p in procs]
    ran = [int(re.search(r"ran (\d+) steps", err).group(1)) for _, err in outs]
    union = json.loads(repro(store, "plan", "2", "--profile", "smoke", "--json").stdout)["steps"]
    survived = all(p.returncode == 0 for p in procs) and sum(ran) == len(union)
    record("concurrency", "figures 2 and 9 at once", survived, 0 if survived else 1)
    assert all(p.returncode == 0 for p in procs), [e[-2000:] for _, e in outs]
    assert sum(ran) == len(union) == len(list(store.glob("smoke/*/*/COMPLETE")))
    for n in ("02", "09"):
        assert (tmp_path / "figures" / f"fig{n}" / "smoke" / f"fig{n}.csv").stat().st_size > 0


def test_renderers_racing_on_one_figure_directory(tmp_path):
    """Two processes replacing one figure directory 300 times each: no error, one whole directory, no leftovers."""
    code = ("import sys; from pathlib import Path; from repro.files import building\n"
            "for i in range(300):\n"
            "    with building(Path(sys.argv[1]) / 'fig02' / 'smoke') as tmp:\n"
            "        for ext in ('png', 'json', 'csv'):\n"
            "            (tmp / f'fig02.{ext}').write_text(f'{sys.argv[2]} {i}')\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), tag], stderr=subprocess.PIPE, text=True)
             for tag in ("a", "b")]
    errs = [p.communicate(timeout=600)[1] for p in procs]
    target = tmp_path / "fig02" / "smoke"
    contents = {f.read_text() for f in target.iterdir()}
    survived = all(p.returncode == 0 for p in procs) and len(contents) == 1 and \
        sorted(p.name for p in (tmp_path / "fig02").iterdir()) == ["smoke"]
    record("concurrency", "600 figure-directory replacements", survived, 0 if survived else 1)
    assert all(p.returncode == 0 for p in procs), errs
    assert len(contents) == 1  # the three files of one writer's one round
    assert sorted(p.name for p in (tmp_path / "fig02").iterdir()) == ["smoke"]  # no .old-* or build dirs left
