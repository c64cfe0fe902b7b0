"""`repro eject N`: a figure's experiment (the data its module makes for a profile) written out as an experiment
file, so that `repro run` on the file plans exactly the steps `repro figure N` plans."""

from __future__ import annotations

import json

from repro.errors import ReproError
from repro.figures.experiment.schema import Experiment
from repro.figures.registry import FIGURES
from repro.profiles import Profile

# The figures whose module makes its runs as an experiment (safety-reasoning panels over training checkpoints).
EJECTABLE = tuple(n for n, module in FIGURES.items() if hasattr(module, "experiment"))


def _toml(value) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _pairs(values: dict) -> list[str]:
    return [f"{k} = {_toml(v)}" for k, v in values.items()]


def to_toml(exp: Experiment) -> str:
    """``exp`` as an experiment file: every key it sets, the defaults of runs, models and decoding left out."""
    lines = _pairs(exp.model_dump(include={"title", "profile", "backend"}, exclude_none=True))
    for key, m in exp.models.items():
        lines += ["", f"[models.{key}]", *_pairs(m.model_dump(exclude_defaults=True))]
    for r in exp.runs:
        lines += ["", "[[runs]]", *_pairs(r.model_dump(exclude_defaults=True))]
    ev = exp.evaluation.model_dump(exclude={"decoding"})
    decoding = exp.evaluation.decoding.model_dump(exclude_none=True)
    lines += ["", "[evaluation]", *_pairs({**ev, **({"decoding": decoding} if decoding else {})})]
    plot = exp.plot.model_dump(exclude={"titles"} if exp.plot.titles == "model" else set())
    lines += ["", "[plot]", *_pairs(plot)]
    return "\n".join(lines) + "\n"


def eject(number: int, profile: Profile) -> str:
    """The experiment file of figure ``number`` in ``profile``."""
    if number not in EJECTABLE:
        raise ReproError(f"figure {number} is not ejectable (its shape is not one of safety-reasoning panels over "
                         "training checkpoints)", f"eject one of: {', '.join(map(str, EJECTABLE))}")
    profile.check_figure(number)
    header = (f"# Figure {number} of the paper as an experiment file (repro eject {number} --profile "
              f"{profile.variant}).\n# `repro run` on this file plans exactly the steps `repro figure` plans; edit "
              "it to change the protocol.\n")
    return header + to_toml(FIGURES[number].experiment(profile))
