"""Fault injection: a run killed anywhere, a store damaged in each way (by a careful hand too: records edited to
match, directories copied onto other keys, links out of the store), a full disk, a read-only store, two figures at
once on one store, Ctrl-C, and inputs that must be refused (names, numbers, paths of the wrong type). Each fault
must end in the uninterrupted run's figure, byte for byte, with nothing finished lost or redone, or in one error
line with nothing written; a damaged step must be found, never read as right, and nothing outside the store
touched. The damage cases share one finished store (copied per case). The suite's table (faults injected,
survived, data lost) prints at the end of the test run."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
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


def _edit_manifest(step: Path, change) -> None:
    m = json.loads((step / "manifest.json").read_text())
    change(m)
    (step / "manifest.json").write_text(json.dumps(m, indent=2, sort_keys=True) + "\n")


def _redigest(m: dict) -> None:
    """What a careful hand does after editing a record: the digest made to match it."""
    from repro.pipeline.integrity import outputs_digest

    m["outputs_digest"] = outputs_digest(m["outputs"])


def _weights_read_again(base: Path) -> tuple[Path, Path]:
    """A merged model and its weights file, with one generation that reads it deleted (so that it is read again)."""
    merge = next(base.glob("merge/*"))
    ckpt = merge.name.rsplit("-", 1)[0]
    shutil.rmtree(next(base.glob(f"generate/{ckpt}-*")))
    return merge, merge / "model" / "model.safetensors"


def _damage(store: Path, how: str, outside: Path | None = None) -> str:
    """Damage one output of a finished store; return the step it belongs to (``outside``: a directory out of the
    store that a link may point at)."""
    base = store / "smoke"
    score = next(base.glob("score/*base-aime24*"))
    if how == "another model's asset copied on":
        score, other = sorted(base.glob("asset/*"))[:2]
        shutil.rmtree(score)
        shutil.copytree(other, score)
    elif how == "another merge copied on":
        score, other = sorted(base.glob("merge/*"))[:2]
        shutil.rmtree(score)
        shutil.copytree(other, score)
    elif how == "weights corrupted, same size":
        score, weights = _weights_read_again(base)
        data = bytearray(weights.read_bytes())
        data[len(data) // 2:len(data) // 2 + 64] = b"\xff" * 64
        weights.write_bytes(bytes(data))
    elif how in ("weights truncated, size edited", "weights truncated, record redone"):
        score, weights = _weights_read_again(base)
        weights.write_bytes(weights.read_bytes()[:weights.stat().st_size // 2])
        size = weights.stat().st_size

        def change(m):
            m["outputs"]["model/model.safetensors"]["size"] = size
            if how.endswith("record redone"):
                _redigest(m)
        _edit_manifest(score, change)
    elif how == "empty outputs table, score edited":
        _edit_manifest(score, lambda m: (m.update(outputs={}), _redigest(m)))
        d = json.loads((score / "score.json").read_text())
        d["value"] = 0.777
        (score / "score.json").write_text(json.dumps(d))
    elif how == "unrecorded file in a step":
        (score / "extra.json").write_text("{}")
    elif how == "step directory a link out":
        shutil.copytree(score, outside / "step")
        (outside / "step" / "unrelated.txt").write_text("not the store's")
        shutil.rmtree(score)
        score.symlink_to(outside / "step")
    elif how == "score file a link out":
        shutil.copy(score / "score.json", outside / "score.json")
        (score / "score.json").unlink()
        (score / "score.json").symlink_to(outside / "score.json")
    elif how == "deleted score":
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


SAME_SIZE = ("weights corrupted, same size", "weights truncated, record redone")  # found by content only


@pytest.mark.parametrize("how", ["deleted score", "garbage score", "plausible wrong value", "truncated manifest",
                                 "deleted generations", "deleted model weights", "another model's asset copied on",
                                 "another merge copied on", *SAME_SIZE, "weights truncated, size edited",
                                 "empty outputs table, score edited", "unrecorded file in a step",
                                 "step directory a link out", "score file a link out"])
def test_damage_is_found_and_made_again(tmp_path, reference, how):
    """Found by `repro check` (with --deep where only the content differs), named and made again by the next
    `repro figure` (a same-size corruption as the step that reads it loads it), and nothing outside the store
    touched."""
    source, want = reference
    store, outside = tmp_path / "artifacts", tmp_path / "outside"
    shutil.copytree(source, store, symlinks=True)
    outside.mkdir()
    step = _damage(store, how, outside)
    before_outside = {p: p.read_bytes() for p in outside.rglob("*") if p.is_file()}
    check = repro(store, "check", FIG, "--profile", "smoke", *(["--deep"] if how in SAME_SIZE else []))
    found = check.returncode == 1 and re.search(rf"^damaged\t{re.escape(step)}\t", check.stdout, re.M) is not None
    rerun = figure(store)
    untouched = {p: p.read_bytes() for p in outside.rglob("*") if p.is_file()} == before_outside
    survived = found and untouched and rerun.returncode == 0 and csv(store) == want and f"redo: {step}" in rerun.stderr
    record("damage", how, survived, 0 if survived else 1)
    assert found, check.stdout
    assert untouched
    assert survived, rerun.stderr[-3000:]
    assert "Traceback" not in rerun.stderr
    assert repro(store, "check", FIG, "--profile", "smoke", "--deep").returncode == 0


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


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file() and p.name != ".lock"}


@pytest.mark.parametrize("how", ["a file where a step directory goes", "a directory where a step's lock goes"])
def test_a_path_of_the_wrong_type_in_the_store_is_one_line(tmp_path, reference, how):
    source, _ = reference
    store = tmp_path / "artifacts"
    shutil.copytree(source, store)
    victim = next((store / "smoke").glob("score/*base-aime24*"))
    shutil.rmtree(victim)
    if how.startswith("a file"):
        victim.write_text("not a step")
    else:
        (victim / ".lock").mkdir(parents=True)
    before = _tree(store)
    line = _one_error(figure(store))
    survived = victim.name in line and "move it out of the way" in line and _tree(store) == before
    record("refusal", how, survived, 0 if survived else 1)
    assert survived, line


def _experiment(tmp_path: Path, name: str = "exp.toml", **changes: str) -> Path:
    """The worked example, with ``changes`` (a line to replace -> its replacement)."""
    text = (Path(__file__).resolve().parents[1] / "experiments" / "fig2-protocol-on-another-model.toml").read_text()
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text)
    return path


FULL = 'mode = "full"'
REFUSALS = {  # what is refused -> (experiment file changes, or a command of its own; the refusal's words)
    "experiment file named ...toml": ({"name": "...toml"}, "starts with a dot"),
    "epochs = 1000000000": ({FULL: FULL + "\nepochs = 1000000000"}, "less than or equal to 1000"),
    "learning_rate = inf": ({"learning_rate = 1e-4": "learning_rate = inf"}, "finite number"),
    "seeds = [-1]": ({FULL: FULL + "\nseeds = [-1]"}, "greater than or equal to 0"),
    "evaluate_epochs = [1, 99]": ({FULL: FULL + "\nevaluate_epochs = [1, 99]"}, "epoch 99 is after"),
    "max_new_tokens over the profile's": ({"base = true": "base = true\ndecoding = { max_new_tokens = 99999 }"},
                                          "at most"),
    "LoRA rank 5000": ({'mode = "lora_mlp_r1"\nlearning_rate': 'mode = "lora_mlp_r5000"\nlearning_rate'},
                       "out of range"),
    "repro run on a directory": (None, "is a directory"),
    "REPRO_ARTIFACTS a file": (None, "REPRO_ARTIFACTS"),
    "REPRO_FIGURES a file": (None, "REPRO_FIGURES"),
    "--lock-timeout -1": (None, "--lock-timeout"),
}


@pytest.mark.parametrize("how", list(REFUSALS))
def test_bad_names_numbers_and_roots_are_refused_before_anything_runs(tmp_path, how):
    """One error line, exit 2, in seconds, and nothing written: no store, no figures."""
    changes, words = REFUSALS[how]
    store, figures = tmp_path / "artifacts", tmp_path / "figures"
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    if changes is not None:
        changes = dict(changes)
        exp = _experiment(tmp_path, changes.pop("name", "exp.toml"), **changes)
        proc = repro(store, "run", str(exp), figures=figures)
    elif how == "repro run on a directory":
        proc = repro(store, "run", str(tmp_path), figures=figures)
    elif how == "REPRO_ARTIFACTS a file":
        proc, store = figure(a_file, figures=figures), tmp_path / "none"
    elif how == "REPRO_FIGURES a file":
        proc, figures = figure(store, figures=a_file), tmp_path / "none"
    else:
        proc = figure(store, extra=("--lock-timeout", "-1"), figures=figures)
    line = _one_error(proc)
    survived = words in line and not store.exists() and not figures.exists()
    record("refusal", how, survived, 0 if survived else 1)
    assert survived, line


def test_ctrl_c_is_one_line_and_the_same_command_resumes(tmp_path, reference):
    """SIGINT while a training run is running, from an empty store: one 'interrupted:' line naming the command,
    exit 130; the same command then ends in the same figure, and no step finished before the interrupt is made
    again."""
    _, want = reference
    store = tmp_path / "artifacts"
    err = tmp_path / "err.txt"
    env = {**os.environ, "REPRO_ARTIFACTS": str(store), "REPRO_FIGURES": str(tmp_path / "figures")}
    env.pop(ENV, None)
    with open(err, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "repro", "figure", FIG, "--profile", "smoke"], env=env,
                                stdout=subprocess.DEVNULL, stderr=fh)
        for _ in range(6000):  # until the training run has started
            if any((store / "smoke").glob("train/*/.lock")) or proc.poll() is not None:
                break
            time.sleep(0.05)
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=600)
    before = finished(store)
    text = err.read_text()
    lines = [ln for ln in text.splitlines() if ln.startswith("interrupted:")]
    one_line = rc == 130 and len(lines) == 1 and f"repro figure {FIG}" in lines[0] and "same command" in lines[0] \
        and "Traceback" not in text
    resumed = figure(store)
    lost = sum(finished(store).get(k) != v for k, v in before.items())
    survived = one_line and resumed.returncode == 0 and csv(store) == want
    record("interrupt", "Ctrl-C while training", survived, lost)
    assert one_line, text[-3000:]
    assert survived and lost == 0, resumed.stderr[-3000:]
