"""Figure number -> its module (``recipe(profile)`` and ``render(recipe, store, out_dir)``), every one imported
by name here, so an editor follows a number to its module (none of them imports a heavy library at import)."""

from __future__ import annotations

from types import ModuleType

from repro.errors import ReproError
from repro.figures import fig01, fig02, fig03, fig04, fig05, fig06, fig07, fig08, fig09, fig10, fig11, fig12
from repro.figures.catalog import CATALOG

FIGURES: dict[int, ModuleType] = {m.NUMBER: m for m in (fig01, fig02, fig03, fig04, fig05, fig06, fig07, fig08,
                                                         fig09, fig10, fig11, fig12)}


def figure_module(number: int) -> ModuleType:
    """``repro.figures.figNN`` for every figure of the catalog."""
    if number not in CATALOG:
        raise ReproError(f"the paper has no figure {number}", f"choose one of {min(CATALOG)}-{max(CATALOG)}")
    return FIGURES[number]
