"""The ablation figures' shared shape (Figs. 3c, 4, 5, 6): several LoRA variants of one model, each a
series over its epoch checkpoints, one panel per benchmark, each series' own Pareto front drawn. Figs. 4-6 are
experiments (data, made into panels by repro/figures/experiment/build.py); Fig. 3c's panels are drawn here
(``variant_panels``), beside Fig. 3's rank sweeps, which the experiment format has no shape for."""

from __future__ import annotations

from repro.figures import frontier
from repro.figures.experiment.build import figure_experiment, figure_recipe, model_entry
from repro.figures.experiment.schema import Evaluation, Experiment, Plot, Run
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


def variants_experiment(profile: Profile, number: int, model: ModelSpec, variants: list[tuple[str, str]],
                        benchmarks: tuple[str, ...]) -> Experiment:
    """Figs. 4-6 as data: ``variants`` = (series name, paper mode) on ``model``, each a series of the palette's
    colours over its epochs, every one trained once per profile seed; the panels titled by benchmark alone."""
    key, entry = model_entry(model)
    runs = [Run(name=name, model=key, mode=mode, color=PALETTE[i % len(PALETTE)], marker="o")
            for i, (name, mode) in enumerate(variants)]
    return figure_experiment(profile, number, {key: entry}, runs,
                             Evaluation(benchmarks=list(profile.available(benchmarks)), base=False),
                             Plot(front="series", titles="benchmark"))


def variants_recipe(profile: Profile, number: int, exp: Experiment, benchmarks: tuple[str, ...],
                    deviations: tuple[str, ...] = ()) -> FigureRecipe:
    """Figure ``number`` of the ablations from its experiment ``exp`` (of the paper's ``benchmarks``, those the
    profile has), with its own ``deviations``."""
    kept = profile.available(benchmarks)
    return figure_recipe(exp, number, deviations + profile.dropped(benchmarks, kept, "benchmarks"))
