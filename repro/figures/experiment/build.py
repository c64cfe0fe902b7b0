"""An experiment as a figure recipe, the one builder of both: a paper figure's experiment (``figure_recipe``, from
its module's data) and an experiment file's (``recipe``). The same specs, keys, plan, executors and store, so a
run with the paper's settings shares its key with the paper figures' run and is never trained twice."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from repro.errors import ReproError
from repro.figures import frontier
from repro.figures.experiment import name_problem
from repro.figures.experiment.schema import Evaluation, Experiment, Model, Plot, Run, located
from repro.figures.recipe import FigureRecipe, Panel
from repro.profiles import Profile, get_profile
from repro.specs import ModelShape, ModelSpec, TrainSpec, parse_mode

OVERRIDES = ("learning_rate", "epochs", "batch_size", "lora_alpha", "lora_dropout")
NAMED_STYLES = {"Full": ("tab:blue", "o"), "LoRA": ("tab:red", "o")}  # as Fig. 2 draws them
MAX_CHECKPOINTS = 500  # evaluated checkpoints of one file, summed over its runs and seeds: a bounded plan
STYLES = (("tab:green", "s"), ("tab:orange", "D"), ("tab:purple", "^"), ("tab:brown", "v"), ("tab:pink", "P"),
          ("tab:olive", "X"), ("tab:cyan", "<"), ("tab:gray", ">"))


def paper_model(m: Model) -> ModelSpec:
    """The model an entry names: a registry model, or a hub model at its revision."""
    from repro.assets.registry import PAPER_MODELS, UNPINNED

    if m.registry is not None:
        if m.registry not in PAPER_MODELS:
            raise ReproError(f"no model {m.registry!r} in the registry", f"known: {', '.join(PAPER_MODELS)}; any "
                             "other hub model: hub = ..., revision = ..., family = ..., num_layers = ...")
        return PAPER_MODELS[m.registry]
    shape = None if m.shape is None else ModelShape(**m.shape.model_dump())
    return ModelSpec(name=m.hub, revision=m.revision or UNPINNED, family=m.family, num_layers=m.num_layers,
                     label=m.label or m.hub.rsplit("/", 1)[-1], dtype=m.dtype, shape=shape)


def in_profile(profile: Profile, model: ModelSpec, mode: str) -> str:
    """``mode`` (layer ranges in ``model``'s own numbering, checked against its depth) for ``profile``'s stand-in of
    ``model``: a layer range maps by relative depth, as the paper's figures map theirs."""
    parsed = parse_mode(mode)
    parsed.check_layers(model.num_layers, model.name)
    if parsed.layers is None:
        return mode
    lo, hi = profile.layer_range(model, *parsed.layers)
    return re.sub(r"_from\d+_to\d+_", f"_from{lo}_to{hi}_", mode)


def _trains(profile: Profile, model: ModelSpec, run: Run) -> list[TrainSpec]:
    base = profile.train(model, in_profile(profile, model, run.mode))  # the paper's run of the mode
    changed = {k: getattr(run, k) for k in OVERRIDES if getattr(run, k) is not None}
    base = dataclasses.replace(base, **changed)
    seeds = run.seeds if run.seeds is not None else profile.train_seeds
    return [base if s == base.seed else dataclasses.replace(base, seed=s) for s in seeds]


def panel_model_label(stand_in: ModelSpec, paper_model: ModelSpec, shared: bool) -> str:
    """The model a panel shows: the paper's name under the paper's models; under a stand-in, the stand-in's own
    name, with the paper model it plays where that name does not say it (``toy-instruct (as Qwen2-1.5B-Instruct)``)."""
    if stand_in == paper_model:
        return paper_model.label or paper_model.slug
    if shared or paper_model.label in stand_in.label:
        return stand_in.label
    return f"{stand_in.label} (as {paper_model.label})"


def model_entry(model: ModelSpec) -> tuple[str, Model]:
    """A registry model as an experiment's ``[models.<key>]`` entry (the key from its label)."""
    key = re.sub(r"[^a-z0-9]+", "_", (model.label or model.name).lower()).strip("_")
    return key, Model(registry=model.name)


def figure_experiment(profile: Profile, number: int, models: dict[str, Model], runs: list[Run],
                      evaluation: Evaluation, plot: Plot) -> Experiment:
    """Figure ``number``'s experiment in ``profile``: its catalog title, the profile and its backend as a file
    names them (the backend only where it is not the profile's own)."""
    from repro.figures.catalog import CATALOG

    return Experiment(title=CATALOG[number].title, profile=profile.name,
                      backend=None if profile.backend == profile.default_backend else profile.backend,
                      models=models, runs=runs, evaluation=evaluation, plot=plot)


def recipe(exp: Experiment, path: Path) -> FigureRecipe:
    """The experiment of the file ``path`` as a recipe of its profile (with the file's decoding overrides); a
    problem only the profile or the model can find (a benchmark, a layer range) is one line at its key."""
    name = path.stem
    problem = name_problem(name)
    if problem:
        raise ReproError(f"{path}: the experiment's name {name!r} (its file name without .toml) {problem}",
                         "rename the file to a plain name, e.g. my-experiment.toml: it names the directory "
                         "paper_figures/experiments/<name>/ the experiment renders into")
    profile, panels, trains, deviations = _build(exp, path)
    return FigureRecipe(number=0, title=exp.title, claim=f"an experiment file ({name}.toml)", profile=profile.variant,
                        panels=panels, trains=trains, name=name, deviations=profile.deviations + deviations)


def figure_recipe(exp: Experiment, number: int, deviations: tuple[str, ...] = ()) -> FigureRecipe:
    """Figure ``number`` of the paper from its experiment (its module's data): its title and claim from the
    catalog, the profile's deviations, then the figure's own ``deviations`` (its runs are the paper's, so the
    differences an experiment file lists are not repeated)."""
    from repro.figures.catalog import CATALOG

    profile, panels, trains, shared = _build(exp, None, differ=False)
    info = CATALOG[number]
    return FigureRecipe(number=number, title=info.title, claim=info.claim, profile=profile.variant, panels=panels,
                        trains=trains, deviations=profile.deviations + deviations + shared)


def _build(exp: Experiment, path: Path | None, differ: bool = True) -> tuple[Profile, tuple[Panel, ...],
                                                                           tuple[TrainSpec, ...], tuple[str, ...]]:
    """The profile, panels, training runs and deviations of ``exp`` (read from ``path``, or a figure's own where
    None). Models one stand-in plays with the same runs are drawn once. ``differ``: list every setting of a run
    that differs from the paper's."""
    profile = get_profile(exp.profile, exp.backend)
    dec = {k: v for k, v in exp.evaluation.decoding.model_dump().items() if v is not None}
    cap = dec.get("max_new_tokens")
    for b in exp.evaluation.benchmarks:  # (a loglikelihood benchmark, cap 0, decodes nothing)
        own = profile.benchmarks[b].decoding.max_new_tokens if b in profile.benchmarks else None
        if cap is not None and own and cap > own:
            raise located(path, ["evaluation", "decoding", "max_new_tokens"], f"max_new_tokens {cap} is more than "
                          f"the {profile.name} profile's {own} for {b}", f"use at most {own}")
    if dec:
        profile = profile.with_decoding(tuple(exp.evaluation.benchmarks), **dec)
    benches = [exp.evaluation.safety, *exp.evaluation.benchmarks]
    for i, b in enumerate(benches):
        if b not in profile.benchmarks:
            where = ["evaluation", "safety"] if i == 0 else ["evaluation", "benchmarks", i - 1]
            raise located(path, where, f"benchmark {b!r} does not exist in the {profile.name} profile",
                          f"use one of: {', '.join(profile.benchmarks)}")
    for i, r in enumerate(exp.runs):
        if r.model not in exp.models:
            raise located(path, ["runs", i, "model"], f"{r.model!r} is not a model of the file's [models]",
                          f"use one of: {', '.join(exp.models)}")
    models = {}
    for k, m in exp.models.items():
        try:
            models[k] = paper_model(m)
        except ReproError as exc:
            raise located(path, ["models", k, "registry"], exc.problem, exc.fix) from None
    _bounded(path, exp, profile, models)
    drawn: dict[tuple, str] = {}  # (stand-in, its runs) -> the first model key drawn with them
    for key, model in models.items():
        drawn.setdefault((profile.model(model), tuple(_setting(r) for r in exp.runs if r.model == key)), key)
    shared = len(drawn) < len(models)
    panels, trains, deviations = [], [], []
    for key, model in models.items():
        if key not in drawn.values():
            continue
        runs = [r for r in exp.runs if r.model == key]
        named = [("Base", [profile.base(model)], "black", "*")] if exp.evaluation.base else []
        for i, r in enumerate(runs):
            try:
                seeds = _trains(profile, model, r)
            except ReproError as exc:
                raise located(path, ["runs", exp.runs.index(r), "mode"], exc.problem, exc.fix) from None
            trains += seeds
            ckpts = [c for t in seeds for c in profile.checkpoints(t)
                     if r.evaluate_epochs is None or c.epoch in r.evaluate_epochs]
            color, marker = NAMED_STYLES.get(r.name, STYLES[i % len(STYLES)])
            named.append((r.name, ckpts, r.color or color, r.marker or marker))
            if differ:
                deviations += differences(profile, model, r, seeds[0])
        if not named:
            continue
        label = panel_model_label(profile.model(model), model, shared)
        for bench in exp.evaluation.benchmarks:
            series = frontier.checkpoint_series(profile, named, bench, safety=exp.evaluation.safety,
                                                tests=exp.plot.tests)
            title = frontier.bench_label(bench, exp.plot.tests)
            pan = frontier.panel(title if exp.plot.titles == "benchmark" else f"{label}: {title}", series, bench,
                                 safety=exp.evaluation.safety, tests=exp.plot.tests)
            panels.append(Panel(pan.title, pan.x_label, pan.y_label, pan.series, front=exp.plot.front))
    if dec:
        deviations.append(f"evaluation: decoding of {', '.join(exp.evaluation.benchmarks)} set to "
                          + ", ".join(f"{k} {v}" for k, v in dec.items()) + " (the profile's otherwise)")
    if shared:
        deviations.append(f"{profile.name} profile: one stand-in plays {', '.join(m.label for m in models.values())}: "
                          "drawn once")
    return profile, tuple(panels), tuple(trains), tuple(deviations)


def _setting(r: Run) -> str:
    """A run's settings apart from its model: two models whose runs agree on these are drawn alike."""
    return r.model_dump_json(exclude={"model"})


def _bounded(path: Path | None, exp: Experiment, profile: Profile, models: dict[str, ModelSpec]) -> None:
    """Each run's evaluate_epochs within its epochs, and the checkpoints the file evaluates at most MAX_CHECKPOINTS,
    checked from the numbers before any spec is made (so that planning stays quick whatever the file says)."""
    total = 0
    for i, r in enumerate(exp.runs):
        try:
            epochs = r.epochs or profile.train(models[r.model], in_profile(profile, models[r.model], r.mode)).epochs
        except ReproError as exc:
            raise located(path, ["runs", i, "mode"], exc.problem, exc.fix) from None
        late = [e for e in r.evaluate_epochs or () if e > epochs]
        if late:
            raise located(path, ["runs", i, "evaluate_epochs"], f"epoch {late[0]} is after the run's last "
                          f"({epochs} epochs)", f"evaluate epochs from 1 to {epochs}, or raise epochs")
        total += len(r.seeds or profile.train_seeds) * len(r.evaluate_epochs or range(epochs))
        if total > MAX_CHECKPOINTS:
            raise located(path, ["runs", i], f"the file evaluates more than {MAX_CHECKPOINTS} checkpoints "
                          f"(runs x seeds x evaluated epochs)", "evaluate fewer epochs (evaluate_epochs), seeds or runs")


def differences(profile: Profile, model: ModelSpec, run: Run, train: TrainSpec) -> list[str]:
    """Every setting of ``run`` that differs from the paper's run of its mode on its model (in this profile)."""
    paper = profile.train(model, in_profile(profile, model, run.mode))
    out = [f"run {run.name!r}: {f} {getattr(train, f)} (paper {getattr(paper, f)})" for f in OVERRIDES
           if getattr(train, f) != getattr(paper, f)]
    if run.seeds is not None and tuple(run.seeds) != tuple(profile.train_seeds):
        out.append(f"run {run.name!r}: training seeds {list(run.seeds)} (profile {list(profile.train_seeds)})")
    if run.evaluate_epochs is not None:
        out.append(f"run {run.name!r}: evaluated at epochs {run.evaluate_epochs} (the paper: every epoch)")
    from repro.assets.registry import PAPER_MODELS

    if model.name not in PAPER_MODELS:
        out.append(f"run {run.name!r}: model {model.name}@{model.revision[:12]}, not one of the paper's")
    return out

