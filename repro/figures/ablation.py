"""The ablation figures' shared shape (Figs. 3c, 4, 5, 6): several LoRA variants of one model, each a
series over its epoch checkpoints, one panel per benchmark, each series' own Pareto front drawn."""

from __future__ import annotations

from repro.figures import frontier
from repro.figures.catalog import CATALOG
from repro.figures.recipe import FigureRecipe, Panel
from repro.profiles import Profile
from repro.specs import ModelSpec, TrainSpec

# Distinct, colour-blind-safe colours in series order (the paper's own palette is not published).
PALETTE = ("tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:brown", "tab:pink", "tab:gray")


def variant_panels(profile: Profile, runs: list[tuple[str, list[TrainSpec]]], benchmarks: tuple[str, ...],
                   title_prefix: str = "", markers: tuple[str, ...] = ("o",)) -> list[Panel]:
    """One series-front panel per benchmark; series = (name, training runs: one per seed) over the epochs."""
    named = [(name, [c for run in seeds for c in profile.checkpoints(run)], PALETTE[i % len(PALETTE)],
              markers[i % len(markers)]) for i, (name, seeds) in enumerate(runs)]
    panels = []
    for bench in benchmarks:
        series = frontier.checkpoint_series(profile, named, bench)
        pan = frontier.panel(f"{title_prefix}{frontier.bench_label(bench)}", series, bench)
        panels.append(Panel(pan.title, pan.x_label, pan.y_label, pan.series, front="series"))
    return panels


def variants_recipe(profile: Profile, number: int, model: ModelSpec, variants: list[tuple[str, str]],
                    benchmarks: tuple[str, ...], deviations: tuple[str, ...] = ()) -> FigureRecipe:
    """Figs. 4-6: ``variants`` = (series name, paper mode) on ``model``, each run once per training seed."""
    runs = [(name, profile.runs(model, mode)) for name, mode in variants]
    kept = profile.available(benchmarks)
    info = CATALOG[number]
    return FigureRecipe(number=number, title=info.title, claim=info.claim, profile=profile.variant,
                        panels=tuple(variant_panels(profile, runs, kept)),
                        trains=tuple(run for _, seeds in runs for run in seeds),
                        deviations=profile.deviations + deviations + profile.dropped(benchmarks, kept, "benchmarks"))
