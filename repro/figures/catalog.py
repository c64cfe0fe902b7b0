"""Every figure of the paper with its title and one-line claim (the checked claims: paper_figures/claims.toml)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FigureInfo:
    number: int
    title: str
    claim: str


CATALOG = {
    1: FigureInfo(1, "Stable rank of full fine-tuning updates (14B)",
                  "Full fine-tuning updates have high stable rank (about 40-100) in every layer and module."),
    2: FigureInfo(2, "LoRA vs full fine-tuning: reasoning against safety (7B, 14B)",
                  "LoRA (r=1, MLP) reaches safety comparable to full fine-tuning while keeping the base "
                  "model's reasoning; full fine-tuning loses reasoning."),
    3: FigureInfo(3, "LoRA rank sweep (14B)", "Rank 1 is sufficient for the best reasoning-safety trade-off."),
    4: FigureInfo(4, "QKVO&MLP vs MLP (14B)", "LoRA on MLP modules alone is sufficient."),
    5: FigureInfo(5, "MLP vs up/gate/down only (14B)", "The up-projection matters most in the MLP."),
    6: FigureInfo(6, "Early / middle / late layers (14B, up_proj, r=1)", "Middle layers give the best trade-off."),
    7: FigureInfo(7, "Overlap of updates with the original weights (14B)",
                  "LoRA updates overlap less with W_I than full fine-tuning updates (metrics m1-m4)."),
    8: FigureInfo(8, "Regularizers and OrthoMerge (14B, r=4)",
                  "OrthoMerge-both is the most promising; gains are modest and inconsistent."),
    9: FigureInfo(9, "As Fig. 2 on base HumanEval and MBPP", "Same pattern as the plus versions, higher accuracy."),
    10: FigureInfo(10, "DeepSeek-R1-Distill-Llama-8B on AIME", "The LoRA advantage holds on a Llama architecture."),
    11: FigureInfo(11, "BeaverTails safety", "The pattern holds with BeaverTails as the safety benchmark."),
    12: FigureInfo(12, "Qwen2-1.5B-Instruct on BoolQ and COPA", "LoRA preserves general ability in a non-reasoning model."),
}
