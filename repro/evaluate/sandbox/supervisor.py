"""The supervisor C: the sacrificial parent of one program.

Runs in C, which the runner forks once per program. C takes its own session, points stdio at
/dev/null and closes every other descriptor (the runner's protocol pipes included), leaves root
and enters the namespaces of the isolation level, then forks the program G (:mod:`.child`). It
enforces the wall limit, kills G (and with it G's whole pid namespace) and writes one JSON report
to the runner. G cannot see C: C is outside G's pid namespace."""

from __future__ import annotations

import json
import os
import select
import signal
import time

from . import kernel
from .api import MAX_VERDICT_BYTES, Limits
from .child import program
from .wire import read_nonblocking, write_all

_MAX_FD = 1 << 16  # C closes descriptors 3 to _MAX_FD - 1, all but its report pipe


def main(kind: str, payload: dict, limits: Limits, workdir: str, uid: int, level: str, plan: list,
         r: int, w: int) -> None:
    """C's whole life, from the fork in the runner to ``_exit``; never returns."""
    try:
        os.close(r)
        supervise(kind, payload, limits, workdir, uid, level, plan, w)
    except BaseException as exc:
        try:
            write_all(w, json.dumps({"sandbox_error": f"{type(exc).__name__}: {exc}"}).encode())
        except BaseException:
            pass
    os._exit(0)


def supervise(kind: str, payload: dict, limits: Limits, workdir: str, uid: int, level: str, plan: list,
              w: int) -> None:
    os.setsid()
    os.umask(0o022)
    kernel.stdio_to_devnull()
    os.closerange(3, w)
    os.closerange(w + 1, _MAX_FD)
    isolate(level, uid, plan, workdir)
    r2, w2 = os.pipe()
    t0 = time.monotonic()
    g = os.fork()
    if g == 0:  # program G
        code = 0
        try:
            os.close(r2)
            os.close(w)
            program(kind, payload, limits, workdir, uid, level, plan, w2)
        except BaseException:
            code = 3
        os._exit(code)
    os.close(w2)
    raw, exited, timed_out, oversize = watch(g, r2, limits.wall_s)
    # G is not reaped yet, so its pid (and process group id) cannot have been reused.
    if level.startswith("rlimits"):
        kernel.kill_group(g)  # descendants that stayed in its process group
    if not exited:
        os.kill(g, signal.SIGKILL)  # pid 1 of its namespace: the kernel kills every process in it
    status = os.waitpid(g, 0)[1]
    setup_line, _, verdict = raw.partition(b"\n")
    try:
        setup = json.loads(setup_line) if setup_line else {}
        setup = setup if isinstance(setup, dict) else {}
    except (ValueError, RecursionError):
        setup = {}
    report = {"verdict": "" if oversize else verdict.decode("utf-8", "replace"),
              "timed_out": timed_out, "oversize": oversize, "features": setup.get("features", []),
              "returncode": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
              "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
              "elapsed": time.monotonic() - t0}
    if setup.get("setup_error"):
        report["sandbox_error"] = f"program setup failed: {setup['setup_error']}"
    write_all(w, json.dumps(report).encode())


def watch(pid: int, fd: int, wall_s: float) -> tuple[bytes, bool, bool, bool]:
    """Collect G's output until it exits or the wall limit passes, without reaping it.
    Returns (output, exited, timed out, output over the cap)."""
    deadline = time.monotonic() + wall_s
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    os.set_blocking(fd, False)
    chunks, size, open_fd = [], 0, True
    flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return b"".join(chunks), False, True, False
            watch_fds = ([fd] if open_fd else []) + ([pidfd] if pidfd is not None else [])
            # without a pidfd, poll for G's exit every 20 ms
            ready, _, _ = select.select(watch_fds, [], [], left if pidfd is not None else min(left, 0.02))
            exited = os.waitid(os.P_PID, pid, flags) is not None
            while open_fd and (fd in ready or exited):
                chunk = read_nonblocking(fd)
                if chunk is None:
                    break
                if chunk == b"":
                    open_fd = False
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_VERDICT_BYTES:
                    return b"", exited, False, True
            if exited:
                return b"".join(chunks), True, False, False
    finally:
        if pidfd is not None:
            os.close(pidfd)


def isolate(level: str, uid: int, plan: list, workdir: str) -> None:
    """In C: leave root and enter the namespaces of ``level`` (G, forked next, is pid 1)."""
    if level == "userns":
        if os.geteuid() == 0:
            if plan:  # a mount namespace of our own, made as root, with the interpreter readable
                kernel.unshare(kernel.CLONE_NEWNS, "unshare(mount)")
                kernel.make_mounts_private()
                kernel.expose(plan, workdir)
            kernel.drop_to(uid)
        kernel.prctl(kernel.PR_SET_DUMPABLE, 1)  # else /proc/self/*_map stay root-owned after setuid
        gid = os.getegid()
        kernel.unshare(kernel.CLONE_NEWUSER | kernel.NS_FLAGS)
        maps = (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1"))
        for name, value in maps:
            with open(f"/proc/self/{name}", "w") as f:
                f.write(value)
    elif level == "rootns":
        kernel.unshare(kernel.NS_FLAGS)  # as root; G mounts, then drops privileges
    elif level == "rlimits":
        if os.geteuid() == 0:
            kernel.drop_to(uid)
    elif level != "rlimits_root":  # root without namespaces and an unreadable interpreter: stays root
        raise ValueError(f"unknown isolation level {level!r}")
