"""The artifact store: one directory per step under ``artifacts/<profile>/<kind>/<key>/``.

A step directory is finished when it holds ``COMPLETE`` (written last, atomically) beside ``manifest.json``, which
records the resolved spec, the digests of the inputs it read, versions, git sha, seeds, wall time, and every
file the step wrote with its size and sha256 (``repro.pipeline.integrity``). A directory without the marker is an
interrupted step: the step may resume from what it finds there (training resumes from its last whole checkpoint)
or start over; it is never read as finished. A finished step whose files are missing or changed is not finished
either. A lock file keeps two processes from running the same step at once: the second waits for the first.

Files are created with the permissions the process's umask gives (a lab's shared store stays readable).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repro import faults
from repro.errors import ReproError
from repro.files import atomic_write_text
from repro.pipeline.integrity import (
    COMPLETE,
    LOCK,
    MANIFEST,
    outputs_digest,
    record_outputs,
    unfinish,
    wrong_path,
)


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def write_jsonl(path: Path, rows: list[dict]) -> None:
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def read_jsonl(path: Path) -> list[dict]:
    """Rows of a JSONL file the running step wrote itself (a finished step's files: ``integrity.read_jsonl``)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass(frozen=True)
class StepDir:
    """The directory of one step. ``path`` exists once the step has started."""

    path: Path

    @property
    def done(self) -> bool:
        """The completion marker is there (whether the files are intact: ``integrity.intact``)."""
        return (self.path / COMPLETE).is_file()

    @property
    def started(self) -> bool:
        return self.path.is_dir()

    def manifest(self) -> dict:
        from repro.pipeline.integrity import read_manifest

        return read_manifest(self.path)

    def mark_complete(self, manifest: dict) -> None:
        """Record every file the step wrote, then write the manifest (which names the step's kind and key, as its
        directory does) and, last, the marker."""
        outputs = record_outputs(self.path)
        if not outputs:
            raise ReproError(f"step {self.path} wrote no files", "report it as a bug: every step writes its outputs")
        atomic_write_json(self.path / MANIFEST, {**manifest, "kind": self.path.parent.name, "key": self.path.name,
                                                 "outputs": outputs, "outputs_digest": outputs_digest(outputs)})
        faults.point("step.manifest")
        atomic_write_text(self.path / COMPLETE, "")

    def reset(self, keep: tuple[str, ...] = ()) -> None:
        """Remove an interrupted step's partial outputs (never a finished step's), except the
        parts whose names start with a prefix in ``keep``: what the step can resume from."""
        if self.done:
            raise ReproError(f"refusing to reset finished step {self.path}", "delete it by hand if you mean it")
        unfinish(self.path, None, keep)

    def invalidate(self, bad_files: list[str] | None) -> None:
        """Unfinish a damaged or stale step so that it runs again: the marker goes first, then the manifest and the
        files that are ``bad_files`` (a checkpoint with a bad file goes whole; the others stay to resume from);
        ``None``: every file (a stale step's outputs came from inputs that changed, a damaged record's files are
        nobody's). A link goes as a link: nothing outside the store is touched."""
        unfinish(self.path, bad_files)


class ArtifactStore:
    """``artifacts/<profile>/`` with one sub-directory per step kind.

    ``lock_timeout`` (seconds, None = no limit) bounds how long a step waits for another process that holds it;
    ``on_wait(step_dir, holder, seconds)`` is called about once a second meanwhile (progress)."""

    def __init__(self, root: Path | str, profile: str, lock_timeout: float | None = None,
                 on_wait: Callable[[StepDir, str, float], None] | None = None):
        self.root = Path(root)
        self.profile = profile
        self.base = self.root / profile
        self.lock_timeout = lock_timeout
        self.on_wait = on_wait

    def step_dir(self, kind: str, key: str) -> StepDir:
        return StepDir(self.base / kind / key)

    def check_path(self, step: StepDir) -> None:
        """An error line when something other than a step's directory (a file, a directory where its lock is) is
        where the step goes."""
        wrong = wrong_path(step.path, links=False)
        if wrong:
            raise ReproError(f"{wrong}, where the store keeps step {step.path.parent.name}/{step.path.name}",
                             "move it out of the way and rerun: the step is made again")

    @contextlib.contextmanager
    def lock(self, step: StepDir) -> Iterator[None]:
        """Exclusive lock on a step directory. Held by another process: wait for it (a crashed holder's lock goes
        with its process), up to ``lock_timeout``. The store never follows a link out of itself: a step directory
        (or its kind directory, or its lock) that is a symbolic link is damage and goes as a link before the step
        runs; a file where a directory should be, or a directory where the lock should be, is an error line."""
        for p in (step.path.parent, step.path, step.path / LOCK):
            if p.is_symlink():
                p.unlink()
        self.check_path(step)
        step.path.mkdir(parents=True, exist_ok=True)
        fh = os.fdopen(os.open(step.path / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666), "r+")
        try:
            t0 = time.time()
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    waited = time.time() - t0
                    holder = _holder(step.path / ".lock")
                    if self.lock_timeout is not None and waited >= self.lock_timeout:
                        raise ReproError(f"step {step.path} is still being run by {holder} after {waited:.0f} s",
                                         "wait for it and rerun, or raise --lock-timeout") from None
                    if self.on_wait is not None:
                        self.on_wait(step, holder, waited)
                    time.sleep(1.0)
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%H:%M:%S')}\n")
            fh.flush()
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()


def _holder(lock_file: Path) -> str:
    try:
        return lock_file.read_text().strip() or "another process"
    except OSError:
        return "another process"
