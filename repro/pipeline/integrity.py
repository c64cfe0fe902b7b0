"""What a finished step wrote, and whether it is still there, unchanged and built on its inputs as they are now.

A step's manifest records the step's kind and key, every file of its directory (size and sha256) and a digest of
that record, and the digests of the inputs it read. A step is what its directory says it is: a manifest whose kind
and key are not its directory's, whose outputs table is empty, names a path outside the directory or does not
match its own digest (recomputed, never trusted) is damaged, and so is every file of that step. A step is then:

    done      COMPLETE, a manifest that is this directory's record, every file of the directory recorded and
              present with its size (and its hash, for files up to SMALL bytes; every file with ``deep``), no
              symbolic link anywhere in it, and each input still done with the digest this step read
    damaged   COMPLETE, but the manifest is unreadable or not this directory's, a recorded file is missing or
              changed, a file is not recorded, a path is a symbolic link, or the directory is not a directory
    stale     intact, but an input was redone since (its digest differs) or is itself not done
    partial   started, not finished (a directory without COMPLETE)
    todo      never started

Every file a step loads is checked by content before it is used: ``verified`` (model weights and checkpoint
directories, through ``repro.pipeline.locate``) and ``read_text`` / ``read_json`` / ``read_jsonl`` (every other
file) compare its sha256 with the record. sha256, because the record already holds it and it covers every byte; on
a CPU with the SHA extensions it runs at about the disk's speed (benchmarks/README.md). What this process has hashed
is remembered by (device, inode, size, mtime), so a file read by several steps is hashed once. A file that does not
match its record unfinishes its step (marker and manifest first, then the file), so that the next run makes it
again, and is one error line naming the step.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repro.errors import ReproError
from repro.pipeline.steps import Step, StepId

COMPLETE = "COMPLETE"
MANIFEST = "manifest.json"
LOCK = ".lock"
SMALL = 1 << 20  # files re-hashed on every check; larger ones are checked by size (and hashed when read or --deep)
_NOT_OUTPUTS = (COMPLETE, MANIFEST, LOCK)
CHUNK = 8 << 20
_DIGESTS: dict[tuple[int, int, int, int], str] = {}  # (device, inode, size, mtime ns) -> sha256, this process's


def sha256_file(path: Path) -> str:
    """sha256 of the file at ``path`` itself (a symbolic link is refused: OSError ELOOP)."""
    h = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb", buffering=0) as f:
        buf = bytearray(CHUNK)
        view = memoryview(buf)
        while n := f.readinto(view):
            h.update(view[:n])
    return h.hexdigest()


def content_digest(path: Path) -> str:
    """sha256 of ``path``, hashed once per process for each (device, inode, size, mtime) it has had."""
    st = os.stat(path, follow_symlinks=False)
    ident = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    digest = _DIGESTS.get(ident)
    if digest is None:
        digest = _DIGESTS[ident] = sha256_file(path)
    return digest


def _walk(step_dir: Path) -> tuple[list[str], list[str]]:
    """(regular files, anything else: symbolic links, fifos, ...) under ``step_dir``, as relative paths, never
    following a link; the lock, manifest and marker are left out of the files but not out of the others."""
    files, odd = [], []
    for top, dirs, names in os.walk(step_dir):
        rel_top = os.path.relpath(top, step_dir)
        for d in list(dirs):
            rel = d if rel_top == "." else f"{rel_top}/{d}"
            if os.path.islink(os.path.join(top, d)) or rel == LOCK:
                dirs.remove(d)
                if rel != LOCK:
                    odd.append(rel)
        for n in names:
            rel = n if rel_top == "." else f"{rel_top}/{n}"
            mode = os.lstat(os.path.join(top, n)).st_mode
            if not stat.S_ISREG(mode):
                odd.append(rel)
            elif rel not in _NOT_OUTPUTS:
                files.append(rel)
    return sorted(files), sorted(odd)


def record_outputs(step_dir: Path) -> dict[str, dict]:
    """``{relative path: {"size", "sha256"}}`` of every file the step wrote (its lock, manifest and marker aside),
    hashed once, as the step completes, while the files are still in the page cache."""
    files, odd = _walk(step_dir)
    if odd:
        raise ReproError(f"step {step_dir} wrote {_few(odd)}, which are not regular files",
                         "report it as a bug: a step's outputs are plain files")
    out = {}
    for rel in files:
        path = step_dir / rel
        out[rel] = {"size": path.stat().st_size, "sha256": content_digest(path)}
    return out


def outputs_digest(outputs: dict[str, dict]) -> str:
    return hashlib.sha256(json.dumps(outputs, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@dataclass
class State:
    status: str  # "done" | "damaged" | "stale" | "partial" | "todo"
    problems: list[str] = field(default_factory=list)  # what is wrong, one short phrase each
    bad_files: list[str] | None = field(default_factory=list)  # files to remove before it runs again (None: all)
    digest: str | None = None  # of the step's outputs, when its manifest could be read

    @property
    def done(self) -> bool:
        return self.status == "done"


def wrong_path(step_dir: Path, links: bool = True) -> str | None:
    """What is wrong with the path of the step directory itself (its kind directory or itself a symbolic link, or
    not a directory; a lock that is a directory), or None; ``links=False``: what is wrong besides links (a link is
    damage the store removes, the rest is in the way of a step)."""
    for p, what in ((step_dir.parent, "its kind directory"), (step_dir, "the step directory")):
        if p.is_symlink() and links:
            return f"{what} {p} is a symbolic link (to {os.readlink(p)})"
        if p.exists() and not p.is_dir() and not p.is_symlink():
            return f"{what} {p} is a file, not a directory"
    lock = step_dir / LOCK
    if lock.is_dir() and not lock.is_symlink():
        return f"its lock {lock} is a directory, not a file"
    return None


def _read_bytes(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        return f.read()


def read_manifest(step_dir: Path) -> dict:
    """The manifest of a finished step, when it is this directory's record; ReproError otherwise."""
    path = step_dir / MANIFEST
    try:
        manifest = json.loads(_read_bytes(path).decode("utf-8"))
    except FileNotFoundError:
        raise ReproError(f"{path} is missing", "the step will run again") from None
    except OSError as exc:
        raise ReproError(f"{path} is not a regular file ({exc.strerror})", "the step will run again") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReproError(f"{path} is damaged ({_where(exc)})", "the step will run again") from None
    problem = _not_its_record(step_dir, manifest)
    if problem:
        raise ReproError(f"{path} {problem}", "the step will run again")
    return manifest


