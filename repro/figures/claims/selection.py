"""A selection of a figure's rows: field filters, the metric to read, and how to reduce the matching rows
to one number (``pick``)."""

from __future__ import annotations

from dataclasses import dataclass

from repro.figures.claims.evaluation import NotEvaluable, label, num

PICKS = ("only", "final", "max", "min", "mean")


@dataclass(frozen=True)
class Selection:
    """Rows whose fields equal the given values (any of a list), reduced to one number by ``pick``."""

    where: tuple[tuple[str, tuple], ...]
    metric: str | None = None
    pick: str = "only"

    def rows(self, rows: list[dict]) -> list[dict]:
        return [r for r in rows if all(r.get(f) in vals for f, vals in self.where)]

    def words(self) -> str:
        parts = []
        for f, vals in self.where:
            shown = "/".join(str(v) for v in vals)
            parts.append(shown if f in ("series", "method") else f"{f} {shown}")
        text = " ".join(parts) or "all rows"
        if self.pick == "final":
            text += " (final epoch)"
        elif self.pick in ("max", "min", "mean"):
            text += f" ({self.pick} over its points)"
        return text

    def se(self, rows: list[dict]) -> float | None:
        """The standard error of :meth:`reduce`'s number (``<metric>_se`` of the rows, docs/intervals.md), or None
        where a row carries none; a ``mean`` pick combines its rows' as independent estimates."""
        def one(r: dict) -> float | None:
            v = r.get(f"{self.metric}_se")
            return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

        if self.pick == "mean":
            ses = [one(r) for r in rows]
            return None if not ses or None in ses else sum(x * x for x in ses) ** 0.5 / len(ses)
        if self.pick == "final":
            dated = [r for r in rows if isinstance(r.get("epoch"), int | float) and not isinstance(r.get("epoch"), bool)]
            return one(max(dated, key=lambda r: r["epoch"]) if dated else rows[0])
        if self.pick in ("max", "min"):
            pick = (max if self.pick == "max" else min)(rows, key=lambda r: num(r, self.metric))
            return one(pick)
        return one(rows[0])

    def reduce(self, rows: list[dict], where: str) -> tuple[float, str]:
        """The selection's number over ``rows`` (already matched) and a label for it; ``where`` prefixes
        the reason when the rows cannot give one."""
        if not rows:
            raise NotEvaluable(f"{where}: no row matches {self.words()}")
        if self.pick == "only":
            if len(rows) != 1:
                raise NotEvaluable(f"{where}: {len(rows)} rows match {self.words()}, "
                                   "the check needs one (give pick)")
            return num(rows[0], self.metric), label(rows[0])
        if self.pick == "final":
            dated = [r for r in rows if isinstance(r.get("epoch"), int | float)
                     and not isinstance(r.get("epoch"), bool)]
            if not dated:
                if len(rows) == 1:
                    return num(rows[0], self.metric), label(rows[0])
                raise NotEvaluable(f"{where}: {self.words()} has {len(rows)} rows and no epochs")
            last = max(dated, key=lambda r: r["epoch"])
            return num(last, self.metric), label(last)
        vals = [(num(r, self.metric), label(r)) for r in rows]
        if self.pick == "mean":
            return sum(v for v, _ in vals) / len(vals), f"mean of {len(vals)}"
        return (max if self.pick == "max" else min)(vals, key=lambda t: t[0])
