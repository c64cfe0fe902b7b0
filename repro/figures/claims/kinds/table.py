"""What the table check kinds share (fraction_in_range, paired): they read one table of the figure's data
(e.g. Fig. 1's ``points``), optionally filtered by ``where``, and pass when a share of at least
``min_fraction`` holds."""

from __future__ import annotations

from dataclasses import dataclass

from repro.figures.claims.evaluation import NotEvaluable
from repro.figures.claims.fields import Fields
from repro.figures.claims.kinds.base import Check
from repro.figures.claims.selection import Selection
from repro.figures.claims.words import fmt


@dataclass(frozen=True, kw_only=True)
class TableCheck(Check):
    table: str
    min_fraction: float
    where: Selection

    @staticmethod
    def common(fields: Fields) -> dict:
        """The shared fields, parsed in the order their errors are reported."""
        return {"table": fields.first("table"), "min_fraction": fields.number("min_fraction", 0.0, 1.0),
                "where": fields.selection("where", False, default={})}

    def tolerance(self) -> str:
        return f"min share {fmt(self.min_fraction)}"

    def threshold(self) -> str:
        return f"≥ {fmt(self.min_fraction)}"

    def rows(self, data: dict) -> list[dict]:
        """The table's rows that ``where`` selects; not evaluable if the data has no such table."""
        rows = data.get(self.table)
        if not isinstance(rows, list) or not rows:
            raise NotEvaluable(f"the figure's data has no rows in {self.table!r}")
        return self.where.rows(rows)
