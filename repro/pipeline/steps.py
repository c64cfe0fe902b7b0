"""A step: one unit of work of the plan, keyed by its spec's hash, with the ids of the steps it reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Step:
    kind: str  # a name of repro.pipeline.kinds.KINDS
    key: str
    spec: Any  # the spec of the kind's type (ModelSpec, TrainSpec, ScoreSpec, ...)
    deps: tuple[str, ...]  # ids of the steps this one reads
    label: str

    @property
    def id(self) -> str:
        return f"{self.kind}/{self.key}"
