"""A step: one unit of work of the plan, keyed by its spec's hash, with the ids of the steps it reads.

A step's id is a typed value, ``StepId(kind, key)``; its text ``kind/key`` is what the store's layout, manifests,
logs, JSON output and job names show, and ``StepId.parse`` is the one place that text is read back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from repro.errors import ReproError


@dataclass(frozen=True, order=True)
class StepId:
    kind: str  # a name of repro.pipeline.kinds.KINDS
    key: str  # the spec's hash

    def __str__(self) -> str:
        return f"{self.kind}/{self.key}"

    @classmethod
    def parse(cls, text: str) -> StepId:
        """The id whose text is ``text`` (``kind/key``, as a job index or a manifest holds it)."""
        kind, sep, key = text.partition("/")
        if not (sep and kind and key) or "/" in key:
            raise ReproError(f"{text!r} is not a step id", "a step id is KIND/KEY, as `repro plan` lists them")
        return cls(kind, key)


@dataclass(frozen=True)
class Step:
    kind: str  # a name of repro.pipeline.kinds.KINDS
    key: str
    spec: Any  # the spec of the kind's type (ModelSpec, TrainSpec, ScoreSpec, ...)
    deps: tuple[StepId, ...]  # ids of the steps this one reads
    label: str

    @property
    def id(self) -> StepId:
        return StepId(self.kind, self.key)
