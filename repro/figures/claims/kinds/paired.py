"""``paired``: rows of two runs paired by key fields (values averaged over the other fields), the share of
pairs where one run's metric is below (``lt``) or above (``gt``) the other's, for each metric (Fig. 7)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from repro.figures.claims.evaluation import EPS
from repro.figures.claims.fields import Fields
from repro.figures.claims.kinds.table import TableCheck
from repro.figures.claims.ops import OPS
from repro.figures.claims.words import fmt


@dataclass(frozen=True, kw_only=True)
class Paired(TableCheck):
    name = "paired"
    required = frozenset({"table", "by", "a", "b", "key", "metrics", "op", "min_fraction"})
    optional = frozenset({"where"})

    by: str
    a: str | int | float
    b: str | int | float
    key: tuple[str, ...]
    metrics: tuple[str, ...]
    op: str

    @classmethod
    def parse(cls, fields: Fields) -> Paired:
        op = fields.op()
        check = cls(**cls.common(fields), by=fields.first("by"), a=fields.row_value("a"),
                    b=fields.row_value("b"), key=fields.strings("key"), metrics=fields.strings("metrics"), op=op)
        if op not in ("lt", "gt"):
            raise fields.error(f"field 'op' of a paired check must be 'lt' or 'gt', got {op!r}")
        return check

    def describe(self) -> str:
        metrics = self.metrics[0] if len(self.metrics) == 1 else "/".join(self.metrics)
        return (f"{self.a} {metrics} {OPS[self.op]} {self.b}'s, paired by {'/'.join(self.key)} (mean over other "
                f"rows), in a share ≥ {fmt(self.min_fraction)} of pairs, for each metric")

    def evaluate(self, data: dict) -> list[dict]:
        # (run, *key) -> metric -> the values of its rows
        sums: dict[tuple, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for r in self.rows(data):
            side = r.get(self.by)
            if side not in (self.a, self.b):
                continue
            for m in self.metrics:
                v = r.get(m)
                if isinstance(v, int | float) and not isinstance(v, bool) and not math.isnan(v):
                    sums[(side, *(r.get(k) for k in self.key))][m].append(float(v))

        def mean(side: str | int | float, k: tuple, m: str) -> float:
            vals = sums[(side, *k)][m]
            return sum(vals) / len(vals)

        out = []
        for m in self.metrics:
            keys_a = {k[1:] for k, d in sums.items() if k[0] == self.a and d[m]}
            keys_b = {k[1:] for k, d in sums.items() if k[0] == self.b and d[m]}
            common = sorted(keys_a & keys_b, key=str)
            if not common:
                out.append({"metric": m, "ok": None, "observed": f"{m}: no {'/'.join(self.key)} has both "
                            f"{self.a} and {self.b} values", "threshold": ""})
                continue
            wins, exceptions = 0, []
            for k in common:
                va, vb = mean(self.a, k, m), mean(self.b, k, m)
                if (va < vb) if self.op == "lt" else (va > vb):
                    wins += 1
                else:
                    exceptions.append("/".join(map(str, k)))
            frac = wins / len(common)
            more = " ..." if len(exceptions) > 4 else ""
            shown = f"; exceptions: {', '.join(exceptions[:4])}{more}" if exceptions else ""
            out.append({"metric": m, "ok": frac >= self.min_fraction - EPS, "value": frac,
                        "observed": f"{m}: {wins}/{len(common)} = {frac:.2f}{shown}", "threshold": self.threshold()})
        return out
