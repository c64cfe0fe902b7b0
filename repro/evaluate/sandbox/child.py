"""The program process G: its filesystem view, limits and privileges, then the harness.

Runs in G, the child the supervisor forks after entering the namespaces (pid 1 of its pid
namespace at the namespaced levels). G sets itself up, writes one trusted "setup" line to its
pipe, and only then runs the harness (:mod:`.harness`), which runs the untrusted code in this
same process. Everything G writes after that line is untrusted."""

from __future__ import annotations

import json
import os
import signal
import tempfile

from . import kernel
from .api import Limits
from .harness import HARNESSES
from .wire import write_all

_TMPFS_FLAGS = kernel.MS_NOSUID | kernel.MS_NODEV
_PROC_FLAGS = kernel.MS_NOSUID | kernel.MS_NODEV | kernel.MS_NOEXEC


def program(kind: str, payload: dict, limits: Limits, workdir: str, uid: int, level: str, plan: list,
            w: int) -> None:
    """G: set up, report the setup on the first line, then run the harness (untrusted code)."""
    try:
        features = setup_program(limits, workdir, uid, level, plan)
    except BaseException as exc:
        write_all(w, json.dumps({"setup_error": f"{type(exc).__name__}: {exc}"}).encode() + b"\n")
        return
    write_all(w, json.dumps({"features": features}).encode() + b"\n")
    try:
        verdict = HARNESSES[kind](payload, limits)
    except BaseException as exc:  # a harness failure, not a verdict on the program
        verdict = {"harness_error": f"{type(exc).__name__}: {exc}"[:500]}
    write_all(w, json.dumps(verdict).encode())


def setup_program(limits: Limits, workdir: str, uid: int, level: str, plan: list) -> list[str]:
    """Mounts (namespaced levels), uid, cwd, environment, rlimits, no_new_privs, capabilities.
    Returns the features that took effect."""
    import resource

    namespaced = not level.startswith("rlimits")
    features = [level]
    if namespaced:
        gid = uid if level == "rootns" else os.getegid()  # rootns: G is still root here
        features += mounts(workdir, limits.tmpfs_bytes, plan if level == "rootns" else [], uid, gid)
        features += ["netns", "pidns"]
    if level == "rootns":
        kernel.drop_to(uid)
    os.setpgid(0, 0)
    os.chdir(workdir)
    env = {"HOME": workdir, "TMPDIR": workdir, "PWD": workdir, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "EVALPLUS_MAX_MEMORY_BYTES": str(limits.memory_bytes)}
    os.environ.clear()
    os.environ.update(env)
    tempfile.tempdir = workdir

    nproc = limits.max_processes
    if not namespaced:  # the count is per uid, machine-wide here: leave room for what runs already
        nproc += tasks_of_uid(os.getuid())
    cpu = limits.cpu_limit()
    for res, value in ((resource.RLIMIT_CPU, (cpu, cpu + 1)),
                       (resource.RLIMIT_AS, (limits.memory_bytes,) * 2),
                       (resource.RLIMIT_NPROC, (nproc, nproc)),
                       (resource.RLIMIT_FSIZE, (limits.file_size_bytes,) * 2),
                       (resource.RLIMIT_NOFILE, (limits.open_files,) * 2),
                       (resource.RLIMIT_CORE, (0, 0))):
        resource.setrlimit(res, value)
    features.append("rlimits")
    if kernel.prctl(kernel.PR_SET_NO_NEW_PRIVS, 1) == 0:
        features.append("no_new_privs")
    if namespaced and kernel.drop_capabilities():
        features.append("no_capabilities")
    if namespaced:
        kernel.prctl(kernel.PR_SET_PDEATHSIG, signal.SIGKILL)  # C gone -> G gone -> namespace gone
    if os.getuid() != 0:
        features.append("unprivileged_uid")
    return features


def mounts(workdir: str, tmpfs_bytes: int, plan: list, uid: int, gid: int) -> list[str]:
    """A private mount tree: everything read-only, a fresh size-capped tmpfs as the working
    directory, and a /proc that shows only this pid namespace. Each step after the first is best
    effort and reported."""
    done = []
    kernel.make_mounts_private()
    if plan:
        kernel.expose(plan, workdir)
    if kernel.readonly_recursive(b"/"):
        done.append("readonly_root")
    opts = f"size={tmpfs_bytes},mode=0700,uid={uid},gid={gid}".encode()
    if kernel.mount(b"tmpfs", workdir.encode(), b"tmpfs", _TMPFS_FLAGS, opts) == 0:
        done.append("tmpfs_workdir")
    if kernel.mount(b"proc", b"/proc", b"proc", _PROC_FLAGS, None) == 0:
        done.append("private_proc")
    return done


def tasks_of_uid(uid: int) -> int:
    """Tasks (threads included) that ``uid`` runs on this machine, from /proc."""
    n = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                status = f.read()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("Uid", "").split()[:1] == [str(uid)]:
            n += int(fields.get("Threads", "1").strip() or 1)
    return n
