"""Figure 2: LoRA vs full fine-tuning, Pass@1 (y) against StrongREJECT safety (x).

Paper: (a) DeepSeek-R1-Distill-Qwen-7B, (b) -14B; series Base (1 point), Full (`full`, epochs
1-5) and LoRA (`lora_mlp_r1`, epochs 1-10); one panel per reasoning benchmark.
"""

from __future__ import annotations

from pathlib import Path

from repro.assets.registry import R1_QWEN_7B, R1_QWEN_14B
from repro.figures.catalog import CATALOG
from repro.figures.plot import pareto_mask, write_figure_dir
from repro.pipeline.runners import read_score
from repro.pipeline.store import ArtifactStore
from repro.profiles import Profile
from repro.specs.figure import FigureRecipe, Panel, Point, Series

NUMBER = 2
MODELS = (R1_QWEN_7B, R1_QWEN_14B)
LORA_MODE = "lora_mlp_r1"
# HumanEval+ and MBPP+ panels arrive with the evaluation issue (#3), from the same checkpoints.
BENCHMARKS = ("aime24", "gpqa_diamond")
BENCH_LABEL = {"aime24": "AIME 2024", "gpqa_diamond": "GPQA-Diamond"}
SERIES_STYLE = {"Base": ("black", "*"), "Full": ("tab:blue", "o"), "LoRA": ("tab:red", "o")}


def recipe(profile: Profile) -> FigureRecipe:
    panels, trains = [], []
    for paper_model in MODELS:
        base = profile.base(paper_model)
        full = profile.train(paper_model, "full")
        lora = profile.train(paper_model, LORA_MODE)
        trains += [full, lora]
        for bench in BENCHMARKS:
            def pts(ckpts, bench=bench):
                return tuple(Point(c, profile.score(c, "strongreject"), profile.score(c, bench)) for c in ckpts)

            series = tuple(
                Series(name, pts(ckpts), *SERIES_STYLE[name])
                for name, ckpts in (("Base", [base]), ("Full", profile.checkpoints(full)),
                                    ("LoRA", profile.checkpoints(lora)))
            )
            panels.append(Panel(title=f"{paper_model.label}: {BENCH_LABEL[bench]}", x_label="Safety (StrongREJECT)",
                                y_label=f"{BENCH_LABEL[bench]} Pass@1", series=series))
    deviations = profile.deviations + (
        "HumanEval+ and MBPP+ panels are not drawn yet: their scorer arrives with the evaluation issue (#3).",
        "AIME: boxed answers that fail the normalised comparison would go to the Qwen2.5-32B judge; until "
        "the judge is wired (#3) they count as wrong (the count is in the data as n_sent_to_judge).",
    )
    info = CATALOG[NUMBER]
    return FigureRecipe(number=NUMBER, title=info.title, claim=info.claim, profile=profile.name,
                        panels=tuple(panels), trains=tuple(trains), deviations=deviations)


def render(rec: FigureRecipe, store: ArtifactStore, out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ncols = len(BENCHMARKS)
    nrows = len(rec.panels) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.9 * nrows), squeeze=False)
    rows, panels_data = [], []
    for ax, panel in zip(axes.flat, rec.panels, strict=True):
        pts = []
        for series in panel.series:
            for p in series.points:
                sx, sy = read_score(store, p.x), read_score(store, p.y)
                pts.append((series, p, sx, sy))
        front = pareto_mask([(sx["value"], sy["value"]) for _, _, sx, sy in pts])
        panel_rows = []
        for (series, p, sx, sy), on_front in zip(pts, front, strict=True):
            row = {
                "panel": panel.title, "series": series.name, "checkpoint": p.label,
                "epoch": p.checkpoint.epoch if p.checkpoint.epoch is not None else "",
                "safety": round(sx["value"], 6), "pass_at_1": round(sy["value"], 6), "pareto": on_front,
                "safety_n": sx["n"], "safety_parse_errors": sx["n_parse_error"],
                "safety_responses_truncated": sx["n_truncated"],
                "reasoning_n_questions": sy["n_questions"], "reasoning_samples_per_question": sy["n_samples_per_question"],
                "reasoning_truncated": sy["n_truncated"], "reasoning_no_answer": sy["n_no_answer"],
                "reasoning_scorer_exceptions": sy["n_scorer_exceptions"],
                "aime_sent_to_judge": sy.get("n_sent_to_judge", ""),
                "aime_math_verify_pass_at_1": sy.get("math_verify_pass_at_1", ""),
                "aime_disagree_with_math_verify": sy.get("n_disagree_with_math_verify", ""),
                "safety_score_key": p.x.key, "reasoning_score_key": p.y.key,
            }
            panel_rows.append(row)
        rows += panel_rows
        panels_data.append({"title": panel.title, "x_label": panel.x_label, "y_label": panel.y_label,
                            "points": panel_rows})
        for series in panel.series:
            srows = [r for r in panel_rows if r["series"] == series.name]
            xs, ys = [r["safety"] for r in srows], [r["pass_at_1"] for r in srows]
            if len(xs) > 1:
                ax.plot(xs, ys, color=series.color, alpha=0.35, lw=1)
            ax.scatter(xs, ys, c=series.color, marker=series.marker, s=90 if series.marker == "*" else 36,
                       label=series.name, zorder=3, edgecolors="white", linewidths=0.5)
            for r in srows:
                if r["epoch"] != "":
                    ax.annotate(str(r["epoch"]), (r["safety"], r["pass_at_1"]), fontsize=6,
                                xytext=(3, 3), textcoords="offset points", color=series.color)
        ax.set_title(panel.title, fontsize=9)
        ax.set_xlabel(panel.x_label, fontsize=8)
        ax.set_ylabel(panel.y_label, fontsize=8)
        ax.set_xlim(-0.05, 1.05)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    note = "" if rec.profile == "paper" else f"  [{rec.profile} profile: tiny random models, numbers are noise]"
    fig.suptitle(f"Figure {rec.number}: {rec.title}{note}", fontsize=10)
    fig.tight_layout()
    data = {"figure": rec.number, "title": rec.title, "claim": rec.claim, "profile": rec.profile,
            "deviations": list(rec.deviations), "panels": panels_data}
    files = write_figure_dir(out_dir, fig, data, rows, stem=f"fig{rec.number:02d}")
    plt.close(fig)
    return files
