"""What a finished step wrote, and whether it is still there, unchanged and built on its inputs as they are now.

A step's manifest records every file of its directory (size and sha256) and a digest of that record, and the
digests of the inputs it read. A step is then:

    done      COMPLETE, every recorded file present with its size (and its hash, for files up to SMALL bytes;
              every file with ``deep``), and each input still done with the digest this step read
    damaged   COMPLETE, but the manifest is unreadable or a recorded file is missing or changed
    stale     intact, but an input was redone since (its digest differs) or is itself not done
    partial   started, not finished (a directory without COMPLETE)
    todo      never started

Readers of a step's files go through ``read_text`` / ``read_json`` / ``read_jsonl``, which compare what they read
with the record and turn a damaged file into one error line naming the step and the fix.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from repro.errors import ReproError

COMPLETE = "COMPLETE"
MANIFEST = "manifest.json"
SMALL = 1 << 20  # files re-hashed on every check; larger ones are checked by size (and hashed when read or --deep)
_NOT_OUTPUTS = (COMPLETE, MANIFEST, ".lock")
CHUNK = 8 << 20


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def record_outputs(step_dir: Path) -> dict[str, dict]:
    """``{relative path: {"size", "sha256"}}`` of every file the step wrote (its lock, manifest and marker aside),
    hashed once, as the step completes, while the files are still in the page cache."""
    out = {}
    for path in sorted(p for p in step_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(step_dir).as_posix()
        if rel not in _NOT_OUTPUTS:
            out[rel] = {"size": path.stat().st_size, "sha256": sha256_file(path)}
    return out


def outputs_digest(outputs: dict[str, dict]) -> str:
    return hashlib.sha256(json.dumps(outputs, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@dataclass
class State:
    status: str  # "done" | "damaged" | "stale" | "partial" | "todo"
    problems: list[str] = field(default_factory=list)  # what is wrong, one short phrase each
    bad_files: list[str] = field(default_factory=list)  # recorded outputs that are missing or changed
    digest: str | None = None  # of the step's outputs, when its manifest could be read

    @property
    def done(self) -> bool:
        return self.status == "done"


def read_manifest(step_dir: Path) -> dict:
    """The manifest of a finished step; ReproError when it is missing or not a manifest."""
    path = step_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReproError(f"{path} is missing", "the step will run again") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReproError(f"{path} is damaged ({_where(exc)})", "the step will run again") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("outputs"), dict):
        raise ReproError(f"{path} records no outputs (damaged, or written by an older version)",
                         "the step will run again")
    return manifest


def check_files(step_dir: Path, outputs: dict[str, dict], deep: bool = False) -> list[str]:
    """The recorded files that are missing or changed (size; hash for small files, or every file with ``deep``)."""
    bad = []
    for rel, rec in outputs.items():
        path = step_dir / rel
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            bad.append(rel)
            continue
        if size != rec["size"] or ((deep or size <= SMALL) and sha256_file(path) != rec["sha256"]):
            bad.append(rel)
    return bad


def intact(step_dir: Path, deep: bool = False) -> State:
    """The step's own state, its inputs aside."""
    if not (step_dir / COMPLETE).is_file():
        return State("partial" if step_dir.is_dir() else "todo")
    try:
        manifest = read_manifest(step_dir)
    except ReproError as exc:
        return State("damaged", [exc.problem.replace(str(step_dir) + "/", "")])
    bad = check_files(step_dir, manifest["outputs"], deep)
    digest = manifest.get("outputs_digest")
    if bad:
        missing = [b for b in bad if not (step_dir / b).exists()]
        changed = [b for b in bad if b not in missing]
        problems = ([f"missing {_few(missing)}"] if missing else []) + ([f"changed {_few(changed)}"] if changed else [])
        return State("damaged", problems, bad, digest)
    return State("done", digest=digest, problems=[], bad_files=[])


def step_state(store, step, deep: bool = False, states: dict | None = None) -> State:
    """``step``'s state in ``store``, its inputs included (``states`` caches the inputs' states by step id)."""
    states = {} if states is None else states
    if step.id in states:
        return states[step.id]
    st = intact(store.step_dir(step.kind, step.key).path, deep)
    if st.done:
        recorded = read_manifest(store.step_dir(step.kind, step.key).path).get("input_digests", {})
        for dep in step.deps:
            kind, key = dep.split("/", 1)
            dep_state = states.get(dep) or intact(store.step_dir(kind, key).path, deep)
            if not dep_state.done:
                st = State("stale", [f"its input {dep} is {dep_state.status}"], digest=st.digest)
                break
            if recorded.get(dep) != dep_state.digest:
                st = State("stale", [f"its input {dep} was made again since"], digest=st.digest)
                break
    states[step.id] = st
    return st


def _few(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _where(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8: byte 0x{exc.object[exc.start]:02x} at position {exc.start}"
    return str(exc)


# ------------------------------------------------------------------ reading a finished step's files


def read_text(step_dir: Path, rel: str, step_id: str, again: str) -> str:
    """The text of ``rel``, checked against the step's record; one error line when it is damaged."""
    path = step_dir / rel
    fix = f"{again} redoes it (`repro check` lists every damaged step)"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReproError(f"step {step_id}: {rel} is missing", fix) from None
    rec = _record(step_dir, rel)
    if rec is not None and (len(data) != rec["size"] or hashlib.sha256(data).hexdigest() != rec["sha256"]):
        raise ReproError(f"step {step_id}: {rel} was changed after the step finished", fix)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReproError(f"step {step_id}: {rel} is damaged ({_where(exc)})", fix) from None


def read_json(step_dir: Path, rel: str, step_id: str, again: str):
    try:
        return json.loads(read_text(step_dir, rel, step_id, again))
    except json.JSONDecodeError as exc:
        raise ReproError(f"step {step_id}: {rel} is damaged ({_where(exc)})",
                         f"{again} redoes it (`repro check` lists every damaged step)") from None


def read_jsonl(step_dir: Path, rel: str, step_id: str, again: str) -> list[dict]:
    rows = []
    for n, line in enumerate(read_text(step_dir, rel, step_id, again).splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ReproError(f"step {step_id}: {rel} is damaged (line {n}: {exc.msg} at column {exc.colno})",
                                 f"{again} redoes it (`repro check` lists every damaged step)") from None
    return rows


def _record(step_dir: Path, rel: str) -> dict | None:
    """The manifest's record of ``rel`` (None for a step still running: it has no manifest yet)."""
    if not (step_dir / COMPLETE).is_file():
        return None
    return read_manifest(step_dir)["outputs"].get(rel, {"size": -1, "sha256": "not recorded"})
