"""Figure 3: the LoRA rank, 14B, LoRA on the MLP.

Paper §5.1: (a) Pass@1 and (b) safety against r at the final checkpoint, full fine-tuning as the
rightmost point; (c) each rank's Pareto frontier over epochs 1-10. The rank grid is not stated; the
text names 1, 4, 8 and 64: {1, 2, 4, 8, 16, 32, 64} (docs/choices.md#11-fig-3-rank-grid-and-fig-4-benchmarks). Benchmarks: AIME 2024 and
GPQA-Diamond (the paper's panels).

The recipe stays Python: the experiment format has no shape for the rank sweeps of (a) and (b). Its runs are
data too (``experiment``: what `repro eject 3` writes, the same steps: each rank's run over every epoch, full
fine-tuning at its final checkpoint).
"""

from __future__ import annotations

from pathlib import Path

from repro.assets.registry import R1_QWEN_14B
from repro.figures import frontier
from repro.figures.ablation import variant_panels
from repro.figures.catalog import CATALOG
from repro.figures.experiment.build import figure_experiment, model_entry
from repro.figures.experiment.schema import Evaluation, Experiment, Plot, Run
from repro.figures.recipe import FigureRecipe, Panel, Point, Series
from repro.pipeline.store import ArtifactStore
from repro.profiles import Profile

NUMBER = 3
MODEL = R1_QWEN_14B
RANKS = (1, 2, 4, 8, 16, 32, 64)
BENCHMARKS = ("aime24", "gpqa_diamond")
SAFETY = "strongreject"
# The rank grid where a profile's is not the paper's, by profile name. The toy: the ranks the paper's text names
# (its grid 1-64 costs 3 more runs x 3 seeds).
RANK_GRID: dict[str, tuple[int, ...]] = {"toy": (1, 4, 8, 64)}


def lora_ranks(profile: Profile) -> tuple[int, ...]:
    """The paper's ranks this profile trains."""
    grid = RANK_GRID.get(profile.name)
    return RANKS if grid is None else tuple(r for r in RANKS if r in grid)


def _sweep_panel(profile: Profile, title: str, y_label: str, finals: list, full_finals: list, y_bench: str) -> Panel:
    """Panel (a)/(b): the ``y_bench`` score of each rank's final checkpoint (series LoRA) and of the final
    full fine-tuning checkpoint (series Full), each point also carrying its safety score."""
    key = frontier.y_key(y_bench)

    def point(c) -> Point:
        return Point(c, profile.score(c, SAFETY), profile.score(c, y_bench), key)

    return Panel(title=title, x_label="LoRA rank r", y_label=y_label, kind="rank_sweep", series=(
        Series("LoRA", tuple(point(c) for c in finals), "tab:red", "o"),
        Series("Full", tuple(point(c) for c in full_finals), "tab:blue", "s"),
    ))


def experiment(profile: Profile) -> Experiment:
    key, entry = model_entry(MODEL)
    final = profile.checkpoints(profile.train(MODEL, "full"))[-1].epoch
    assert final is not None  # a training run's checkpoints carry their epoch
    runs = [Run(name=f"r={r}", model=key, mode=f"lora_mlp_r{r}") for r in lora_ranks(profile)]
    runs.append(Run(name="Full", model=key, mode="full", evaluate_epochs=[final]))
    return figure_experiment(profile, NUMBER, {key: entry}, runs,
                             Evaluation(safety=SAFETY, benchmarks=list(profile.available(BENCHMARKS)), base=False),
                             Plot(front="series", titles="benchmark"))


def recipe(profile: Profile) -> FigureRecipe:
    benchmarks = profile.available(BENCHMARKS)
    ranks = lora_ranks(profile)
    runs = [(f"r={r}", profile.runs(MODEL, f"lora_mlp_r{r}")) for r in ranks]
    fulls = profile.runs(MODEL, "full")
    finals = [profile.checkpoints(run)[-1] for _, seeds in runs for run in seeds]
    full_finals = [profile.checkpoints(run)[-1] for run in fulls]
    panels = [_sweep_panel(profile, f"(a) {frontier.bench_label(b)}", f"{frontier.bench_label(b)} Pass@1",
                           finals, full_finals, b) for b in benchmarks]
    panels.append(_sweep_panel(profile, "(b) Safety", f"Safety ({frontier.bench_label(SAFETY)})", finals,
                               full_finals, SAFETY))
    panels += variant_panels(profile, runs, benchmarks, title_prefix="(c) ")
    info = CATALOG[NUMBER]
    deviations = profile.deviations + (
        f"The rank grid is not stated (the text names 1, 4, 8 and 64): r in {{{', '.join(map(str, RANKS))}}} "
        "(docs/choices.md#11-fig-3-rank-grid-and-fig-4-benchmarks). Panels (a)/(b) use the final checkpoints (LoRA epoch 10, Full epoch 5).",
        *profile.dropped(RANKS, ranks, "ranks"), *profile.dropped(BENCHMARKS, benchmarks, "benchmarks"))
    return FigureRecipe(number=NUMBER, title=info.title, claim=info.claim, profile=profile.variant, panels=tuple(panels),
                        trains=(*[run for _, seeds in runs for run in seeds], *fulls), deviations=deviations)


def _rank(point: Point) -> int | None:
    train = point.checkpoint.train
    return train.parsed.rank if train is not None and train.parsed.is_lora else None


def draw_rank_sweep(ax, store: ArtifactStore, rec: FigureRecipe, pan: Panel) -> list[dict]:
    """y against r on a log2 axis, Full at the rightmost tick; rows carry rank, epoch and both scores."""
    is_safety = all(p.y.generation.benchmark.metric == "safety" for s in pan.series for p in s.points)  # panel (b)
    rows = []
    for series in pan.series:
        for p in series.points:
            sx, sy = frontier.read_point(store, rec, p)
            rank = _rank(p)
            rows.append({"panel": pan.title, "series": series.name, "checkpoint": p.label,
                         "seed": frontier.train_seed(p), "epoch": p.checkpoint.epoch,
                         "rank": rank if rank is not None else "", "safety": round(sx["value"], 6),
                         "reasoning": "" if is_safety else round(sy[p.y_key], 6), "reasoning_metric": p.y_key,
                         "safety_n": sx["n"], "safety_parse_errors": sx["n_parse_error"],
                         "reasoning_n_questions": sy.get("n_questions", ""),
                         "reasoning_truncated": sy.get("n_truncated", ""),
                         "safety_score_key": p.x.key, "reasoning_score_key": p.y.key})
    rows = frontier.average_seeds(rows)
    ranks = sorted({r["rank"] for r in rows if r["rank"] != ""})
    pos = {r: i for i, r in enumerate(ranks)}
    value = "safety" if is_safety else "reasoning"
    for series in pan.series:
        srows = sorted((r for r in frontier.plotted(rows) if r["series"] == series.name),
                       key=lambda r: pos.get(r["rank"], len(ranks)))
        xs = [pos.get(r["rank"], len(ranks)) for r in srows]
        ax.plot(xs, [r[value] for r in srows], color=series.color, marker=series.marker, lw=1.2, ms=6,
                label=series.name)
        frontier.error_bars(ax, srows, None, value, series.color, xs=xs)
    ax.set_xticks(range(len(ranks) + 1), [str(r) for r in ranks] + ["Full"], fontsize=8)
    frontier.style_panel(ax, pan, xlim=None)
    return rows


def render(rec: FigureRecipe, store: ArtifactStore, out_dir: Path) -> list[Path]:
    return frontier.render(rec, store, out_dir, ncols=3, drawers={"rank_sweep": draw_rank_sweep})
