"""Figure 1: stable rank of the full fine-tuning update, per layer (x) and module type (colour).

Paper: DeepSeek-R1-Distill-Qwen-14B, `full`, final checkpoint (epoch 5); dW = W_ft - W_I per
(layer 0-47, module q/k/v/o/gate/up/down), srank = ||dW||_F^2 / ||dW||_2^2 (docs/choices.md#13-fig-1-stable-rank-definition).

Its recipe stays Python: a weight analysis of training runs is not a shape of the experiment format
(repro/figures/experiment/schema.py), which draws safety-reasoning panels over checkpoints.
"""

from __future__ import annotations

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

NUMBER = 1
MODEL = R1_QWEN_14B
MODULE_COLORS = {"q_proj": "tab:blue", "k_proj": "tab:orange", "v_proj": "tab:green", "o_proj": "tab:red",
                 "gate_proj": "tab:purple", "up_proj": "tab:brown", "down_proj": "tab:pink"}


def recipe(profile: Profile) -> FigureRecipe:
    full = profile.train(MODEL, "full")
    final = profile.checkpoints(full)[-1]
    info = CATALOG[NUMBER]
    deviations = profile.setting_deviations + (  # no generation: no engine
        "The paper does not define stable rank; ||dW||_F^2 / ||dW||_2^2 is used (docs/choices.md#13-fig-1-stable-rank-definition). ||dW||_2 comes "
        "from Lanczos on dW^T dW until the residual bound guarantees a relative error below 1e-4 (exact singular "
        "values for matrices no wider than 64).",
    ) + profile.first_seed_only()
    return FigureRecipe(number=NUMBER, title=info.title, claim=info.claim, profile=profile.variant, panels=(),
                        trains=(full,), deviations=deviations, analyses=(GeometrySpec(final, "stable_rank"),))


def load(rec: FigureRecipe, store: ArtifactStore) -> tuple[list[dict], dict]:
    found = read_geometry(store, rec.analyses[0])
    if found is None:
        raise ReproError(f"the stable-rank analysis of figure {rec.number} has not run",
                         f"run `repro figure {rec.number} --profile {rec.profile}`")
    return found


def render(rec: FigureRecipe, store: ArtifactStore, out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, summary = load(rec, store)
    analysis = rec.analyses[0]
    fig, ax = plt.subplots(figsize=(9, 3.8))
    for module, color in MODULE_COLORS.items():
        mine = [r for r in rows if r["module"] == module and r["stable_rank"] is not None]
        if mine:
            ax.plot([r["layer"] for r in mine], [r["stable_rank"] for r in mine], color=color, marker="o", ms=3,
                    lw=1, label=module.removesuffix("_proj"))
    ax.set_xlabel("layer index")
    ax.set_ylabel("stable rank of dW")
    ax.set_title(f"{analysis.checkpoint.model.label}: full fine-tuning, epoch {analysis.checkpoint.epoch}", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=7, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    note = profile_note(rec.profile)
    fig.suptitle(f"Figure {rec.number}: {rec.title}{note}", fontsize=10)
    fig.tight_layout()
    csv_rows = [{"layer": r["layer"], "module": r["module"], "out": r["out"], "in": r["in"],
                 "stable_rank": r["stable_rank"], "fro_sq": r["fro_sq"], "spectral_norm": r["spectral"],
                 "spectral_method": r["spectral_method"], "spectral_iterations": r["spectral_iterations"],
                 "spectral_residual_bound": r["spectral_residual_bound"]} for r in rows]
    data = {"figure": rec.number, "title": rec.title, "claim": rec.claim, "profile": rec.profile,
            "deviations": list(rec.deviations), "checkpoint": analysis.checkpoint.label,
            "analysis_key": analysis.key, "per_module_mean": summary["per_module"],
            "pass": {k: summary[k] for k in ("device", "matrices", "bytes_read", "seconds", "bytes_per_s")},
            "points": csv_rows}
    files = write_figure_dir(out_dir, fig, data, csv_rows, stem=f"fig{rec.number:02d}")
    plt.close(fig)
    return files
