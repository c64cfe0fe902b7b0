"""The ``smoke`` profile: the paper's code paths on CPU in minutes.

Same stages, same scorers, same artifact layout as ``paper``; only the scale differs: tiny random
models built in-process (a Qwen2-shaped policy with an R1-style chat template, a Llama-shaped
judge with a Llama-Guard-style template), fixture data shipped in ``repro/assets/fixtures``,
the HF transformers backend, few training steps and short generations. Its numbers are noise by
design: it proves the plumbing, not the paper (that is the ``toy`` profile's job).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

from repro.benchmarks import BENCHMARKS as B
from repro.errors import ReproError
from repro.profiles.base import PAPER_EPOCHS, REG_K_POLICY, Profile, paper_batch_size
from repro.specs import (
    BenchmarkSpec,
    DatasetSpec,
    DecodingSpec,
    JudgeSpec,
    ModelSpec,
    TinyArch,
    TrainSpec,
    parse_mode,
)

SMOKE_EPOCHS = {"full": 2, "lora": 3}  # paper: full 5, LoRA 10; one checkpoint per epoch either way
SMOKE_TRAIN_ROWS = 8
SMOKE_SEEDS = (0, 1)


# Attention heads of 32 dimensions (64 wide, 2 query heads, 1 key/value head): the smallest head vLLM's CPU
# attention serves (it refuses 16), so the smoke profile runs through both backends.
TINY_HEADS = {"hidden_size": 64, "intermediate_size": 128, "num_heads": 2, "num_kv_heads": 1}


def tiny_policy_arch(num_layers: int, seed: int) -> TinyArch:
    """A Qwen2-shaped policy small enough for milliseconds per generated token on CPU."""
    return TinyArch(arch="qwen2", num_layers=num_layers, seed=seed, template="r1", **TINY_HEADS)


def tiny_judge_arch(seed: int) -> TinyArch:
    """A 2-layer Llama-shaped judge with the Llama-Guard-style template."""
    return TinyArch(arch="llama", num_layers=2, seed=seed, template="llama_guard", **TINY_HEADS)


def _tiny_policy(paper_model: ModelSpec, num_layers: int, seed: int) -> ModelSpec:
    return ModelSpec(
        name=f"smoke/tiny-{paper_model.label}", revision="in-process-v1", family=paper_model.family,
        num_layers=num_layers, label=f"tiny-{paper_model.label}", source="tiny", dtype="float32",
        tiny=replace(tiny_policy_arch(num_layers, seed), **_TINY_KIND.get(paper_model.name, {})),
    )


def _stand_in(model: ModelSpec) -> ModelSpec:
    """A tiny stand-in for a model outside the paper (an experiment file's): a seventh of its depth (at least 2
    layers, so layer ranges map by relative depth), Llama-shaped where its name says Llama, else Qwen2-shaped, with
    the chat format of its family; seeded by its name."""
    arch = "llama" if "llama" in model.name.lower() else "qwen2"
    template = "r1" if model.family == "deepseek" else "qwen_instruct"
    layers, seed = max(2, round(model.num_layers / 7)), int(hashlib.sha256(model.name.encode()).hexdigest()[:6], 16)
    return ModelSpec(name=f"smoke/tiny-{model.slug}", revision="in-process-v1", family=model.family,
                     num_layers=layers, label=f"tiny-{model.label or model.slug}", source="tiny", dtype="float32",
                     tiny=replace(tiny_policy_arch(layers, seed), arch=arch, template=template))


TINY_JUDGE = ModelSpec(
    name="smoke/tiny-llama-guard", revision="in-process-v1", family="llama_guard", num_layers=2,
    label="tiny-llama-guard", source="tiny", dtype="float32", tiny=tiny_judge_arch(seed=3),
)

# The AIME judge's stand-in: a tiny Qwen2-shaped model (the judge prompt is a raw ChatML string).
TINY_MATH_JUDGE = ModelSpec(
    name="smoke/tiny-qwen2.5-32b-judge", revision="in-process-v1", family="qwen_judge", num_layers=2,
    label="tiny-qwen-judge", source="tiny", dtype="float32", tiny=tiny_policy_arch(2, seed=32),
)

# Stand-ins keep the paper models' relative depth so layer-range modes stay meaningful.
_TINY_LAYERS = {
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B": (4, 7),
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B": (6, 14),
    "deepseek-ai/DeepSeek-R1-Distill-Llama-8B": (4, 8),  # 32 layers in the paper (Fig. 10)
    "Qwen/Qwen2-1.5B-Instruct": (4, 15),  # 28 layers in the paper (Fig. 12)
}
# Stand-ins that are not the default Qwen2 + R1-template policy: their TinyArch arch and chat template.
_TINY_KIND = {
    "deepseek-ai/DeepSeek-R1-Distill-Llama-8B": {"arch": "llama", "template": "r1"},
    "Qwen/Qwen2-1.5B-Instruct": {"arch": "qwen2", "template": "qwen_instruct"},
}


def _fixture(name: str, path: str, split: str, limit: int | None, **kw) -> DatasetSpec:
    return DatasetSpec(name=name, revision="fixture", split=split, source="fixture", path=path,
                       limit=limit, **kw)


SMOKE_DIRECT_REFUSAL = _fixture("directrefusal-smoke", "directrefusal_smoke.jsonl", "train", SMOKE_TRAIN_ROWS)

# The benchmarks' own settings with fixture data and short decoding (repro/benchmarks).
SMOKE_BENCHMARKS = {
    "strongreject": B["strongreject"].spec(
        data=_fixture("walledai/StrongREJECT (shipped CSV)", "strongreject/strongreject_dataset.csv", "train", 8,
                      license="MIT"),
        decoding=DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=24)),
    "beavertails": B["beavertails"].spec(data=_fixture("beavertails-smoke", "beavertails_smoke.jsonl", "test", 8),
                                         decoding=DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=24)),
    **{name: B[name].spec(data=_fixture(fixture, path, split, limit), max_new_tokens=32, seeds=SMOKE_SEEDS,
                          max_model_len=None)
       for name, fixture, path, split, limit in (
           ("aime24", "aime24-smoke", "aime24_smoke.jsonl", "test", 4),
           ("gpqa_diamond", "gpqa-diamond-smoke", "gpqa_diamond_smoke.jsonl", "train", 4),
           ("humaneval", "humaneval-plus-smoke", "humanevalplus_smoke.jsonl", "test", None),
           ("mbpp", "mbpp-plus-smoke", "mbppplus_smoke.jsonl", "test", None))},
    # BoolQ / COPA (Fig. 12): 8 made-up docs each in the super_glue validation format.
    **{name: B[name].spec(data=_fixture(f"{name}-smoke", f"{name}_smoke.jsonl", "validation", None))
       for name in ("boolq", "copa")},
}


@dataclass(frozen=True, eq=False, kw_only=True)
class SmokeProfile(Profile):
    name: str = "smoke"
    backend: str = "hf"
    enforce_eager: bool = True
    requires_cuda: bool = False
    benchmarks: dict[str, BenchmarkSpec] = field(default_factory=lambda: SMOKE_BENCHMARKS)
    description: str = "every code path on CPU in minutes: tiny random models, fixture data, HF generate"
    figure_note: str = "smoke profile: tiny random models, numbers are noise"
    setting_deviations: tuple[str, ...] = (
        f"tiny random models stand in for the paper's; training uses the first {SMOKE_TRAIN_ROWS} rows of a "
        "made-up DirectRefusal-format fixture",
        f"epochs full {SMOKE_EPOCHS['full']} / LoRA {SMOKE_EPOCHS['lora']} (paper {PAPER_EPOCHS['full']} / "
        f"{PAPER_EPOCHS['lora']}); fp32 on CPU (paper: bf16/fp16 on GPU)",
        "benchmarks: 8 StrongREJECT and BeaverTails prompts, 4 made-up AIME and GPQA questions, 4 made-up "
        "HumanEval+ and MBPP+-format tasks, "
        f"n = {len(SMOKE_SEEDS)} seeds (paper 8), at most 32 new tokens (paper 32768; StrongREJECT 24 vs 2048)",
    )

    def model(self, paper_model: ModelSpec) -> ModelSpec:
        if paper_model.source == "tiny":
            return paper_model
        if paper_model.name in _TINY_LAYERS:
            return _tiny_policy(paper_model, *_TINY_LAYERS[paper_model.name])
        if paper_model.family not in ("deepseek", "qwen"):
            raise ReproError(f"the smoke profile has no stand-in for {paper_model.name} (family "
                             f"{paper_model.family!r})", "smoke stands in for deepseek- and qwen-format models")
        return _stand_in(paper_model)

    def train(self, paper_model: ModelSpec, mode: str) -> TrainSpec:
        model = self.model(paper_model)
        parsed = parse_mode(mode)
        parsed.check_layers(model.num_layers, model.name)
        return TrainSpec(
            model=model, mode=mode, data=SMOKE_DIRECT_REFUSAL, epochs=SMOKE_EPOCHS[parsed.kind],
            batch_size=paper_batch_size(paper_model, mode), precision="fp32", learning_rate=5e-5,
            reg_k_policy=REG_K_POLICY if parsed.regularizer else None,
        )

    def judge(self) -> JudgeSpec:
        return JudgeSpec(model=TINY_JUDGE, decoding=DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=8),
                         backend=self.backend)

    def math_judge(self) -> JudgeSpec:
        return JudgeSpec(model=TINY_MATH_JUDGE,
                         decoding=DecodingSpec(temperature=0.0, top_p=1.0, top_k=1, max_new_tokens=4),
                         backend=self.backend)


SMOKE = SmokeProfile()
