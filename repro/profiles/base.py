"""What every profile provides. Figure recipes ask for runs by their paper names; the profile
answers with concrete specs."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

from repro.errors import ReproError
from repro.specs import (
    BenchmarkSpec,
    CheckpointSpec,
    GenerationSpec,
    JudgeSpec,
    ModelSpec,
    ScoreSpec,
    TrainSpec,
    parse_mode,
)

# Epochs and per-device batch sizes of the paper's runs (REPRO_SPEC B, "Effective batch size").
PAPER_EPOCHS = {"full": 5, "lora": 10}
# OrthoMerge (paper App. B, REPRO_SPEC E10): k = 64; the printed lambda grid {1, 1.15, 1.75, 1.2, 1.25}
# in order, with 1.1 added (1.75 is probably a typo for 1.1 or 1.05; both are kept).
ORTHOMERGE_K = 64
ORTHOMERGE_LAMBDAS = (1.0, 1.1, 1.15, 1.2, 1.25, 1.75)
# Regularizer k (REPRO_SPEC G): the paper profile follows the authors' effective k by default.
REG_K_POLICY = "authors"


def paper_batch_size(model: ModelSpec, mode: str) -> int:
    """14B full fine-tuning ran with batch 1; every other run with batch 2."""
    if parse_mode(mode).kind == "full" and model.name.endswith("Qwen-14B"):
        return 1
    return 2


class Profile(ABC):
    name: str
    backend: str  # generation backend: "vllm" | "hf"
    requires_cuda: bool
    description: str
    deviations: tuple[str, ...] = ()
    orthomerge_k: int = ORTHOMERGE_K
    # A banner every figure of this profile carries (non-empty where its numbers must not be read as the paper's).
    figure_note: str = ""

    @property
    def store_name(self) -> str:
        """The artifact store directory (``artifacts/<store_name>/``): profiles whose specs coincide share one, so
        a step both need (same key) runs once."""
        return self.name
    orthomerge_lambdas: tuple[float, ...] = ORTHOMERGE_LAMBDAS

    @abstractmethod
    def model(self, paper_model: ModelSpec) -> ModelSpec:
        """The model this profile uses where the paper uses ``paper_model``."""

    @abstractmethod
    def train(self, paper_model: ModelSpec, mode: str) -> TrainSpec:
        """The paper's run ``mode`` on ``paper_model`` (epochs and batch as the paper's)."""

    benchmarks: dict[str, BenchmarkSpec]  # every benchmark this profile has settings for

    def benchmark(self, name: str) -> BenchmarkSpec:
        try:
            return self.benchmarks[name]
        except KeyError:
            raise ReproError(f"benchmark {name!r} has no {self.name} settings yet",
                             f"known: {', '.join(self.benchmarks)}") from None

    @abstractmethod
    def judge(self) -> JudgeSpec:
        """The safety judge (Llama-Guard-3-8B in the paper)."""

    @abstractmethod
    def math_judge(self) -> JudgeSpec:
        """The AIME judge for boxed answers that fail the rule (Qwen2.5-32B-Instruct in the paper)."""

    def judge_for(self, scorer: str) -> JudgeSpec | None:
        return {"llama_guard": self.judge, "aime_authors": self.math_judge}.get(scorer, lambda: None)()

    # --- derived, shared by every profile --------------------------------------------------
    def layer_range(self, paper_model: ModelSpec, first: int, last: int) -> tuple[int, int]:
        """The paper's zero-based inclusive layer range ``first..last`` of ``paper_model``, mapped onto this
        profile's stand-in by relative depth (the identity when the depths agree): a block of the paper's
        16 of 48 layers stays a third of the depth, at the same place."""
        paper_depth, depth = paper_model.num_layers, self.model(paper_model).num_layers
        if depth == paper_depth:
            return first, last
        lo = math.floor(first * depth / paper_depth + 0.5)
        hi = max(lo, math.floor((last + 1) * depth / paper_depth + 0.5) - 1)
        return lo, min(hi, depth - 1)

    def base(self, paper_model: ModelSpec) -> CheckpointSpec:
        return CheckpointSpec(model=self.model(paper_model))

    def checkpoints(self, train: TrainSpec) -> list[CheckpointSpec]:
        """One checkpoint per epoch, as the authors' ``save_strategy="epoch"``."""
        return [CheckpointSpec(model=train.model, train=train, epoch=e) for e in range(1, train.epochs + 1)]

    def score(self, checkpoint: CheckpointSpec, benchmark: str) -> ScoreSpec:
        bench = self.benchmark(benchmark)
        gen = GenerationSpec(checkpoint=checkpoint, benchmark=bench, backend=self.backend)
        return ScoreSpec(generation=gen, scorer=bench.scorer, judge=self.judge_for(bench.scorer))
