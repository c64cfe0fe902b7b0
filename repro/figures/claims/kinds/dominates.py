"""``dominates``: the best point of one selection (largest safety + Pass@1) against the other's best,
coordinate by coordinate, per panel."""

from __future__ import annotations

from dataclasses import dataclass

from repro.figures.claims.evaluation import label, margin_for, num
from repro.figures.claims.fields import Fields
from repro.figures.claims.kinds.panels import PANELS, PairCheck
from repro.figures.claims.ops import holds, relation_words
from repro.figures.claims.selection import Selection
from repro.figures.claims.words import metric_name, value


@dataclass(frozen=True, kw_only=True)
class Dominates(PairCheck):
    name = "dominates"
    required = frozenset({"a", "b"})
    optional = frozenset({"op", "margin", "x", "y"}) | PANELS

    a: Selection
    b: Selection
    x: str = "safety"
    y: str = "reasoning"

    @classmethod
    def parse(cls, fields: Fields) -> Dominates:
        common = cls.common(fields)
        check = cls(**common, a=fields.selection("a", False), b=fields.selection("b", False),
                    x=fields.row_field("x", "safety"), y=fields.row_field("y", "reasoning"))
        if check.op not in ("gt", "geq"):
            raise fields.error(f"field 'op' of a dominates check must be 'gt' or 'geq', got {check.op!r}")
        return check

    def describe(self) -> str:
        return (f"best point (max {metric_name(self.x)} + {metric_name(self.y)}) of {self.a.words()} has both "
                f"coordinates {relation_words(self.op, 'those of the best point of ' + self.b.words())}"
                f"{self.scope_words()}")

    def selections(self) -> tuple[Selection, ...]:
        return self.a, self.b

    def best(self, rows: list[dict]) -> tuple[float, float, str]:
        """The row with the largest x + y (then the largest y)."""
        pts = [(num(r, self.x), num(r, self.y), label(r)) for r in rows]
        return max(pts, key=lambda t: (t[0] + t[1], t[1]))

    def panel(self, title: str, matched: list[list[dict]]) -> dict:
        m = margin_for(self.margin, title)
        (ax, ay, al), (bx, by, bl) = self.best(matched[0]), self.best(matched[1])
        okx, tx = holds(self.op, ax, bx, m)
        oky, ty = holds(self.op, ay, by, m)
        observed = f"{title}: {al} ({value(ax)}, {value(ay)}) vs {bl} ({value(bx)}, {value(by)})"
        return {"panel": title, "ok": okx and oky, "observed": observed, "threshold": f"x {tx}, y {ty}",
                "value": [ax, ay, bx, by]}
