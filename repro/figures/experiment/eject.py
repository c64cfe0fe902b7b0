"""`repro eject N`: a figure's recipe written as an experiment file, read back from the recipe itself (its runs,
their seeds and settings, the epochs its points evaluate, its benchmarks and panels), so that `repro run` on the
file plans exactly the steps `repro figure N` plans."""

from __future__ import annotations

import json
import re

from repro.errors import ReproError
from repro.figures.experiment.build import OVERRIDES
from repro.figures.recipe import FigureRecipe
from repro.profiles import Profile
from repro.specs import ModelSpec, TrainSpec, parse_mode

EJECTABLE = (2, 3, 4, 5, 6, 9, 10, 11, 12)  # figures of safety-reasoning panels over training checkpoints


def _paper_model(profile: Profile, model: ModelSpec) -> ModelSpec:
    from repro.assets.registry import PAPER_MODELS

    found = [m for m in PAPER_MODELS.values() if profile.model(m) == model]
    if not found:
        raise ReproError(f"no model of the paper stands behind {model.name}", "eject under another profile")
    return found[0]


def _toml(value) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def eject(number: int, rec: FigureRecipe, profile: Profile) -> str:
    """The experiment file of figure ``number``'s recipe ``rec`` in ``profile``."""
    if number not in EJECTABLE:
        raise ReproError(f"figure {number} is not ejectable (its shape is not one of safety-reasoning panels over "
                         "training checkpoints)", f"eject one of: {', '.join(map(str, EJECTABLE))}")
    runs: dict[tuple, dict] = {}  # (model key, mode, settings) -> series name, seeds, epochs
    base_models, benches, safety, tests, front = [], [], set(), set(), set()
    for pan in sorted(rec.panels, key=lambda pan: pan.kind != "frontier"):  # series names from the frontier panels
        if pan.kind == "frontier":
            front.add(pan.front)
        for series in pan.series:
            for p in series.points:
                safety.add(p.x.generation.benchmark.name)
                if p.y.generation.benchmark.name not in benches:
                    benches.append(p.y.generation.benchmark.name)
                tests.add("base" if p.y_key == "base_pass@1" else "plus")
                ck = p.checkpoint
                if ck.train is None:
                    if ck.model not in base_models:
                        base_models.append(ck.model)
                    continue
                t: TrainSpec = ck.train
                entry = runs.setdefault(_identity(t), {"name": series.name, "train": t, "seeds": [], "epochs": set()})
                if t.seed not in entry["seeds"]:
                    entry["seeds"].append(t.seed)
                entry["epochs"].add(ck.epoch)
    if len(safety) != 1 or len(tests) != 1 or len(front) != 1:
        raise ReproError(f"figure {number} mixes safety benchmarks, code tests or fronts across panels",
                         "it cannot be one experiment file")
    models: dict[str, ModelSpec] = {}
    for m in [*base_models, *(e["train"].model for e in runs.values())]:
        models.setdefault(_paper_model(profile, m).name, m)
    keys = {name: re.sub(r"[^a-z0-9]+", "_", m.label.lower() if m.label else name.lower()).strip("_")
            for name, m in ((n, _registry(n)) for n in models)}
    lines = [f"# Figure {number} of the paper as an experiment file (repro eject {number} --profile "
             f"{profile.variant}).", "# `repro run` on this file plans exactly the steps `repro figure` plans; edit it to "
             "change the protocol.", f"title = {_toml(rec.title)}", f"profile = {_toml(profile.name)}"]
    if profile.backend != profile.default_backend:
        lines.append(f"backend = {_toml(profile.backend)}")
    for name, key in keys.items():
        lines += ["", f"[models.{key}]", f"registry = {_toml(name)}"]
    stand_in = {m: keys[_paper_model(profile, m).name] for m in models.values()}
    for entry in runs.values():
        t: TrainSpec = entry["train"]
        paper = profile.train(_paper_model(profile, t.model), t.mode)
        lines += ["", "[[runs]]", f"name = {_toml(entry['name'])}", f"model = {_toml(stand_in[t.model])}",
                  f"mode = {_toml(_paper_mode(profile, _paper_model(profile, t.model), t.mode))}"]
        lines += [f"{f} = {_toml(getattr(t, f))}" for f in OVERRIDES if getattr(t, f) != getattr(paper, f)]
        if tuple(entry["seeds"]) != tuple(profile.train_seeds):
            lines.append(f"seeds = {_toml(entry['seeds'])}")
        every = [c.epoch for c in profile.checkpoints(t)]
        if sorted(entry["epochs"]) != every:
            lines.append(f"evaluate_epochs = {_toml(sorted(entry['epochs']))}")
    lines += ["", "[evaluation]", f"safety = {_toml(safety.pop())}", f"benchmarks = {_toml(benches)}",
              f"base = {_toml(bool(base_models))}", "", "[plot]", f"front = {_toml(front.pop())}",
              f"tests = {_toml(tests.pop())}"]
    return "\n".join(lines) + "\n"


def _paper_mode(profile: Profile, model: ModelSpec, mode: str) -> str:
    """A stand-in's mode in the paper model's layer numbering (what an experiment file states): a block of the
    stand-in scaled back to the paper model's depth, one that maps onto the same block again."""
    parsed = parse_mode(mode)
    depth = profile.model(model).num_layers
    if parsed.layers is None or depth == model.num_layers:
        return mode
    lo, hi = parsed.layers
    a, b = lo * model.num_layers // depth, (hi + 1) * model.num_layers // depth - 1
    if profile.layer_range(model, a, b) != (lo, hi):
        a, b = next((x, y) for x in range(model.num_layers) for y in range(x, model.num_layers)
                    if profile.layer_range(model, x, y) == (lo, hi))
    return re.sub(r"_from\d+_to\d+_", f"_from{a}_to{b}_", mode)


def _registry(name: str) -> ModelSpec:
    from repro.assets.registry import PAPER_MODELS

    return PAPER_MODELS[name]


def _identity(t: TrainSpec) -> tuple:
    """A run up to its seed: every seed of one series is one entry."""
    return (t.model, t.mode, *(getattr(t, f) for f in OVERRIDES))
