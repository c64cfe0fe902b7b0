"""Figure 7: overlap of the update with the original weights, Full vs LoRA, metrics m1-m4.

Paper: DeepSeek-R1-Distill-Qwen-14B, `full` (final, epoch 5) vs `lora_qkvo_mlp_r4` (final,
epoch 10); per module type, the mean over layers of (a) m1, (b) m2 (column space), (c) m3,
(d) m4 (row space), Frobenius norms, top-16 singular vectors of W_I (docs/choices.md#12-fig-7-checkpoints-norm-and-averaging).

Its recipe stays Python: weight analyses are not a shape of the experiment format
(repro/figures/experiment/schema.py), which draws safety-reasoning panels over checkpoints.
"""

from __future__ import annotations

import math
from pathlib import Path

from repro.assets.registry import R1_QWEN_14B
from repro.errors import ReproError
from repro.figures.catalog import CATALOG
from repro.figures.plot import profile_note, write_figure_dir
from repro.figures.recipe import FigureRecipe
from repro.pipeline.runners import read_geometry
from repro.pipeline.store import ArtifactStore
from repro.profiles import Profile
from repro.specs import GeometrySpec

NUMBER = 7
MODEL = R1_QWEN_14B
RUNS = (("Full", "full", "tab:blue"), ("LoRA", "lora_qkvo_mlp_r4", "tab:red"))
TOP_K = 16
METRICS = {
    "m1": "(a) m1 = ||W_I^T dW|| / (||W_I|| ||dW||)",
    "m2": "(b) m2 = ||U_16 U_16^T dW|| / ||dW||",
    "m3": "(c) m3 = ||W_I dW^T|| / (||W_I|| ||dW||)",
    "m4": "(d) m4 = ||V_16 V_16^T dW^T|| / ||dW||",
}
MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def recipe(profile: Profile) -> FigureRecipe:
    trains, analyses = [], []
    for _, mode, _ in RUNS:
        run = profile.train(MODEL, mode)
        trains.append(run)
        analyses.append(GeometrySpec(profile.checkpoints(run)[-1], "overlap", top_k=TOP_K))
    info = CATALOG[NUMBER]
    deviations = profile.setting_deviations + (  # no generation: no engine
        "The paper does not say which checkpoints or norm: final checkpoints (Full epoch 5, LoRA epoch 10) and the "
        "Frobenius norm are used; bars are means over layers, per-layer values are in the CSV (docs/choices.md#12-fig-7-checkpoints-norm-and-averaging).",
        "U_16 and V_16 are the exact top-16 singular vectors of W_I (eigenvectors of its Gram matrix in fp32); the "
        "paper says only 'truncated SVD'.",
        "LoRA updates are (alpha/r) B A from the saved adapter alone (fp32), not merged-minus-base in bf16.",
    ) + profile.first_seed_only()
    return FigureRecipe(number=NUMBER, title=info.title, claim=info.claim, profile=profile.variant, panels=(),
                        trains=tuple(trains), deviations=deviations, analyses=tuple(analyses))


def render(rec: FigureRecipe, store: ArtifactStore, out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = []
    for (name, _, color), analysis in zip(RUNS, rec.analyses, strict=True):
        found = read_geometry(store, analysis)
        if found is None:
            raise ReproError(f"the overlap analysis of {analysis.checkpoint.label} has not run",
                             f"run `repro figure {rec.number} --profile {rec.profile}`")
        results.append((name, color, analysis, *found))
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
    width = 0.38
    means_data = {}
    for ax, (metric, title) in zip(axes, METRICS.items(), strict=True):
        for j, (name, color, _, _, summary) in enumerate(results):
            per = summary["per_module"]
            vals = [per.get(m, {}).get(metric) for m in MODULES]
            xs = [i + (j - 0.5) * width for i in range(len(MODULES))]
            ax.bar(xs, [v if v is not None else math.nan for v in vals], width, color=color, label=name)
            means_data.setdefault(name, {})[metric] = dict(zip(MODULES, vals, strict=True))
        ax.set_xticks(range(len(MODULES)), [m.removesuffix("_proj") for m in MODULES], fontsize=8)
        ax.set_title(title, fontsize=8)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7)
    note = profile_note(rec.profile)
    fig.suptitle(f"Figure {rec.number}: {rec.title} (mean over layers){note}", fontsize=10)
    fig.tight_layout()
    csv_rows = [{"run": name, "checkpoint": analysis.checkpoint.label, "layer": r["layer"], "module": r["module"],
                 "out": r["out"], "in": r["in"], "m1": r["m1"], "m2": r["m2"], "m3": r["m3"], "m4": r["m4"],
                 "w0_fro": r["w0_fro"], "dw_fro": r["dw_fro"], "top_k": r["top_k"]}
                for name, _, analysis, rows, _ in results for r in rows]
    data = {"figure": rec.number, "title": rec.title, "claim": rec.claim, "profile": rec.profile,
            "deviations": list(rec.deviations), "metrics": METRICS, "mean_over_layers": means_data,
            "runs": {name: {"checkpoint": analysis.checkpoint.label, "analysis_key": analysis.key,
                            "pass": {k: summary[k] for k in ("device", "matrices", "bytes_read", "seconds")}}
                     for name, _, analysis, _, summary in results},
            "per_layer": csv_rows}
    files = write_figure_dir(out_dir, fig, data, csv_rows, stem=f"fig{rec.number:02d}")
    plt.close(fig)
    return files
