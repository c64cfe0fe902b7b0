"""What the per-panel check kinds share: reading the figure's ``panels`` one by one, and, for the kinds that
compare two selections (compare, frontier, dominates), the operator, the margin and ``each``.

A per-panel check skips a panel where none of its selections matches a row (a figure may mix panel
types), marks a panel not evaluable where only some do, and reads per-seed rows through their mean row
(the point the panel draws).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from repro.figures import intervals
from repro.figures.claims import evidence
from repro.figures.claims.evaluation import NotEvaluable, groups, margin_for
from repro.figures.claims.fields import Fields
from repro.figures.claims.kinds.base import Check
from repro.figures.claims.ops import holds, is_strict, slack
from repro.figures.claims.selection import Selection
from repro.figures.claims.words import margin_words, metric_title, value

PANELS = frozenset({"panels"})


@dataclass(frozen=True, kw_only=True)
class PanelCheck(Check):
    """A check evaluated in every panel (whose title contains one of ``panels``, when given)."""

    panels: tuple[str, ...] = ()

    def selections(self) -> tuple[Selection, ...]:
        """The selections whose rows the check reads, in the order the panel verdict takes them."""
        raise NotImplementedError

    def panel(self, title: str, matched: list[list[dict]]) -> dict:
        """The verdict in one panel, given each selection's (non-empty) matching rows."""
        raise NotImplementedError

    def metrics(self) -> tuple[str, ...]:
        """The row fields the check compares (the selections' metrics)."""
        return tuple(dict.fromkeys(s.metric for s in self.selections() if s.metric)) or ("safety", "reasoning")

    def scope_words(self) -> str:
        return f" in each panel on {' / '.join(self.panels)}" if self.panels else " in each panel"

    def evaluate(self, data: dict) -> list[dict]:
        panels = data.get("panels")
        if not isinstance(panels, list):
            raise NotEvaluable("the figure's data has no 'panels'")
        out = []
        for pan in panels:
            title = str(pan.get("title", ""))
            if self.panels and not any(w in title for w in self.panels):
                continue
            try:
                res = self._in_panel(title, [r for r in pan.get("points", []) if r.get("role") != "seed"])
            except NotEvaluable as exc:
                res = {"panel": title, "ok": None, "observed": str(exc), "threshold": ""}
            if res is not None:
                out.append(res)
        if not out:
            scope = f" titled with {' / '.join(self.panels)}" if self.panels else ""
            raise NotEvaluable(f"no panel{scope} has the rows this check reads")
        return out

    def _in_panel(self, title: str, rows: list[dict]) -> dict | None:
        """One panel's verdict: None when no selection matches a row there."""
        sels = self.selections()
        matched = [s.rows(rows) for s in sels]
        if not any(matched):
            return None
        if not all(matched):
            missing = [s.words() for s, m in zip(sels, matched, strict=True) if not m]
            raise NotEvaluable(f"{title}: no row matches {', '.join(missing)}")
        used = [r for m in matched for r in m]
        found = evidence.counts(used, self.metrics())
        try:
            evidence.check_rows(metric_title(title, self.metrics()[0]) if len(self.metrics()) == 1 else title,
                                used, self.metrics())
        except NotEvaluable as exc:
            return {"panel": title, "ok": None, "observed": str(exc), "threshold": "", "evidence": found}
        return {**self.panel(title, matched), "evidence": found}


# One side's number and label for a group of the right-hand rows: (left, left label, right, right label), and
# optionally the two numbers' standard errors (then the difference's interval decides, docs/intervals.md).
Measure = Callable[[list[dict], str], tuple]


@dataclass(frozen=True, kw_only=True)
class PairCheck(PanelCheck):
    """A per-panel check of one selection against another with an operator and a margin; ``each`` splits
    the right-hand rows by a field and checks against every group (the worst group is reported)."""

    op: str = "gt"
    margin: float | dict[str, float] = 0.0
    each: str | None = None

    @staticmethod
    def common(fields: Fields) -> dict:
        """The shared fields, parsed in the order their errors are reported."""
        return {"op": fields.op(), "margin": fields.margin(), "panels": fields.optional_strings("panels"),
                "each": fields.first("each") if "each" in fields else None}

    def each_words(self) -> str:
        return f", against each {self.each} of it separately" if self.each else ""

    def tolerance(self) -> str:
        m = margin_words(self.margin)
        return f"required gap m = {m}" if is_strict(self.op) else f"m = {m}"

    def worst_group(self, title: str, right_rows: list[dict], measure: Measure, name: str | None = None) -> dict:
        """``left OP right`` for every group of ``right_rows``; the verdict line of the tightest one (named ``name``,
        else the panel's title)."""
        m = margin_for(self.margin, title)
        worst, least = None, 0.0
        for gname, grows in groups(right_rows, self.each):
            lv, ll, rv, rl, *ses = measure(grows, gname)
            gap = slack(self.op, lv, rv, m)
            if worst is None or gap < least:
                ok, thr = holds(self.op, lv, rv, m)
                worst = {"panel": title, "ok": ok, "observed": f"{name or title}: {value(lv)} ({ll}) vs {value(rv)} ({rl})",
                         "threshold": thr, "value": [lv, rv], "margin": m}
                if len(ses) == 2 and None not in ses:
                    lo, hi = intervals.difference_interval(lv, ses[0], rv, ses[1])
                    worst["difference"] = {"value": lv - rv, "lo": lo, "hi": hi}
                    worst["observed"] += f"; difference {lv - rv:+.3f}, 95% interval [{lo:+.3f}, {hi:+.3f}], m {m:g}"
                    if not evidence.decided(ok, lo, hi, self.op, m):
                        worst.update(ok=None, observed=f"{worst['observed']}: {evidence.NOT_DECIDABLE}")
                else:
                    worst["observed"] += f"; m {m:g}, no interval for this measure"
                least = gap
        return worst
