"""The record every check kind is: a frozen dataclass holding the kind's parsed fields, with

- ``name``, ``required``, ``optional``: the kind's name in ``claims.toml`` and the fields it takes
  besides the ones every claim has;
- ``parse(fields)``: read and validate those fields (a :class:`~repro.figures.claims.fields.Fields`);
- ``describe()`` and ``tolerance()``: the check and its margin in words (``repro verify``, the README
  tables);
- ``evaluate(data)``: the verdict lines on a figure's JSON data, one dict per panel, group or metric with
  ``ok`` (True, False, or None when that line is not evaluable), ``observed``, ``threshold`` and the
  numbers; it raises :class:`~repro.figures.claims.evaluation.NotEvaluable` when nothing can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from repro.figures.claims.fields import Fields


@dataclass(frozen=True, kw_only=True)
class Check:
    """One check kind; subclasses set the class attributes and implement the four methods."""

    name: ClassVar[str]
    required: ClassVar[frozenset[str]]
    optional: ClassVar[frozenset[str]]

    @classmethod
    def parse(cls, fields: Fields) -> Check:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def tolerance(self) -> str:
        raise NotImplementedError

    def evaluate(self, data: dict) -> list[dict]:
        raise NotImplementedError
