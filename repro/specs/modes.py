"""The paper's mode strings (``full``, ``lora_mlp_r1``, ...) parsed into typed specs.

Grammar (the authors' ``parse_config_string`` accepts more; we reject its oddities with a
clear error instead of guessing, docs/evaluation.md#parity-findings):

    full
    lora_mlp_r{r}                              gate, up, down in every layer
    lora_qkvo_mlp_r{r}                         q, k, v, o + gate, up, down
    lora_{proj}_only_r{r}                      one projection in every layer
    lora_{proj}_only_from{a}_to{b}_r{r}        one projection in layers a..b (zero-based, inclusive)
    lora_mlp_orthogonal_norm_r{r}_beta{b}_k{k}       reg-col: lora_mlp_r{r} + beta * column-space penalty
    lora_mlp_orthogonal_norm_both_r{r}_beta{b}_k{k}  reg-both: lora_mlp_r{r} + beta * sandwich penalty

``r`` and ``k`` are positive integers written without leading zeros; ``beta`` is a non-negative
decimal (``1``, ``0.5``; no leading zeros, no exponent); ``proj`` is one of the seven Qwen2/Llama
linear projections. The regularizers are the authors' weighted, normalized ones (docs/geometry.md#regularizers-as-coded-figure-8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from repro.errors import ReproError

MLP_MODULES = ("gate_proj", "up_proj", "down_proj")
ATTN_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj")
ALL_PROJECTIONS = ATTN_MODULES + MLP_MODULES

_R = r"r(?P<r>[1-9][0-9]*)"
_BETA = r"beta(?P<beta>(?:0|[1-9][0-9]*)(?:\.[0-9]+)?)"
_K = r"k(?P<k>[1-9][0-9]*)"
_PROJ = "(?P<proj>" + "|".join(p.replace("_proj", "") for p in ALL_PROJECTIONS) + ")_proj"
_PATTERNS = [
    ("full", re.compile(r"full")),
    ("lora_mlp", re.compile(rf"lora_mlp_{_R}")),
    ("lora_qkvo_mlp", re.compile(rf"lora_qkvo_mlp_{_R}")),
    ("lora_module_layer", re.compile(rf"lora_{_PROJ}_only_from(?P<a>0|[1-9][0-9]*)_to(?P<b>0|[1-9][0-9]*)_{_R}")),
    ("lora_module", re.compile(rf"lora_{_PROJ}_only_{_R}")),
    ("reg_col", re.compile(rf"lora_mlp_orthogonal_norm_{_R}_{_BETA}_{_K}")),
    ("reg_both", re.compile(rf"lora_mlp_orthogonal_norm_both_{_R}_{_BETA}_{_K}")),
]
REGULARIZERS = {"reg_col": "col", "reg_both": "both"}

GRAMMAR_HELP = (
    "valid modes: full, lora_mlp_r{r}, lora_qkvo_mlp_r{r}, lora_{proj}_only_r{r}, "
    "lora_{proj}_only_from{a}_to{b}_r{r} (proj in q,k,v,o,gate,up,down; layers zero-based inclusive), "
    "lora_mlp_orthogonal_norm[_both]_r{r}_beta{b}_k{k}"
)


@dataclass(frozen=True)
class Mode:
    """A parsed mode string. ``layers`` is ``(first, last)`` zero-based inclusive, or None = all."""

    name: str
    kind: str  # "full" | "lora"
    rank: int | None = None
    target_modules: tuple[str, ...] = ()
    layers: tuple[int, int] | None = None
    # Orthogonality regularizer (docs/geometry.md#notation): "col" (reg-col) | "both" (reg-both) | None.
    regularizer: str | None = None
    beta: float | None = None
    reg_k: int | None = None  # the k of the mode string (the authors' code then shadows it: docs/evaluation.md#parity-findings)

    @property
    def is_lora(self) -> bool:
        return self.kind == "lora"

    def layer_indices(self, num_layers: int) -> list[int]:
        """Layers adapted, checked against the model's depth (PEFT silently drops missing ones)."""
        self.check_layers(num_layers)
        if self.layers is None:
            return list(range(num_layers))
        first, last = self.layers
        return list(range(first, last + 1))

    def check_layers(self, num_layers: int, model_name: str = "the model") -> None:
        if self.layers is None:
            return
        first, last = self.layers
        if last >= num_layers:
            raise ReproError(
                f"mode {self.name!r} adapts layers {first}-{last}, but {model_name} has {num_layers} "
                f"layers (0-{num_layers - 1})",
                "layer ranges are zero-based and inclusive: use to{b} with b <= " + str(num_layers - 1),
            )

    def describe(self) -> str:
        if self.kind == "full":
            return "full fine-tuning (all weights)"
        where = "all layers" if self.layers is None else f"layers {self.layers[0]}-{self.layers[1]}"
        reg = "" if self.regularizer is None else f" + reg-{self.regularizer} (beta={self.beta:g}, k={self.reg_k})"
        return f"LoRA r={self.rank} on {', '.join(self.target_modules)} in {where}{reg}"


def parse_mode(name: str) -> Mode:
    """Parse a paper mode string; raise ReproError with the grammar on anything else."""
    if not isinstance(name, str):
        raise ReproError(f"mode must be a string, got {type(name).__name__}", GRAMMAR_HELP)
    for category, pattern in _PATTERNS:
        m = pattern.fullmatch(name)
        if not m:
            continue
        if category == "full":
            return Mode(name=name, kind="full")
        rank = int(m["r"])
        if category == "lora_mlp":
            return Mode(name, "lora", rank, MLP_MODULES)
        if category == "lora_qkvo_mlp":
            return Mode(name, "lora", rank, ATTN_MODULES + MLP_MODULES)
        if category in REGULARIZERS:
            return Mode(name, "lora", rank, MLP_MODULES, regularizer=REGULARIZERS[category], beta=float(m["beta"]),
                        reg_k=int(m["k"]))
        proj = m["proj"] + "_proj"
        if category == "lora_module":
            return Mode(name, "lora", rank, (proj,))
        a, b = int(m["a"]), int(m["b"])
        if a > b:
            raise ReproError(f"mode {name!r} has an empty layer range from{a}_to{b}", "write from{a}_to{b} with a <= b")
        return Mode(name, "lora", rank, (proj,), (a, b))
    raise ReproError(f"malformed mode string {name!r}", GRAMMAR_HELP)
