"""Typed reading of one ``[[claim]]`` table of ``claims.toml``.

:class:`Fields` wraps the raw table; each getter checks one field's type and range and returns it typed,
or raises a one-line ReproError naming the file, the claim (``claim #N (figure/id)``), the field and what
it must be. The check kinds parse themselves through these getters.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from repro.errors import ReproError
from repro.figures.claims.ops import OPS
from repro.figures.claims.selection import PICKS, Selection


def bad(path: Path, where: str, problem: str) -> ReproError:
    """The error for a problem at ``where`` (a claim, or "top level") of the claims file."""
    return ReproError(f"{path}: {where}: {problem}",
                      f"fix it in {path} (its header lists the check kinds and fields)")


def _is_number(raw: Any) -> bool:
    return not isinstance(raw, bool) and isinstance(raw, int | float)


def _margin(path: Path, where: str, raw: Any, nested: bool = False) -> float | dict[str, float]:
    if isinstance(raw, dict) and not nested:
        if not raw:
            raise bad(path, where, "field 'margin' is an empty table")
        return {k: _margin(path, f"{where}, margin[{k!r}]", v, nested=True) for k, v in raw.items()}
    if not _is_number(raw) or raw < 0 or math.isnan(raw):
        raise bad(path, where, f"field 'margin' must be a number >= 0 or a table of them, got {raw!r}")
    return float(raw)


class Fields:
    """The raw table of one claim, read field by field; ``where`` names the claim in errors."""

    def __init__(self, path: Path, where: str, raw: dict):
        self.path, self.where, self.raw = path, where, raw

    def __contains__(self, name: str) -> bool:
        return name in self.raw

    def error(self, problem: str) -> ReproError:
        return bad(self.path, self.where, problem)

    def op(self, default: str = "gt") -> str:
        """``op``: one of :data:`OPS`."""
        raw = self.raw.get("op", default)
        if not isinstance(raw, str) or raw not in OPS:
            raise self.error(f"field 'op' must be one of {', '.join(OPS)}, got {raw!r}")
        return raw

    def margin(self) -> float | dict[str, float]:
        """``margin``: a number >= 0, or a table of them keyed by panel-title substrings (0 if absent)."""
        return _margin(self.path, self.where, self.raw.get("margin", 0.0))

    def strings(self, name: str) -> tuple[str, ...]:
        """A non-empty string or non-empty list of them, as a tuple."""
        raw = self.raw[name]
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not raw or not all(isinstance(x, str) and x for x in raw):
            raise self.error(f"field {name!r} must be a non-empty string or list of strings, got {raw!r}")
        return tuple(raw)

    def first(self, name: str) -> str:
        """A field read like :meth:`strings`, of which only the first string is used."""
        return self.strings(name)[0]

    def optional_strings(self, name: str) -> tuple[str, ...]:
        """:meth:`strings`, or () when the field is absent."""
        return self.strings(name) if name in self.raw else ()

    def row_field(self, name: str, default: str | None = None) -> str:
        """The name of a row field (e.g. ``x = "rank"``): a non-empty string."""
        raw = self.raw.get(name, default)
        if not isinstance(raw, str) or not raw:
            raise self.error(f"field {name!r} must be the name of a row field (a non-empty string), got {raw!r}")
        return raw

    def row_value(self, name: str) -> str | int | float:
        """A value a row field is compared with: a non-empty string or a number."""
        raw = self.raw[name]
        if not isinstance(raw, str | int | float) or isinstance(raw, bool) or raw == "":
            raise self.error(f"field {name!r} must be a non-empty string or a number (a value of a row field), "
                             f"got {raw!r}")
        return raw

    def number(self, name: str, lo: float = -math.inf, hi: float = math.inf,
               default: float | None = None) -> float:
        """A number in [lo, hi]; ``default`` when the field is absent and a default is given."""
        raw = self.raw.get(name, default)
        if not _is_number(raw) or not lo <= raw <= hi:
            raise self.error(f"field {name!r} must be a number in [{lo:g}, {hi:g}], got {raw!r}")
        return float(raw)

    def selection(self, name: str, needs_metric: bool, default: dict | None = None) -> Selection:
        """A table of row filters (a value or a list of values each) plus ``metric`` and ``pick``."""
        raw = self.raw.get(name, default)
        if not isinstance(raw, dict):
            raise self.error(f"field {name!r} must be a table of row filters, got {raw!r}")
        filters, metric, pick = [], raw.get("metric"), raw.get("pick", "only")
        for k, v in raw.items():
            if k in ("metric", "pick"):
                continue
            vals = tuple(v) if isinstance(v, list) else (v,)
            if not vals or any(isinstance(x, dict | list) for x in vals):
                raise self.error(f"field {name}.{k} must be a value or a list of values, got {v!r}")
            filters.append((k, vals))
        if needs_metric and not isinstance(metric, str):
            raise self.error(f"field {name}.metric is required (the row field to read, e.g. 'reasoning')")
        if metric is not None and (not isinstance(metric, str) or not metric):
            raise self.error(f"field {name}.metric must be the name of a row field (a non-empty string), "
                             f"got {metric!r}")
        if not isinstance(pick, str) or pick not in PICKS:
            raise self.error(f"field {name}.pick must be one of {', '.join(PICKS)}, got {pick!r}")
        return Selection(tuple(filters), metric, pick)
