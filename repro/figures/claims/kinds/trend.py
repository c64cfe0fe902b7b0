"""``trend``: the Spearman correlation of a metric with a row field (e.g. LoRA rank), per panel, against a
bound (``at_most`` or ``at_least``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from repro.figures.claims.evaluation import EPS, NotEvaluable, num
from repro.figures.claims.fields import Fields
from repro.figures.claims.kinds.panels import PANELS, PanelCheck
from repro.figures.claims.selection import Selection
from repro.figures.claims.words import fmt, metric_name


@dataclass(frozen=True, kw_only=True)
class Trend(PanelCheck):
    name = "trend"
    required = frozenset({"rows", "x", "metric"})
    optional = frozenset({"at_most", "at_least"}) | PANELS

    rows: Selection
    x: str
    metric: str
    at_most: float | None = None
    at_least: float | None = None

    @classmethod
    def parse(cls, fields: Fields) -> Trend:
        panels = fields.optional_strings("panels")
        rows = fields.selection("rows", False)
        x, metric = fields.row_field("x"), fields.row_field("metric")
        if ("at_most" in fields) == ("at_least" in fields):
            raise fields.error("a trend check needs exactly one of 'at_most' or 'at_least'")
        bound = "at_most" if "at_most" in fields else "at_least"
        return cls(panels=panels, rows=rows, x=x, metric=metric, **{bound: fields.number(bound, -1.0, 1.0)})

    def bound_words(self) -> str:
        return f"≤ {fmt(self.at_most)}" if self.at_most is not None else f"≥ {fmt(self.at_least)}"

    def describe(self) -> str:
        return (f"Spearman correlation of {metric_name(self.metric)} with {self.x} over {self.rows.words()} "
                f"is {self.bound_words()}{self.scope_words()}")

    def tolerance(self) -> str:
        return "correlation bound as stated"

    def selections(self) -> tuple[Selection, ...]:
        return (self.rows,)

    def panel(self, title: str, matched: list[list[dict]]) -> dict:
        from scipy.stats import spearmanr

        pts = [(float(r[self.x]), num(r, self.metric)) for r in matched[0]
               if isinstance(r.get(self.x), int | float) and not isinstance(r.get(self.x), bool)]
        if len(pts) < 3:
            raise NotEvaluable(f"{title}: {len(pts)} rows of {self.rows.words()} with a numeric {self.x}; "
                               "needs 3")
        xs, ys = [x for x, _ in pts], [y for _, y in pts]
        rho = math.nan if len(set(xs)) < 2 or len(set(ys)) < 2 else float(spearmanr(xs, ys).statistic)
        if math.isnan(rho):
            raise NotEvaluable(f"{title}: {self.metric} or {self.x} is constant over {self.rows.words()}")
        ok = rho <= self.at_most + EPS if self.at_most is not None else rho >= self.at_least - EPS
        return {"panel": title, "ok": ok, "observed": f"{title}: rho {rho:.3f} over {len(pts)} points",
                "threshold": self.bound_words(), "value": rho}
