"""Figure number -> its module (``recipe(profile)`` and ``render(recipe, store, out_dir)``)."""

from __future__ import annotations

import importlib
from types import ModuleType

from repro.errors import ReproError
from repro.figures.catalog import CATALOG

IMPLEMENTED = {1: "repro.figures.fig01", 2: "repro.figures.fig02", 7: "repro.figures.fig07", 8: "repro.figures.fig08",
               9: "repro.figures.fig09"}


def figure_module(number: int) -> ModuleType:
    if number not in CATALOG:
        raise ReproError(f"the paper has no figure {number}", f"choose one of {min(CATALOG)}-{max(CATALOG)}")
    if number not in IMPLEMENTED:
        raise ReproError(f"figure {number} is not implemented yet (it arrives with the {CATALOG[number].planned_in})",
                         f"implemented so far: {', '.join(map(str, sorted(IMPLEMENTED)))}")
    return importlib.import_module(IMPLEMENTED[number])
