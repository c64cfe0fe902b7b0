"""The check kinds, one record each (see :mod:`.base`), registered in :data:`KINDS`.

A claim's ``kind`` names its record here; the loader checks the claim's fields against the record's
``required`` and ``optional`` fields and parses them with its ``parse``; ``repro verify`` and the README
tables call the parsed check's ``describe``, ``tolerance`` and ``evaluate``. A new kind is one module with
one :class:`~.base.Check` subclass, added to the table below.
"""

from __future__ import annotations

from repro.figures.claims.kinds.base import Check
from repro.figures.claims.kinds.compare import Compare
from repro.figures.claims.kinds.dominates import Dominates
from repro.figures.claims.kinds.fraction_in_range import FractionInRange
from repro.figures.claims.kinds.frontier import Frontier
from repro.figures.claims.kinds.in_band import InBand
from repro.figures.claims.kinds.paired import Paired
from repro.figures.claims.kinds.trend import Trend

KINDS: dict[str, type[Check]] = {k.name: k for k in (Compare, Frontier, Dominates, Trend, FractionInRange, Paired,
                                                       InBand)}

__all__ = ["KINDS", "Check", "Compare", "Dominates", "FractionInRange", "Frontier", "InBand", "Paired", "Trend"]