def _not_its_record(step_dir: Path, m: object) -> str | None:
    if not isinstance(m, dict) or not isinstance(m.get("outputs"), dict) or not m["outputs"]:
        return "records no outputs (damaged, or written by an older version)"
    if (m.get("kind"), m.get("key")) != (step_dir.parent.name, step_dir.name):
        return (f"is the record of {m.get('kind')}/{m.get('key')}, not of this directory "
                f"({step_dir.parent.name}/{step_dir.name}): copied from another step")
    for rel, rec in m["outputs"].items():
        parts = rel.split("/")
        if rel in _NOT_OUTPUTS or rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
            return f"records a path that is not inside the step ({rel!r})"
        if not (isinstance(rec, dict) and isinstance(rec.get("size"), int) and isinstance(rec.get("sha256"), str)):
            return f"has a malformed record of {rel}"
    if m.get("outputs_digest") != outputs_digest(m["outputs"]):
        return "does not match its own outputs digest (its record of the files was edited)"
    return None


def check_files(step_dir: Path, outputs: dict[str, dict], deep: bool = False) -> list[str]:
    """The recorded files that are missing or changed (size; hash for small files, or every file with ``deep``)."""
    bad = []
    for rel, rec in outputs.items():
        path = step_dir / rel
        try:
            st = os.stat(path, follow_symlinks=False)
        except (FileNotFoundError, NotADirectoryError):
            bad.append(rel)
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_size != rec["size"] or \
                ((deep or st.st_size <= SMALL) and content_digest(path) != rec["sha256"]):
            bad.append(rel)
    return bad


