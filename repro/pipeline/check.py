"""``repro check``: the store against the plan, step by step. Trust, but verify the store you were handed.

For every planned step: done, or missing (todo / partial), damaged (a recorded file missing or changed, an
unreadable manifest) or stale (an input made again since, or not done). ``deep`` re-hashes every file, weights
included; otherwise files over ``integrity.SMALL`` are checked by size. Also: step directories in the store that no
planned step owns (left by other figures or profiles, or by older versions), and which training runs several
figures share.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from repro.pipeline.integrity import State, step_state
from repro.pipeline.kinds import KINDS
from repro.pipeline.steps import Step, StepId
from repro.pipeline.store import ArtifactStore


def check_steps(steps: list[Step], store: ArtifactStore, deep: bool = False) -> list[dict[str, Any]]:
    """One row per planned step: id, kind, label, status, problems."""
    states: dict[StepId, State] = {}
    rows = []
    for s in steps:
        st = step_state(store, s, deep=deep, states=states)
        rows.append({"id": str(s.id), "kind": s.kind, "label": s.label, "status": st.status, "problems": st.problems})
    return rows


def unplanned(steps: list[Step], store: ArtifactStore) -> list[StepId]:
    """Step directories in the store that no step of ``steps`` owns."""
    planned = {s.id for s in steps}
    out = []
    for kind in KINDS:
        d = store.base / kind
        if d.is_dir():
            out += [sid for p in sorted(d.iterdir()) if p.is_dir() and (sid := StepId(kind, p.name)) not in planned]
    return out


def summarize(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = Counter(r["status"] for r in rows)
    return {status: counts.get(status, 0) for status in ("done", "todo", "partial", "damaged", "stale")}


def shared_runs(figure_steps: dict[int, list[Step]]) -> list[tuple[str, list[int]]]:
    """Training runs that several figures use, with those figures (each is trained once)."""
    users: dict[StepId, tuple[str, set[int]]] = {}
    for n, steps in figure_steps.items():
        for s in steps:
            if s.kind == "train":
                users.setdefault(s.id, (s.label, set()))[1].add(n)
    return sorted(((label, sorted(figs)) for label, figs in users.values() if len(figs) > 1),
                  key=lambda r: (-len(r[1]), r[0]))
