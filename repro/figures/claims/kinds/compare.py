"""``compare``: one number from each of two row selections, per panel: ``left OP right (+/-) margin`` (e.g. the
LoRA final checkpoint's Pass@1 against the base model's)."""

from __future__ import annotations

from dataclasses import dataclass

from repro.figures.claims.fields import Fields
from repro.figures.claims.kinds.panels import PANELS, PairCheck
from repro.figures.claims.ops import relation_words
from repro.figures.claims.selection import Selection
from repro.figures.claims.words import metric_name, metric_title


@dataclass(frozen=True, kw_only=True)
class Compare(PairCheck):
    name = "compare"
    required = frozenset({"left", "right", "op"})
    optional = frozenset({"margin", "each"}) | PANELS

    left: Selection
    right: Selection

    @classmethod
    def parse(cls, fields: Fields) -> Compare:
        common = cls.common(fields)
        return cls(**common, left=fields.selection("left", True), right=fields.selection("right", True))

    def describe(self) -> str:
        rhs = f"{self.right.words()} {metric_name(self.right.metric)}"
        return (f"{self.left.words()} {metric_name(self.left.metric)} {relation_words(self.op, rhs)}"
                f"{self.each_words()}{self.scope_words()}")

    def selections(self) -> tuple[Selection, ...]:
        return self.left, self.right

    def panel(self, title: str, matched: list[list[dict]]) -> dict:
        left_rows, right_rows = matched

        def measure(rows: list[dict], group: str) -> tuple:
            lv, ll = self.left.reduce(left_rows, title)
            rv, rl = self.right.reduce(rows, title)
            return (lv, ll, rv, f"{rl}, {group}" if group else rl, self.left.se(left_rows), self.right.se(rows))

        return self.worst_group(title, right_rows, measure, metric_title(title, self.left.metric))
