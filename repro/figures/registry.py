"""Figure number -> its module (``recipe(profile)`` and ``render(recipe, store, out_dir)``)."""

from __future__ import annotations

import importlib
from types import ModuleType

from repro.errors import ReproError
from repro.figures.catalog import CATALOG


def figure_module(number: int) -> ModuleType:
    """``repro.figures.figNN`` for every figure of the catalog."""
    if number not in CATALOG:
        raise ReproError(f"the paper has no figure {number}", f"choose one of {min(CATALOG)}-{max(CATALOG)}")
    return importlib.import_module(f"repro.figures.fig{number:02d}")
