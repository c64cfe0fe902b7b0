"""The ``reduced`` profile: the paper's runs, a stated subset of their evaluation (about one GPU-day for Fig. 2;
every figure's cost: `repro plan N --profile reduced`).

Models, revisions, data and every training run are the paper's, setting for setting: a TrainSpec of this
profile has the same key as the paper's (training is never reduced: the cosine schedule spans all epochs,
so a shorter run would not give the paper's checkpoints). Only evaluation is cut, each cut listed in
``deviations`` (which flows into every figure's JSON and README):

- checkpoints: full fine-tuning epochs REDUCED_EPOCHS["full"], LoRA epochs REDUCED_EPOCHS["lora"] (the
  final epoch always included, so "final checkpoint" figures are unchanged);
- reasoning benchmarks (AIME, GPQA, HumanEval+, MBPP+): REDUCED_SEEDS seeds instead of 8, and at most
  REDUCED_MAX_NEW_TOKENS new tokens instead of 32768 (responses cut at the cap are scored as they are and
  counted as truncated by the scorers).

StrongREJECT, BeaverTails, BoolQ and COPA, judges and OrthoMerge settings are the paper's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from repro.benchmarks import PAPER_SEEDS, get_benchmark
from repro.profiles.base import PAPER_EPOCHS
from repro.profiles.paper import PAPER_BENCHMARKS, PaperProfile
from repro.specs import BenchmarkSpec, CheckpointSpec, TrainSpec

REDUCED_EPOCHS = {"full": (1, 3, 5), "lora": (1, 2, 5, 10)}
REDUCED_SEEDS = PAPER_SEEDS[:4]
REDUCED_MAX_NEW_TOKENS = 16384
REDUCED_BENCHMARKS_CUT = ("aime24", "gpqa_diamond", "humaneval", "mbpp")

REDUCED_BENCHMARKS = {
    **PAPER_BENCHMARKS,
    **{name: get_benchmark(name).spec(seeds=REDUCED_SEEDS, max_new_tokens=REDUCED_MAX_NEW_TOKENS)
       for name in REDUCED_BENCHMARKS_CUT},
}


def _epochs(kind: str) -> str:
    return ", ".join(map(str, REDUCED_EPOCHS[kind]))


@dataclass(frozen=True, eq=False, kw_only=True)
class ReducedProfile(PaperProfile):
    name: str = "reduced"
    benchmarks: dict[str, BenchmarkSpec] = field(default_factory=lambda: REDUCED_BENCHMARKS)
    description: str = ("the paper's models and training runs exactly, a stated subset of the evaluation: about one "
                        "GPU-day for Fig. 2 (`repro plan N --profile reduced` estimates any figure)")
    setting_deviations: tuple[str, ...] = PaperProfile.setting_deviations + (
        f"reduced profile, checkpoints: full fine-tuning evaluated at epochs {_epochs('full')} of "
        f"{PAPER_EPOCHS['full']}, LoRA at epochs {_epochs('lora')} of {PAPER_EPOCHS['lora']} (training is the "
        "paper's; the other epochs' checkpoints are saved but not evaluated)",
        f"reduced profile, seeds: AIME, GPQA-Diamond, HumanEval(+) and MBPP(+) are sampled with "
        f"n = {len(REDUCED_SEEDS)} seeds {list(REDUCED_SEEDS)} instead of 8 (Pass@1 over {len(REDUCED_SEEDS)} "
        "samples per question: larger variance)",
        f"reduced profile, length: at most {REDUCED_MAX_NEW_TOKENS} new tokens on AIME, GPQA-Diamond, HumanEval(+) "
        "and MBPP(+) instead of 32768; a reasoning trace cut at the cap usually scores 0 and is counted in each "
        "point's truncation column, so Pass@1 is biased down, most on AIME",
    )

    figure_note: str = "reduced profile: a subset of the paper's evaluation (see deviations)"
    verdict_note = ("reduced profile: fewer checkpoints, seeds and tokens than the paper (see the figures' "
                    "deviations); a claim near its tolerance may flip on that alone.")

    @property
    def store_name(self) -> str:
        # The paper's store: training runs, merges and every evaluation whose settings are unchanged (same keys)
        # are shared with the paper profile in both directions, never redone.
        return "paper"

    def checkpoints(self, train: TrainSpec) -> list[CheckpointSpec]:
        keep = REDUCED_EPOCHS[train.parsed.kind]
        return [c for c in super().checkpoints(train) if c.epoch in keep]


REDUCED = ReducedProfile()
