"""Named points where the fault-injection tests kill a run (tests/test_faults.py), to prove that a run killed
anywhere resumes to the same result and loses nothing.

``REPRO_FAULT=<point>@<n>`` kills this process (SIGKILL, as a pre-empted job dies) the n-th time it reaches
``point``. Unset, a point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

ENV = "REPRO_FAULT"
POINTS = ("step.start", "step.written", "step.manifest", "generate.seed", "score.verdicts", "train.step")
_seen: dict[str, int] = {}


def point(name: str) -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    where, _, n = spec.partition("@")
    if where != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] >= int(n or 1):
        os.kill(os.getpid(), signal.SIGKILL)
