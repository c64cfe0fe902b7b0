"""``in_band``: one number per panel within a fixed band ``[lo, hi]`` (e.g. the base model's Pass@1 against the
numbers others have published for it: an external check of the pipeline)."""

from __future__ import annotations

from dataclasses import dataclass

from repro.figures.claims.fields import Fields
from repro.figures.claims.kinds.panels import PANELS, PanelCheck
from repro.figures.claims.selection import Selection
from repro.figures.claims.words import fmt, metric_name, value
from repro.figures.intervals import Z


@dataclass(frozen=True, kw_only=True)
class InBand(PanelCheck):
    name = "in_band"
    required = frozenset({"rows", "lo", "hi"})
    optional = PANELS

    rows: Selection
    lo: float
    hi: float

    @classmethod
    def parse(cls, fields: Fields) -> InBand:
        rows = fields.selection("rows", True)
        lo = fields.number("lo")
        return cls(rows=rows, lo=lo, hi=fields.number("hi", lo), panels=fields.optional_strings("panels"))

    def describe(self) -> str:
        return f"{self.rows.words()} {metric_name(self.rows.metric)} in [{fmt(self.lo)}, {fmt(self.hi)}]" + \
            self.scope_words()

    def tolerance(self) -> str:
        return f"band [{fmt(self.lo)}, {fmt(self.hi)}]"

    def selections(self) -> tuple[Selection, ...]:
        return (self.rows,)

    def panel(self, title: str, matched: list[list[dict]]) -> dict:
        v, where = self.rows.reduce(matched[0], title)
        se = self.rows.se(matched[0])
        shown = f"{title}: {value(v)} ({where})"
        if se is not None:
            shown += f", 95% interval [{value(max(0.0, v - Z * se))}, {value(min(1.0, v + Z * se))}]"
        return {"panel": title, "ok": self.lo <= v <= self.hi, "observed": shown,
                "threshold": f"in [{fmt(self.lo)}, {fmt(self.hi)}]", "value": [v]}
