"""An experiment file as a figure recipe: the same specs, keys, plan, executors and store as `repro figure`, so a
run with the paper's settings shares its key with the paper figures' run and is never trained twice."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from repro.errors import ReproError
from repro.figures import frontier
from repro.figures.experiment import name_problem
from repro.figures.experiment.schema import Experiment, Model, Run, located
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


def recipe(exp: Experiment, path: Path) -> FigureRecipe:
    """The experiment of the file ``path`` as a recipe of its profile (with the file's decoding overrides); a
    problem only the profile or the model can find (a benchmark, a layer range) is one line at its key."""
    name = path.stem
    problem = name_problem(name)
    if problem:
        raise ReproError(f"{path}: the experiment's name {name!r} (its file name without .toml) {problem}",
                         "rename the file to a plain name, e.g. my-experiment.toml: it names the directory "
                         "paper_figures/experiments/<name>/ the experiment renders into")
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
    panels, trains, deviations = [], [], []
    for key, model in models.items():
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
            named.append((r.name, ckpts, *NAMED_STYLES.get(r.name, STYLES[i % len(STYLES)])))
            deviations += differences(profile, model, r, seeds[0])
        if not named:
            continue
        label = model.label or model.slug
        for bench in exp.evaluation.benchmarks:
            series = frontier.checkpoint_series(profile, named, bench, safety=exp.evaluation.safety,
                                                tests=exp.plot.tests)
            pan = frontier.panel(f"{label}: {frontier.bench_label(bench, exp.plot.tests)}", series, bench,
                                 safety=exp.evaluation.safety, tests=exp.plot.tests)
            panels.append(Panel(pan.title, pan.x_label, pan.y_label, pan.series, front=exp.plot.front))
    if dec:
        deviations.append(f"evaluation: decoding of {', '.join(exp.evaluation.benchmarks)} set to "
                          + ", ".join(f"{k} {v}" for k, v in dec.items()) + " (the profile's otherwise)")
    return FigureRecipe(number=0, title=exp.title, claim=f"an experiment file ({name}.toml)", profile=profile.variant,
                        panels=tuple(panels), trains=tuple(trains), name=name,
                        deviations=profile.deviations + tuple(deviations))


def _bounded(path: Path, exp: Experiment, profile: Profile, models: dict[str, ModelSpec]) -> None:
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