def intact(step_dir: Path, deep: bool = False) -> State:
    """The step's own state, its inputs aside."""
    wrong = wrong_path(step_dir)
    if wrong:
        return State("damaged", [wrong.replace(str(step_dir) + "/", "").replace(f"{step_dir} ", "")], None)
    if not (step_dir / COMPLETE).is_file():
        return State("partial" if step_dir.is_dir() else "todo")
    try:
        manifest = read_manifest(step_dir)
    except ReproError as exc:
        return State("damaged", [exc.problem.replace(str(step_dir) + "/", "")], None)
    outputs = manifest["outputs"]
    files, odd = _walk(step_dir)
    links = odd
    bad = [b for b in check_files(step_dir, outputs, deep) if b not in links]
    unrecorded = [f for f in files if f not in outputs]
    digest = outputs_digest(outputs)
    if bad or links or unrecorded:
        missing = [b for b in bad if not os.path.lexists(step_dir / b)]
        changed = [b for b in bad if b not in missing]
        problems = ([f"missing {_few(missing)}"] if missing else []) + ([f"changed {_few(changed)}"] if changed else []) \
            + ([f"{_few(links)}: symbolic link or not a regular file"] if links else []) \
            + ([f"not in its record: {_few(unrecorded)}"] if unrecorded else [])
        return State("damaged", problems, links + bad + unrecorded, digest)  # links first: they go as links
    return State("done", digest=digest, problems=[], bad_files=[])


def step_state(store: Any, step: Step,  # store: an ArtifactStore (store.py imports this module)
               deep: bool = False, states: dict[StepId, State] | None = None) -> State:
    """``step``'s state in ``store``, its inputs included (``states`` caches the inputs' states by step id)."""
    states = {} if states is None else states
    if step.id in states:
        return states[step.id]
    st = intact(store.step_dir(step.kind, step.key).path, deep)
    if st.done:
        recorded = read_manifest(store.step_dir(step.kind, step.key).path).get("input_digests", {})
        for dep in step.deps:
            dep_state = states.get(dep) or intact(store.step_dir(dep.kind, dep.key).path, deep)
            if not dep_state.done:
                st = State("stale", [f"its input {dep} is {dep_state.status}"], digest=st.digest)
                break
            if recorded.get(str(dep)) != dep_state.digest:
                st = State("stale", [f"its input {dep} was made again since"], digest=st.digest)
                break
    states[step.id] = st
    return st


