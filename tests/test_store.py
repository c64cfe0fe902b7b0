"""The artifact store: atomic writes, completion markers, locks, interrupted steps."""

import hashlib
import json
import multiprocessing as mp
import shutil
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


def _finished(store: ArtifactStore, kind: str, key: str, files: dict[str, bytes]):
    d = store.step_dir(kind, key)
    for rel, data in files.items():
        (d.path / rel).parent.mkdir(parents=True, exist_ok=True)
        (d.path / rel).write_bytes(data)
    d.mark_complete({})
    return d


def test_a_manifest_is_its_directory_s_record_or_the_step_is_damaged(tmp_path):
    from repro.pipeline.integrity import intact, outputs_digest

    store = ArtifactStore(tmp_path, "smoke")
    a = _finished(store, "merge", "a", {"model/w.bin": b"a" * 10})
    assert intact(a.path).done and a.manifest()["kind"] == "merge" and a.manifest()["key"] == "a"
    b = store.step_dir("merge", "b")
    shutil.copytree(a.path, b.path)  # another step's directory on this key
    st = intact(b.path)
    assert st.status == "damaged" and "record of merge/a" in st.problems[0] and st.bad_files is None
    m = json.loads((a.path / "manifest.json").read_text())
    m["outputs"] = {}
    m["outputs_digest"] = outputs_digest({})
    (a.path / "manifest.json").write_text(json.dumps(m))
    assert "records no outputs" in intact(a.path).problems[0]
    m["outputs"] = {"../../x": {"size": 1, "sha256": "0" * 64}}
    m["outputs_digest"] = outputs_digest(m["outputs"])
    (a.path / "manifest.json").write_text(json.dumps(m))
    assert "not inside the step" in intact(a.path).problems[0]


def test_a_loaded_file_is_checked_by_content_and_a_bad_one_unfinishes_its_step(tmp_path):
    from repro.pipeline.integrity import SMALL, DamagedInput, intact, verified

    store = ArtifactStore(tmp_path, "smoke")
    d = _finished(store, "merge", "a", {"model/w.bin": b"a" * (SMALL + 1), "model/config.json": b"{}"})
    assert verified(d.path, "model", "merge/a", "again") == d.path / "model"
    (d.path / "model" / "w.bin").write_bytes(b"b" * (SMALL + 1))  # same size: only the content tells
    assert intact(d.path).done
    with pytest.raises(DamagedInput, match="w.bin changed after the step finished") as exc:
        verified(d.path, "model", "merge/a", "again")
    assert exc.value.marked and not d.done and not (d.path / "model" / "w.bin").exists()
    assert (d.path / "model" / "config.json").exists()  # the good files stay


def test_links_are_damage_and_a_repair_never_follows_them(tmp_path):
    from repro.pipeline.integrity import intact

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not the store's")
    store = ArtifactStore(tmp_path / "store", "smoke")
    d = _finished(store, "score", "a", {"score.json": b"{}"})
    (d.path / "score.json").unlink()
    (d.path / "score.json").symlink_to(outside / "keep.txt")
    st = intact(d.path)
    assert st.status == "damaged" and "symbolic link" in st.problems[0]
    d.invalidate(st.bad_files)
    assert (outside / "keep.txt").read_text() == "not the store's" and not (d.path / "score.json").exists()
    d = _finished(store, "merge", "a", {"model/w.bin": b"w"})  # a directory of the step linked out
    (outside / "model").mkdir()
    (outside / "model" / "w.bin").write_bytes(b"x")
    shutil.rmtree(d.path / "model")
    (d.path / "model").symlink_to(outside / "model")
    st = intact(d.path)
    assert st.status == "damaged" and "model: symbolic link" in "; ".join(st.problems)
    d.invalidate(st.bad_files)
    assert (outside / "model" / "w.bin").read_bytes() == b"x" and not (d.path / "model").exists()
    shutil.rmtree(outside / "model")
    shutil.rmtree(d.path)
    d.path.symlink_to(outside)
    assert "is a symbolic link" in intact(d.path).problems[0]
    with store.lock(d):  # the link goes as a link; the step gets a real directory
        pass
    assert d.path.is_dir() and not d.path.is_symlink() and sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    kind_dir = d.path.parent  # a kind directory linked out: its steps are damaged, and never emptied through it
    shutil.move(kind_dir, outside / "merge")
    kind_dir.symlink_to(outside / "merge")
    (outside / "merge" / "a" / "COMPLETE").write_text("")
    assert "kind directory" in intact(d.path).problems[0]
    d.invalidate(None)
    assert (outside / "merge" / "a" / "COMPLETE").exists()


def test_a_path_of_the_wrong_type_is_one_line(tmp_path):
    store = ArtifactStore(tmp_path, "smoke")
    d = store.step_dir("score", "a")
    d.path.parent.mkdir(parents=True)
    d.path.write_text("")
    with pytest.raises(ReproError, match="is a file, not a directory"), store.lock(d):
        pass
    d.path.unlink()
    (d.path / ".lock").mkdir(parents=True)
    with pytest.raises(ReproError, match="lock .* is a directory"), store.lock(d):
        pass
