"""The artifact store: atomic writes, completion markers, locks, interrupted steps."""

import hashlib
import json
import multiprocessing as mp
import stat
import subprocess
import sys
import time

import pytest

from repro.errors import ReproError
from repro.pipeline.store import ArtifactStore, atomic_write_json, read_jsonl, write_jsonl


def test_step_is_done_only_after_the_marker(tmp_path):
    store = ArtifactStore(tmp_path, "smoke")
    d = store.step_dir("train", "abc")
    assert not d.started and not d.done
    with store.lock(d):
        (d.path / "partial.bin").write_bytes(b"x")
    assert d.started and not d.done
    d.mark_complete({"k": 1})
    m = d.manifest()
    assert d.done and m["k"] == 1
    assert m["outputs"] == {"partial.bin": {"size": 1, "sha256": hashlib.sha256(b"x").hexdigest()}}
    assert len(m["outputs_digest"]) == 64


def test_reset_refuses_finished_steps_and_clears_partial_ones(tmp_path):
    store = ArtifactStore(tmp_path, "smoke")
    d = store.step_dir("generate", "k")
    d.path.mkdir(parents=True)
    (d.path / "half.jsonl").write_text("{")
    d.reset()
    assert list(p.name for p in d.path.iterdir()) == []
    with pytest.raises(ReproError, match="wrote no files"):  # an empty record is never a finished step
        d.mark_complete({})
    (d.path / "generations.jsonl").write_text("{}\n")
    d.mark_complete({})
    with pytest.raises(ReproError, match="refusing"):
        d.reset()


def test_atomic_json_never_leaves_a_half_file(tmp_path):
    p = tmp_path / "x.json"
    atomic_write_json(p, {"a": 1})
    with pytest.raises(TypeError):
        atomic_write_json(p, {"a": object()})
    assert json.loads(p.read_text()) == {"a": 1}
    assert [q.name for q in tmp_path.iterdir()] == ["x.json"]


def test_jsonl_round_trip(tmp_path):
    rows = [{"id": "a", "response": "é\n"}, {"id": "b", "response": ""}]
    write_jsonl(tmp_path / "r.jsonl", rows)
    assert read_jsonl(tmp_path / "r.jsonl") == rows


def _hold_lock(root, ready, release):
    store = ArtifactStore(root, "smoke")
    with store.lock(store.step_dir("train", "k")):
        ready.set()
        release.wait(10)


def test_a_step_held_by_another_process_is_waited_for(tmp_path):
    """The second process waits (reporting the holder) and gets the lock when the first lets go; with a timeout it
    stops with one line naming the holder."""
    ctx = mp.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(tmp_path, ready, release))
    proc.start()
    try:
        assert ready.wait(10)
        impatient = ArtifactStore(tmp_path, "smoke", lock_timeout=1.5)
        with pytest.raises(ReproError, match=f"still being run by pid {proc.pid}"), \
                impatient.lock(impatient.step_dir("train", "k")):
            pass
        seen = []
        patient = ArtifactStore(tmp_path, "smoke", on_wait=lambda d, holder, s: seen.append(holder))
        ctx.Process(target=_release_after, args=(release, 2.0)).start()
        t0 = time.time()
        with patient.lock(patient.step_dir("train", "k")):
            waited = time.time() - t0
        assert waited > 1.0 and seen and seen[0].startswith(f"pid {proc.pid} on ")
    finally:
        release.set()
        proc.join(10)


def _release_after(release, seconds):
    time.sleep(seconds)
    release.set()


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664)])
def test_store_files_follow_the_umask(tmp_path, umask, mode):
    """A lab's shared store: files get what the umask allows, not mkstemp's private 0600."""
    code = (f"import os; os.umask({umask}); from pathlib import Path; from repro.pipeline.store import "
            f"atomic_write_text; atomic_write_text(Path({str(tmp_path)!r}) / 'a.json', '{{}}')")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == mode


def test_reset_keeps_the_resumable_parts(tmp_path):
    d = ArtifactStore(tmp_path, "smoke").step_dir("train", "k")
    (d.path / "checkpoint-4").mkdir(parents=True)
    (d.path / "half.json").write_text("{")
    d.reset(keep=("checkpoint-",))
    assert [p.name for p in d.path.iterdir()] == ["checkpoint-4"]