def remove(path: Path) -> None:
    """Remove ``path``: a link itself (never what it points at), a file, or a directory tree (whose links go as
    links)."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path)


def unfinish(step_dir: Path, bad_files: list[str] | None, keep: tuple[str, ...] = ()) -> None:
    """Unfinish a step so that it runs again: the marker goes first, then the manifest and ``bad_files`` (a
    checkpoint with a bad file goes whole; the other files stay to resume from); ``None``: every file but the
    parts named by a prefix in ``keep`` and the lock. A step directory that is a link goes as a link and nothing
    is reached through a link, so nothing outside the store is touched; a file where the step directory goes
    stays (it is an error line where the step is locked)."""
    if step_dir.parent.is_symlink() or not step_dir.exists():
        return  # under a linked kind directory: the store removes that link where the step runs (``lock``)
    if step_dir.is_symlink():
        step_dir.unlink()
        return
    if not step_dir.is_dir():
        return
    remove(step_dir / COMPLETE)
    remove(step_dir / MANIFEST)
    if bad_files is None:
        for child in step_dir.iterdir():
            if child.name == LOCK or (child.name.startswith(keep) and not child.is_symlink()):
                continue
            remove(child)
        return
    for rel in bad_files:
        if any((step_dir / p).is_symlink() for p in Path(rel).parents):
            continue  # under a link: never reached through it (the link itself is among bad_files)
        top = step_dir / rel.split("/", 1)[0]
        remove(top if "/" in rel and top.name.startswith("checkpoint-") else step_dir / rel)


class DamagedInput(ReproError):
    """A finished step's file that did not match its record; ``marked``: the step was unfinished, so that a new plan
    makes it again."""

    def __init__(self, problem: str, fix: str | None = None, marked: bool = False):
        super().__init__(problem, fix)
        self.marked = marked

    def __reduce__(self) -> tuple[type[DamagedInput], tuple[str, str | None, bool]]:
        return type(self), (self.problem, self.fix, self.marked)


def _damaged(step_dir: Path, bad: list[str] | None, step_id: StepId, problem: str, again: str) -> DamagedInput:
    """The error for a file of a finished step that does not match its record, after unfinishing the step (when no
    other process holds it), so that the next run makes it again instead of reading it as done."""
    marked = False
    with contextlib.suppress(OSError):
        fd = os.open(step_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if (step_dir / COMPLETE).is_file():
                unfinish(step_dir, bad)
                marked = True
        finally:
            os.close(fd)
    said = "; it is marked unfinished" if marked else ""
    return DamagedInput(f"step {step_id}: {problem}{said}", f"{again} makes it again (`repro check` lists every "
                        "damaged step)", marked)


def verified(step_dir: Path, rel: str, step_id: StepId, again: str) -> Path:
    """``step_dir / rel`` (a file or a directory of a finished step), once the step is intact and every recorded
    file under it matches its record by content; one error line naming the step otherwise."""
    st = intact(step_dir)
    if not st.done:
        if st.status in ("todo", "partial"):
            raise ReproError(f"step {step_id} is not finished", f"{again} runs it first")
        raise _damaged(step_dir, st.bad_files, step_id, "is damaged (" + "; ".join(st.problems) + ")", again)
    outputs = read_manifest(step_dir)["outputs"]
    under = [r for r in outputs if r == rel or r.startswith(rel.rstrip("/") + "/")]
    if not under:
        raise _damaged(step_dir, None, step_id, f"its record has no {rel}", again)
    bad = [r for r in under if content_digest(step_dir / r) != outputs[r]["sha256"]]
    if bad:
        raise _damaged(step_dir, bad, step_id, f"{_few(bad)} changed after the step finished (sha256 differs from "
                       "its record)", again)
    return step_dir / rel


def _few(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _where(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8: byte 0x{exc.object[exc.start]:02x} at position {exc.start}"
    return str(exc)


# ------------------------------------------------------------------ reading a finished step's files


def read_text(step_dir: Path, rel: str, step_id: StepId, again: str) -> str:
    """The text of ``rel``, checked against the step's record (a finished step's) by content; one error line when it
    is damaged, and the step is unfinished so that the next run makes it again."""
    fix = f"{again} redoes it (`repro check` lists every damaged step)"
    rec = _record(step_dir, rel, step_id, fix)
    try:
        data = _read_bytes(step_dir / rel)
    except FileNotFoundError:
        raise ReproError(f"step {step_id}: {rel} is missing", fix) from None
    except OSError as exc:
        raise ReproError(f"step {step_id}: {rel} is not a regular file ({exc.strerror})", fix) from None
    if rec is not None and (len(data) != rec["size"] or hashlib.sha256(data).hexdigest() != rec["sha256"]):
        raise _damaged(step_dir, [rel], step_id, f"{rel} was changed after the step finished", again)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReproError(f"step {step_id}: {rel} is damaged ({_where(exc)})", fix) from None


def read_json(step_dir: Path, rel: str, step_id: StepId, again: str) -> Any:
    try:
        return json.loads(read_text(step_dir, rel, step_id, again))
    except json.JSONDecodeError as exc:
        raise ReproError(f"step {step_id}: {rel} is damaged ({_where(exc)})",
                         f"{again} redoes it (`repro check` lists every damaged step)") from None


def read_jsonl(step_dir: Path, rel: str, step_id: StepId, again: str) -> list[dict]:
    rows = []
    for n, line in enumerate(read_text(step_dir, rel, step_id, again).splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ReproError(f"step {step_id}: {rel} is damaged (line {n}: {exc.msg} at column {exc.colno})",
                                 f"{again} redoes it (`repro check` lists every damaged step)") from None
    return rows


def _record(step_dir: Path, rel: str, step_id: StepId, fix: str) -> dict | None:
    """The record of ``rel`` in a finished step's manifest (None for a step still running: it has none yet)."""
    if not (step_dir / COMPLETE).is_file():
        return None
    wrong = wrong_path(step_dir) or next((f"{p} is a symbolic link" for p in Path(rel).parents
                                         if (step_dir / p).is_symlink()), None)
    if wrong:
        raise ReproError(f"step {step_id}: {wrong}", fix)
    try:
        rec = read_manifest(step_dir)["outputs"].get(rel)
    except ReproError as exc:
        raise ReproError(f"step {step_id}: {exc.problem}", fix) from None
    if rec is None:
        raise ReproError(f"step {step_id}: {rel} is not in its record", fix)
    return rec
