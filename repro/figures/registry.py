"""Figure number -> its module (``recipe(profile)`` and ``render(recipe, store, out_dir)``)."""

from __future__ import annotations

import importlib
from types import ModuleType

from repro.errors import ReproError
from repro.figures.catalog import CATALOG

IMPLEMENTED = {n: f"repro.figures.fig{n:02d}" for n in range(1, 13)}


def figure_module(number: int) -> ModuleType:
    if number not in CATALOG:
        raise ReproError(f"the paper has no figure {number}", f"choose one of {min(CATALOG)}-{max(CATALOG)}")
    return importlib.import_module(IMPLEMENTED[number])
