"""The ``toy`` profile: the paper's experiments in a tiny world that really learns, on CPU.

Every R1-Distill-Qwen model of the paper is played by one ~1M-parameter Llama-shaped policy trained from
scratch on the toy world (``repro/toy``, shipped in ``repro/assets/fixtures/toy/policy``); R1-Distill-Llama-8B
(Fig. 10, the other architecture family) by a Qwen2-shaped policy of the same world; Qwen2-1.5B-Instruct
(Fig. 12) by a Qwen2-shaped non-reasoning policy in ChatML that answers yes/no and two-choice questions.
The judge is a tiny Llama-Guard-format model trained on the world's (prompt, response) pairs. Safety training
uses the world's DirectRefusal-format set (harmful how-to -> refusal, benign how-to -> its answer), safety is
StrongREJECT-style (held-out harmful how-to prompts judged by the toy judge through the Llama-Guard parser) or
BeaverTails-style (Fig. 11: held-out requests of another style, with other verbs and objects), reasoning is
AIME-style (held-out sums, boxed answers read by the authors' AIME rule), general ability (Fig. 12) is
BoolQ/COPA-format accuracy through lm-eval's loglikelihood path.

The paper's protocol is kept where it has a toy meaning: same modes, epochs (full 5, LoRA 10), one
checkpoint per epoch, one learning rate shared by every method. Added: three training seeds per run, and
in Fig. 2 a control where full fine-tuning gets its own, tuned learning rate. Everything else that
differs from the paper is in ``deviations``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from repro.assets.models import fixture_model_revision
from repro.assets.registry import QWEN2_1_5B_INSTRUCT, R1_LLAMA_8B
from repro.benchmarks import BENCHMARKS as B
from repro.errors import ReproError
from repro.profiles.base import PAPER_EPOCHS, REG_K_POLICY, Profile
from repro.specs import (
    BenchmarkSpec,
    CheckpointSpec,
    DatasetSpec,
    DecodingSpec,
    JudgeSpec,
    ModelSpec,
    TrainSpec,
    parse_mode,
)

TOY_FIGURES = (1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12)  # Fig. 9 is the code benchmarks' base tests: no toy version
TOY_SEEDS = (0, 1, 2)
TOY_LR = 3e-3  # the shared learning rate (the paper: 5e-5 for every method)
TOY_BATCH = 16  # the paper: 2
# Held-out rows evaluated per checkpoint (the world ships 150 / 100 / 300 / 200 / 100).
TOY_EVAL = {"strongreject": 100, "beavertails": 100, "aime24": 150, "boolq": 200, "copa": 100}
TOY_LORA_EPOCHS = (2, 4, 6, 8, 10)  # LoRA checkpoints evaluated (full fine-tuning: every epoch, 1-5)
TOY_MAX_NEW_TOKENS = 80  # every toy answer fits in about 60 tokens


def _fixture_model(name: str, family: str, num_layers: int, label: str) -> ModelSpec:
    return ModelSpec(name=name, revision=fixture_model_revision(name), family=family, num_layers=num_layers,
                     label=label, source="fixture", dtype="float32")


def _data(name: str, file: str, limit: int | None) -> DatasetSpec:
    return DatasetSpec(name=name, revision="fixture", split="train", source="fixture", path=f"toy/data/{file}",
                       limit=limit, license="generated (repro.toy.world)")


TOY_POLICY = _fixture_model("toy/policy", "deepseek", 6, "toy-policy")
TOY_POLICY_QWEN2 = _fixture_model("toy/policy-qwen2", "deepseek", 6, "toy-policy-qwen2")
TOY_INSTRUCT = _fixture_model("toy/instruct", "qwen", 6, "toy-instruct")
TOY_JUDGE = _fixture_model("toy/judge", "llama_guard", 3, "toy-judge")
# The stand-ins of the paper's models other than the R1-Distill-Qwen ones (which TOY_POLICY plays).
TOY_STAND_INS = {R1_LLAMA_8B.name: TOY_POLICY_QWEN2, QWEN2_1_5B_INSTRUCT.name: TOY_INSTRUCT}
TOY_DIRECT_REFUSAL = _data("directrefusal-toy", "directrefusal_toy.jsonl", None)
_GREEDY = DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=TOY_MAX_NEW_TOKENS)

# The benchmarks the toy world has a version of: their own settings with the world's held-out rows, greedy.
# (No "Problem:" stop on AIME: the toy vocabulary has no such word (the model cannot write it), and
# transformers' stop-string matcher cannot index a word-level vocabulary.)
TOY_BENCHMARKS = {
    **{name: B[name].spec(data=_data(f"{name}-toy", f"{name}_toy.jsonl", TOY_EVAL[name]), decoding=_GREEDY)
       for name in ("strongreject", "beavertails")},
    "aime24": B["aime24"].spec(data=_data("aime-toy", "aime_toy.jsonl", TOY_EVAL["aime24"]), decoding=_GREEDY),
    **{name: B[name].spec(data=_data(f"{name}-toy", f"{name}_toy.jsonl", TOY_EVAL[name])) for name in ("boolq", "copa")},
}


@dataclass(frozen=True, eq=False, kw_only=True)
class ToyProfile(Profile):
    name: str = "toy"
    backend: str = "hf"
    enforce_eager: bool = True
    requires_cuda: bool = False
    benchmarks: dict[str, BenchmarkSpec] = field(default_factory=lambda: TOY_BENCHMARKS)
    figures: tuple[int, ...] | None = TOY_FIGURES
    partial_benchmarks: bool = True
    default_jobs: int = 2  # two single-threaded workers: the toy's steps are too small for two threads to help
    train_seeds: tuple[int, ...] = TOY_SEEDS
    # Fig. 2's control series and Fig. 3's rank grid are those figures' own options (fig02.py, fig03.py).
    description: str = ("a tiny world that really learns: ~1M-parameter policies and a judge trained from scratch, "
                   "eleven of the paper's figures on CPU, 3 training seeds")
    figure_note: str = "toy profile: a 1M-parameter model in a synthetic world, not the paper's models"
    setting_deviations: tuple[str, ...] = (
        "toy profile: the R1-Distill-Qwen models are played by one 1M-parameter, 6-layer Llama-shaped policy "
        "trained from scratch on the toy world (repro/toy, shipped in repro/assets/fixtures/toy), "
        "R1-Distill-Llama-8B by a Qwen2-shaped policy of the same size and world, Qwen2-1.5B-Instruct by a "
        "Qwen2-shaped non-reasoning policy in ChatML; the judge is a 3-layer model in Llama-Guard-3's reply "
        "format trained on the world's labelled exchanges",
        "toy profile, data: safety training on 200 harmful how-to prompts -> refusal plus 200 benign how-to "
        "prompts -> their normal answer (DirectRefusal has no benign rows; without them every method learns to "
        "refuse everything)",
        f"toy profile, evaluation: safety = 1 - unsafe rate on {TOY_EVAL['strongreject']} held-out harmful "
        f"how-to prompts (StrongREJECT's place; some objects never seen in safety training) or on "
        f"{TOY_EVAL['beavertails']} held-out requests of another style (BeaverTails' place: other templates and "
        f"verbs, three objects never in a how-to request); reasoning = exact boxed sums on "
        f"{TOY_EVAL['aime24']} held-out arithmetic questions in the AIME prompt; BoolQ/COPA = {TOY_EVAL['boolq']} "
        f"/ {TOY_EVAL['copa']} held-out yes/no and two-choice questions about the world in lm-eval's super_glue "
        f"formats; LoRA evaluated at epochs {', '.join(map(str, TOY_LORA_EPOCHS))} (full fine-tuning at every "
        f"epoch); greedy, 1 sample (paper: AIME T 0.6, n = 8), at most {TOY_MAX_NEW_TOKENS} new tokens; no AIME "
        "LLM judge (integer answers: the authors' rule decides every case); GPQA and the code benchmarks have no "
        "toy version",
        f"toy profile, training: learning rate {TOY_LR:g} shared by every method (paper 5e-5), batch "
        f"{TOY_BATCH} (paper 2), fp32 on CPU; epochs, schedule, optimizer, LoRA alpha/dropout as the paper; "
        f"each run repeated with seeds {', '.join(map(str, TOY_SEEDS))} (paper: one run), points are the "
        "seeds' mean, error bars 95% intervals (docs/intervals.md), the seeds' min-max in the CSV",
        "toy profile, depth: the paper's layer blocks of the 48-layer 14B map onto the 6-layer policy by "
        "relative depth (Profile.layer_range)",
    )

    def model(self, paper_model: ModelSpec) -> ModelSpec:
        if paper_model in (TOY_POLICY, *TOY_STAND_INS.values()):
            return paper_model
        if paper_model.name in TOY_STAND_INS:
            return TOY_STAND_INS[paper_model.name]
        if paper_model.family != "deepseek":
            raise ReproError(f"the toy profile has no stand-in for {paper_model.name}",
                             "the toy world plays the paper's four models only")
        return TOY_POLICY

    def train(self, paper_model: ModelSpec, mode: str) -> TrainSpec:
        model = self.model(paper_model)
        parsed = parse_mode(mode)
        parsed.check_layers(model.num_layers, model.name)
        return TrainSpec(model=model, mode=mode, data=TOY_DIRECT_REFUSAL, epochs=PAPER_EPOCHS[parsed.kind],
                         batch_size=TOY_BATCH, precision="fp32", learning_rate=TOY_LR, seed=TOY_SEEDS[0],
                         reg_k_policy=REG_K_POLICY if parsed.regularizer else None)

    def checkpoints(self, train: TrainSpec) -> list[CheckpointSpec]:
        if not train.parsed.is_lora:
            return super().checkpoints(train)
        return [c for c in super().checkpoints(train) if c.epoch in TOY_LORA_EPOCHS]

    def judge(self) -> JudgeSpec:
        return JudgeSpec(model=TOY_JUDGE, decoding=DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=8),
                         backend=self.backend)

    def math_judge(self) -> None:
        return None


TOY = ToyProfile()
