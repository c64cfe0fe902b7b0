"""``fraction_in_range``: the share of a table's values inside [lo, hi], overall or per group (Fig. 1)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from repro.figures.claims.evaluation import EPS, NotEvaluable
from repro.figures.claims.fields import Fields
from repro.figures.claims.kinds.table import TableCheck
from repro.figures.claims.words import fmt


@dataclass(frozen=True, kw_only=True)
class FractionInRange(TableCheck):
    name = "fraction_in_range"
    required = frozenset({"table", "value", "min_fraction"})
    optional = frozenset({"lo", "hi", "group_by", "where"})

    value: str
    lo: float = -math.inf
    hi: float = math.inf
    group_by: tuple[str, ...] = ()

    @classmethod
    def parse(cls, fields: Fields) -> FractionInRange:
        common = cls.common(fields)
        value = fields.first("value")
        lo = fields.number("lo", default=-math.inf)
        hi = fields.number("hi", default=math.inf)
        if lo > hi:
            raise fields.error(f"'lo' ({lo:g}) is above 'hi' ({hi:g})")
        return cls(**common, value=value, lo=lo, hi=hi, group_by=fields.optional_strings("group_by"))

    def describe(self) -> str:
        groups = f" for every {'/'.join(self.group_by)}" if self.group_by else ""
        span = (f"≥ {fmt(self.lo)}" if self.hi == math.inf else f"≤ {fmt(self.hi)}" if self.lo == -math.inf
                else f"in [{fmt(self.lo)}, {fmt(self.hi)}]")
        return f"share of {self.value} values {span} is ≥ {fmt(self.min_fraction)}{groups} ({self.table} rows)"

    def evaluate(self, data: dict) -> list[dict]:
        groups: dict[tuple, list] = defaultdict(list)
        for r in self.rows(data):
            groups[tuple(r.get(k) for k in self.group_by)].append(r.get(self.value))
        out = []
        for g, vals in groups.items():
            inside = sum(1 for v in vals if isinstance(v, int | float) and self.lo <= v <= self.hi)
            frac = inside / len(vals)
            name = ("/".join(map(str, g)) + ": ") if g else ""
            missing = sum(1 for v in vals if not isinstance(v, int | float))
            nums = sorted(v for v in vals if isinstance(v, int | float))
            median = f", median {nums[len(nums) // 2]:.3g}" if nums else ""
            out.append({"group": list(g), "ok": frac >= self.min_fraction - EPS, "value": frac,
                        "observed": f"{name}{inside}/{len(vals)} = {frac:.2f} in range{median}"
                                    + (f" ({missing} undefined)" if missing else ""),
                        "threshold": self.threshold()})
        if not out:
            raise NotEvaluable(f"no rows of {self.table!r} match")
        return out
