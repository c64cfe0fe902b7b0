"""``frontier``: the area each selection's Pareto front dominates in the (safety, Pass@1) unit square (its
hypervolume from the origin), compared per panel like ``compare``."""

from __future__ import annotations

from dataclasses import dataclass

from repro.figures.claims.evaluation import hypervolume, num
from repro.figures.claims.fields import Fields
from repro.figures.claims.kinds.panels import PANELS, PairCheck
from repro.figures.claims.ops import relation_words
from repro.figures.claims.selection import Selection
from repro.figures.claims.words import metric_name
from repro.figures.intervals import area_se


@dataclass(frozen=True, kw_only=True)
class Frontier(PairCheck):
    name = "frontier"
    required = frozenset({"a", "b", "op"})
    optional = frozenset({"margin", "each", "x", "y"}) | PANELS

    a: Selection
    b: Selection
    x: str = "safety"
    y: str = "reasoning"

    @classmethod
    def parse(cls, fields: Fields) -> Frontier:
        common = cls.common(fields)
        return cls(**common, a=fields.selection("a", False), b=fields.selection("b", False),
                   x=fields.row_field("x", "safety"), y=fields.row_field("y", "reasoning"))

    def describe(self) -> str:
        return (f"area under the Pareto front ({metric_name(self.x)} × {metric_name(self.y)}) of "
                f"{self.a.words()} {relation_words(self.op, 'that of ' + self.b.words())}"
                f"{self.each_words()}{self.scope_words()}")

    def selections(self) -> tuple[Selection, ...]:
        return self.a, self.b

    def area(self, rows: list[dict]) -> float:
        return hypervolume([(num(r, self.x), num(r, self.y)) for r in rows])

    def area_se(self, rows: list[dict]) -> float | None:
        """The area's standard error from the points' own (docs/intervals.md); None where a point has none."""
        ses = [(r.get(f"{self.x}_se"), r.get(f"{self.y}_se")) for r in rows]
        if not ses or any(not isinstance(v, int | float) or isinstance(v, bool) for s in ses for v in s):
            return None
        return area_se([(num(r, self.x), num(r, self.y)) for r in rows], ses)

    def panel(self, title: str, matched: list[list[dict]]) -> dict:
        a_rows, b_rows = matched

        def measure(rows: list[dict], group: str) -> tuple:
            return (self.area(a_rows), f"front area of {self.a.words()}",
                    self.area(rows), f"of {group or self.b.words()}", self.area_se(a_rows), self.area_se(rows))

        return self.worst_group(title, b_rows, measure)
