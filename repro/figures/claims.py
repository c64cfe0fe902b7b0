"""The paper's claims, figure by figure (``paper_figures/claims.toml``), and their machine checks.

Each claim quotes the paper and names one check from a small vocabulary, evaluated on the data a
figure writes when it renders (``<figures root>/figNN/<profile>/figNN.json``):

- ``compare``: one number from each of two row selections, per panel: ``left OP right (+/-) margin``
  (e.g. the LoRA final checkpoint's Pass@1 against the base model's).
- ``frontier``: the area each selection's Pareto front dominates in the (safety, Pass@1) unit square
  (its hypervolume from the origin), compared per panel like ``compare``.
- ``dominates``: the best point of one selection (largest safety + Pass@1) against the other's best,
  coordinate by coordinate.
- ``trend``: the Spearman correlation of a metric with a row field (e.g. LoRA rank), per panel.
- ``fraction_in_range``: the share of a table's values inside [lo, hi], overall or per group (Fig. 1).
- ``paired``: rows of two runs paired by key fields (values averaged over the other fields), the share
  of pairs where one run's metric is below the other's (Fig. 7).

A selection is a TOML table of row-field filters (``series = "LoRA"``, ``rank = [1, 2]``) plus
``metric`` and ``pick`` (``only``, ``final``, ``max``, ``min``, ``mean``). Per-panel checks skip panels
where no selection matches a row (a figure may mix panel types), report ``not-evaluable`` where only
some do, and fail if any evaluated panel fails. Margins are >= 0; ``geq``/``leq``/``approx`` read them
as tolerances, ``gt``/``lt`` as required gaps. A margin may be a table of panel-title substrings
(first match wins, ``"*"`` the default).
"""

from __future__ import annotations

import json
import math
import os
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repro.errors import ReproError
from repro.figures.catalog import CATALOG
from repro.figures.plot import pareto_mask

STATUSES = ("pass", "fail", "not-evaluable")
OPS = {"geq": "≥", "leq": "≤", "gt": ">", "lt": "<", "approx": "≈"}
PICKS = ("only", "final", "max", "min", "mean")
COMMON = {"figure", "id", "quote", "source", "kind", "reading", "why"}
PER_PANEL = {"panels"}
KINDS: dict[str, tuple[set[str], set[str]]] = {  # kind -> (required, optional) fields besides COMMON
    "compare": ({"left", "right", "op"}, {"margin", "each"} | PER_PANEL),
    "frontier": ({"a", "b", "op"}, {"margin", "each", "x", "y"} | PER_PANEL),
    "dominates": ({"a", "b"}, {"op", "margin", "x", "y"} | PER_PANEL),
    "trend": ({"rows", "x", "metric"}, {"at_most", "at_least"} | PER_PANEL),
    "fraction_in_range": ({"table", "value", "min_fraction"}, {"lo", "hi", "group_by", "where"}),
    "paired": ({"table", "by", "a", "b", "key", "metrics", "op", "min_fraction"}, {"where"}),
}
EPS = 1e-9


def default_claims_path() -> Path:
    """``$REPRO_CLAIMS``, else the repository's ``paper_figures/claims.toml``, else the figures root's."""
    if os.environ.get("REPRO_CLAIMS"):
        return Path(os.environ["REPRO_CLAIMS"])
    here = Path(__file__).resolve().parents[2] / "paper_figures" / "claims.toml"
    if here.is_file():
        return here
    return Path(os.environ.get("REPRO_FIGURES", "paper_figures")) / "claims.toml"


# ---------------------------------------------------------------------------------------------- specs


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


@dataclass(frozen=True)
class Claim:
    figure: int
    id: str
    quote: str
    source: str
    kind: str
    reading: str = ""
    why: str = ""
    params: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def ref(self) -> str:
        return f"{self.figure}/{self.id}"


@dataclass
class Outcome:
    """The verdict on one claim, with the numbers behind it (one line per panel or group)."""

    claim: Claim
    status: str
    observed: list[str] = field(default_factory=list)
    threshold: list[str] = field(default_factory=list)
    reason: str = ""
    details: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        c = self.claim
        return {"figure": c.figure, "id": c.id, "kind": c.kind, "status": self.status, "quote": c.quote,
                "source": c.source, "check": describe(c), "tolerance": tolerance_words(c),
                "observed": self.observed, "threshold": self.threshold, "reason": self.reason,
                "details": self.details}


# ------------------------------------------------------------------------------------------ loading


def _bad(path: Path, where: str, problem: str) -> ReproError:
    return ReproError(f"{path}: {where}: {problem}",
                      f"fix it in {path} (its header lists the check kinds and fields)")


def _selection(path: Path, where: str, name: str, raw: Any, needs_metric: bool) -> Selection:
    if not isinstance(raw, dict):
        raise _bad(path, where, f"field {name!r} must be a table of row filters, got {raw!r}")
    filters, metric, pick = [], raw.get("metric"), raw.get("pick", "only")
    for k, v in raw.items():
        if k in ("metric", "pick"):
            continue
        vals = tuple(v) if isinstance(v, list) else (v,)
        if not vals or any(isinstance(x, dict | list) for x in vals):
            raise _bad(path, where, f"field {name}.{k} must be a value or a list of values, got {v!r}")
        filters.append((k, vals))
    if needs_metric and not isinstance(metric, str):
        raise _bad(path, where, f"field {name}.metric is required (the row field to read, e.g. 'pass_at_1')")
    if pick not in PICKS:
        raise _bad(path, where, f"field {name}.pick must be one of {', '.join(PICKS)}, got {pick!r}")
    return Selection(tuple(filters), metric, pick)


def _margin(path: Path, where: str, raw: Any) -> float | dict[str, float]:
    if isinstance(raw, dict):
        if not raw:
            raise _bad(path, where, "field 'margin' is an empty table")
        for k, v in raw.items():
            _margin(path, f"{where}, margin[{k!r}]", v)
        return {k: float(v) for k, v in raw.items()}
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0 or math.isnan(raw):
        raise _bad(path, where, f"field 'margin' must be a number >= 0 or a table of them, got {raw!r}")
    return float(raw)


def _str_list(path: Path, where: str, name: str, raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw or not all(isinstance(x, str) and x for x in raw):
        raise _bad(path, where, f"field {name!r} must be a non-empty string or list of strings, got {raw!r}")
    return tuple(raw)


def _number(path: Path, where: str, name: str, raw: Any, lo: float = -math.inf,
            hi: float = math.inf) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not lo <= raw <= hi:
        raise _bad(path, where, f"field {name!r} must be a number in [{lo:g}, {hi:g}], got {raw!r}")
    return float(raw)


def _claim(path: Path, i: int, raw: dict) -> Claim:
    fig, cid = raw.get("figure"), raw.get("id")
    where = f"claim #{i + 1}" + (f" ({fig}/{cid})" if cid else "")
    if not isinstance(fig, int) or fig not in CATALOG:
        raise _bad(path, where,
                   f"field 'figure' must be a figure number {min(CATALOG)}-{max(CATALOG)}, got {fig!r}")
    for name in ("id", "quote", "source", "kind"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise _bad(path, where, f"field {name!r} is required (a non-empty string)")
    kind = raw["kind"]
    if kind not in KINDS:
        raise _bad(path, where, f"field 'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
    required, optional = KINDS[kind]
    for name in sorted(required - raw.keys()):
        raise _bad(path, where, f"field {name!r} is required for kind {kind!r}")
    for name in sorted(raw.keys() - required - optional - COMMON):
        raise _bad(path, where, f"unknown field {name!r} for kind {kind!r} (allowed: "
                   f"{', '.join(sorted(required | optional))})")
    p: dict[str, Any] = {}
    if "op" in raw and raw["op"] not in OPS:
        raise _bad(path, where, f"field 'op' must be one of {', '.join(OPS)}, got {raw['op']!r}")
    p["op"] = raw.get("op", "gt")
    p["margin"] = _margin(path, where, raw.get("margin", 0.0))
    if "panels" in raw:
        p["panels"] = _str_list(path, where, "panels", raw["panels"])
    if "each" in raw:
        p["each"] = _str_list(path, where, "each", raw["each"])[0]
    if kind == "compare":
        p["left"] = _selection(path, where, "left", raw["left"], True)
        p["right"] = _selection(path, where, "right", raw["right"], True)
    elif kind in ("frontier", "dominates"):
        p["a"] = _selection(path, where, "a", raw["a"], False)
        p["b"] = _selection(path, where, "b", raw["b"], False)
        p["x"], p["y"] = raw.get("x", "safety"), raw.get("y", "pass_at_1")
        if kind == "dominates" and p["op"] not in ("gt", "geq"):
            raise _bad(path, where, f"field 'op' of a dominates check must be 'gt' or 'geq', got {p['op']!r}")
    elif kind == "trend":
        p["rows"] = _selection(path, where, "rows", raw["rows"], False)
        p["x"], p["metric"] = raw["x"], raw["metric"]
        if ("at_most" in raw) == ("at_least" in raw):
            raise _bad(path, where, "a trend check needs exactly one of 'at_most' or 'at_least'")
        bound = "at_most" if "at_most" in raw else "at_least"
        p[bound] = _number(path, where, bound, raw[bound], -1.0, 1.0)
    else:
        p["table"] = _str_list(path, where, "table", raw["table"])[0]
        p["min_fraction"] = _number(path, where, "min_fraction", raw["min_fraction"], 0.0, 1.0)
        p["where"] = _selection(path, where, "where", raw.get("where", {}), False)
        if kind == "fraction_in_range":
            p["value"] = _str_list(path, where, "value", raw["value"])[0]
            p["lo"] = _number(path, where, "lo", raw.get("lo", -math.inf))
            p["hi"] = _number(path, where, "hi", raw.get("hi", math.inf))
            if p["lo"] > p["hi"]:
                raise _bad(path, where, f"'lo' ({p['lo']:g}) is above 'hi' ({p['hi']:g})")
            if "group_by" in raw:
                p["group_by"] = _str_list(path, where, "group_by", raw["group_by"])
        else:
            p["by"] = _str_list(path, where, "by", raw["by"])[0]
            p["a"], p["b"] = raw["a"], raw["b"]
            p["key"] = _str_list(path, where, "key", raw["key"])
            p["metrics"] = _str_list(path, where, "metrics", raw["metrics"])
            if p["op"] not in ("lt", "gt"):
                raise _bad(path, where, f"field 'op' of a paired check must be 'lt' or 'gt', got {p['op']!r}")
    for name in ("reading", "why"):
        if name in raw and not isinstance(raw[name], str):
            raise _bad(path, where, f"field {name!r} must be a string")
    return Claim(figure=fig, id=raw["id"], quote=" ".join(raw["quote"].split()), source=raw["source"],
                 kind=kind,
                 reading=" ".join(raw.get("reading", "").split()), why=" ".join(raw.get("why", "").split()),
                 params=p)


def load_claims(path: Path | None = None) -> list[Claim]:
    """Parse and validate the claims file; any problem is one ReproError naming the claim and field."""
    path = Path(path) if path is not None else default_claims_path()
    if not path.is_file():
        raise ReproError(f"the claims file {path} does not exist",
                         "run from the repository or set REPRO_CLAIMS to paper_figures/claims.toml")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ReproError(f"{path} is not valid TOML: {exc}", "fix the syntax at the line named") from None
    unknown = set(doc) - {"claim"}
    if unknown:
        raise _bad(path, "top level",
                   f"unknown key(s) {', '.join(sorted(unknown))}: only [[claim]] tables are read")
    raws = doc.get("claim", [])
    if not isinstance(raws, list) or not raws:
        raise _bad(path, "top level", "no [[claim]] tables")
    claims, seen = [], set()
    for i, raw in enumerate(raws):
        c = _claim(path, i, raw)
        if c.ref in seen:
            raise _bad(path, f"claim #{i + 1} ({c.ref})", "duplicate id within its figure")
        seen.add(c.ref)
        claims.append(c)
    return claims


def claims_for(number: int, claims: list[Claim] | None = None) -> list[Claim]:
    return [c for c in (load_claims() if claims is None else claims) if c.figure == number]


# ------------------------------------------------------------------------------------- plain words


def _f(v: float) -> str:
    return "inf" if v == math.inf else "-inf" if v == -math.inf else f"{v:.3f}".rstrip("0").rstrip(".")


def margin_words(margin: float | dict[str, float]) -> str:
    if isinstance(margin, dict):
        return ", ".join(f"{_f(v)} ({'elsewhere' if k == '*' else k})" for k, v in margin.items())
    return _f(margin)


def _v(x: float) -> str:
    return f"{x:.3f}"


def _metric(name: str | None) -> str:
    return {"pass_at_1": "Pass@1"}.get(name or "", name or "")


def _rel(op: str, rhs: str) -> str:
    return {"geq": f"≥ {rhs} − m", "leq": f"≤ {rhs} + m", "gt": f"> {rhs} + m", "lt": f"< {rhs} − m",
            "approx": f"within m of {rhs}"}[op]


def describe(c: Claim) -> str:
    """The check in plain words (m = the margin named in :func:`tolerance_words`)."""
    p = c.params
    scope = f" in each panel on {' / '.join(p['panels'])}" if p.get("panels") else " in each panel"
    each = f", against each {p['each']} of it separately" if p.get("each") else ""
    if c.kind == "compare":
        left, right = p["left"], p["right"]
        rhs = f"{right.words()} {_metric(right.metric)}"
        return f"{left.words()} {_metric(left.metric)} {_rel(p['op'], rhs)}{each}{scope}"
    if c.kind == "frontier":
        return (f"area under the Pareto front ({_metric(p['x'])} × {_metric(p['y'])}) of {p['a'].words()} "
                f"{_rel(p['op'], 'that of ' + p['b'].words())}{each}{scope}")
    if c.kind == "dominates":
        return (f"best point (max {_metric(p['x'])} + {_metric(p['y'])}) of {p['a'].words()} has both "
                "coordinates "
                f"{_rel(p['op'], 'those of the best point of ' + p['b'].words())}{scope}")
    if c.kind == "trend":
        bound = f"≤ {_f(p['at_most'])}" if "at_most" in p else f"≥ {_f(p['at_least'])}"
        return (f"Spearman correlation of {_metric(p['metric'])} with {p['x']} over {p['rows'].words()} "
                f"is {bound}{scope}")
    if c.kind == "fraction_in_range":
        groups = f" for every {'/'.join(p['group_by'])}" if p.get("group_by") else ""
        span = (f"≥ {_f(p['lo'])}" if p["hi"] == math.inf else f"≤ {_f(p['hi'])}" if p["lo"] == -math.inf
                else f"in [{_f(p['lo'])}, {_f(p['hi'])}]")
        return (f"share of {p['value']} values {span} is ≥ {_f(p['min_fraction'])}"
                f"{groups} ({p['table']} rows)")
    sym = OPS[p["op"]]
    return (f"{p['a']} {p['metrics'][0] if len(p['metrics']) == 1 else '/'.join(p['metrics'])} {sym} "
            f"{p['b']}'s, paired by {'/'.join(p['key'])} (mean over other rows), in a share ≥ "
            f"{_f(p['min_fraction'])} of pairs, for each metric")


def tolerance_words(c: Claim) -> str:
    p = c.params
    if c.kind in ("compare", "frontier", "dominates"):
        strict = p["op"] in ("gt", "lt")
        m = margin_words(p["margin"])
        return f"required gap m = {m}" if strict else f"m = {m}"
    if c.kind == "trend":
        return "correlation bound as stated"
    return f"min share {_f(p['min_fraction'])}"


# --------------------------------------------------------------------------------------- evaluation


class _NotEvaluable(Exception):
    pass


def _num(row: dict, name: str) -> float:
    v = row.get(name)
    if isinstance(v, bool) or not isinstance(v, int | float) or math.isnan(v):
        raise _NotEvaluable(f"row {row.get('checkpoint', row)!s} has no number in {name!r} ({v!r})")
    return float(v)


def _label(row: dict) -> str:
    return str(row.get("checkpoint") or row.get("series") or row.get("method") or "?")


def _reduce(sel: Selection, rows: list[dict], where: str) -> tuple[float, str]:
    if not rows:
        raise _NotEvaluable(f"{where}: no row matches {sel.words()}")
    if sel.pick == "only":
        if len(rows) != 1:
            raise _NotEvaluable(f"{where}: {len(rows)} rows match {sel.words()}, "
                                "the check needs one (give pick)")
        return _num(rows[0], sel.metric), _label(rows[0])
    if sel.pick == "final":
        dated = [r for r in rows if isinstance(r.get("epoch"), int | float)
                 and not isinstance(r.get("epoch"), bool)]
        if not dated:
            if len(rows) == 1:
                return _num(rows[0], sel.metric), _label(rows[0])
            raise _NotEvaluable(f"{where}: {sel.words()} has {len(rows)} rows and no epochs")
        last = max(dated, key=lambda r: r["epoch"])
        return _num(last, sel.metric), _label(last)
    vals = [(_num(r, sel.metric), _label(r)) for r in rows]
    if sel.pick == "mean":
        return sum(v for v, _ in vals) / len(vals), f"mean of {len(vals)}"
    return (max if sel.pick == "max" else min)(vals, key=lambda t: t[0])


def _margin_for(margin: float | dict[str, float], panel: str) -> float:
    if not isinstance(margin, dict):
        return margin
    for k, v in margin.items():
        if k != "*" and k in panel:
            return v
    if "*" in margin:
        return margin["*"]
    raise _NotEvaluable(f"{panel}: the margin table names no entry for this panel and has no '*'")


def _holds(op: str, left: float, right: float, m: float) -> tuple[bool, str]:
    """Whether ``left OP right`` with margin m holds, and the threshold as text."""
    if op == "geq":
        return left >= right - m - EPS, f"≥ {_v(right - m)}"
    if op == "leq":
        return left <= right + m + EPS, f"≤ {_v(right + m)}"
    if op == "gt":
        return left > right + m + EPS, f"> {_v(right + m)}"
    if op == "lt":
        return left < right - m - EPS, f"< {_v(right - m)}"
    return abs(left - right) <= m + EPS, f"in [{_v(right - m)}, {_v(right + m)}]"


def hypervolume(points: list[tuple[float, float]]) -> float:
    """Area of the union of [0, x] x [0, y] over the points (higher is better in both)."""
    front = sorted({p for p, on in zip(points, pareto_mask(points), strict=True) if on})
    area, prev_x = 0.0, 0.0
    for x, y in front:  # x ascending, so y descending along the front
        if x > prev_x and y > 0:
            area += (x - prev_x) * y
        prev_x = max(prev_x, x)
    return area


def _groups(rows: list[dict], by: str | None) -> list[tuple[str, list[dict]]]:
    if by is None:
        return [("", rows)]
    out: dict[Any, list[dict]] = defaultdict(list)
    for r in rows:
        out[r.get(by)].append(r)
    return [(f"{by} {k}", v) for k, v in out.items()]


def _panel_check(c: Claim, title: str, rows: list[dict]) -> dict | None:
    """One panel's verdict: None when the check does not concern this panel."""
    p = c.params
    sels = [p[k] for k in ("left", "right", "a", "b", "rows") if k in p]
    matched = [s.rows(rows) for s in sels]
    if not any(matched):
        return None
    if not all(matched):
        missing = [s.words() for s, m in zip(sels, matched, strict=True) if not m]
        raise _NotEvaluable(f"{title}: no row matches {', '.join(missing)}")
    if c.kind == "trend":
        from scipy.stats import spearmanr

        sel = p["rows"]
        pts = [(r.get(p["x"]), r) for r in matched[0]]
        pts = [(float(x), _num(r, p["metric"])) for x, r in pts
               if isinstance(x, int | float) and not isinstance(x, bool)]
        if len(pts) < 3:
            raise _NotEvaluable(f"{title}: {len(pts)} rows of {sel.words()} with a numeric {p['x']}; needs 3")
        xs, ys = [x for x, _ in pts], [y for _, y in pts]
        rho = math.nan if len(set(xs)) < 2 or len(set(ys)) < 2 else float(spearmanr(xs, ys).statistic)
        if math.isnan(rho):
            raise _NotEvaluable(f"{title}: {p['metric']} or {p['x']} is constant over {sel.words()}")
        ok = rho <= p["at_most"] + EPS if "at_most" in p else rho >= p["at_least"] - EPS
        thr = f"≤ {_f(p['at_most'])}" if "at_most" in p else f"≥ {_f(p['at_least'])}"
        return {"panel": title, "ok": ok, "observed": f"{title}: rho {rho:.3f} over {len(pts)} points",
                "threshold": thr, "value": rho}
    m = _margin_for(p["margin"], title)
    if c.kind == "dominates":
        def best(rs):
            pts = [(_num(r, p["x"]), _num(r, p["y"]), _label(r)) for r in rs]
            return max(pts, key=lambda t: (t[0] + t[1], t[1]))

        (ax, ay, al), (bx, by_, bl) = best(matched[0]), best(matched[1])
        okx, tx = _holds(p["op"], ax, bx, m)
        oky, ty = _holds(p["op"], ay, by_, m)
        observed = f"{title}: {al} ({_v(ax)}, {_v(ay)}) vs {bl} ({_v(bx)}, {_v(by_)})"
        return {"panel": title, "ok": okx and oky, "observed": observed, "threshold": f"x {tx}, y {ty}",
                "value": [ax, ay, bx, by_]}
    left_rows, right_rows = matched
    worst = None
    for gname, grows in _groups(right_rows, p.get("each")):
        if c.kind == "compare":
            lv, ll = _reduce(p["left"], left_rows, title)
            rv, rl = _reduce(p["right"], grows, title)
        else:
            lv = hypervolume([(_num(r, p["x"]), _num(r, p["y"])) for r in left_rows])
            rv = hypervolume([(_num(r, p["x"]), _num(r, p["y"])) for r in grows])
            ll, rl = f"front area of {p['a'].words()}", f"of {gname or p['b'].words()}"
        ok, thr = _holds(p["op"], lv, rv, m)
        slack = {"geq": lv - rv + m, "leq": rv + m - lv, "gt": lv - rv - m, "lt": rv - m - lv,
                 "approx": m - abs(lv - rv)}[p["op"]]
        shown = f"{rl}, {gname}" if gname and c.kind == "compare" else rl
        entry = {"panel": title, "ok": ok, "observed": f"{title}: {_v(lv)} ({ll}) vs {_v(rv)} ({shown})",
                 "threshold": thr, "value": [lv, rv], "slack": slack}
        if worst is None or slack < worst["slack"]:
            worst = entry
    return worst


def _per_panel(c: Claim, data: dict) -> list[dict]:
    panels = data.get("panels")
    if not isinstance(panels, list):
        raise _NotEvaluable("the figure's data has no 'panels'")
    wanted = c.params.get("panels")
    out = []
    for pan in panels:
        title = str(pan.get("title", ""))
        if wanted and not any(w in title for w in wanted):
            continue
        try:
            # Per-seed rows are read through their mean row (the point the panel draws).
            res = _panel_check(c, title, [r for r in pan.get("points", []) if r.get("role") != "seed"])
        except _NotEvaluable as exc:
            res = {"panel": title, "ok": None, "observed": str(exc), "threshold": ""}
        if res is not None:
            out.append(res)
    if not out:
        scope = f" titled with {' / '.join(wanted)}" if wanted else ""
        raise _NotEvaluable(f"no panel{scope} has the rows this check reads")
    return out


def _table(c: Claim, data: dict) -> list[dict]:
    rows = data.get(c.params["table"])
    if not isinstance(rows, list) or not rows:
        raise _NotEvaluable(f"the figure's data has no rows in {c.params['table']!r}")
    return c.params["where"].rows(rows)


def _fraction_in_range(c: Claim, data: dict) -> list[dict]:
    p = c.params
    rows = _table(c, data)
    keys = p.get("group_by")
    groups: dict[tuple, list] = defaultdict(list)
    for r in rows:
        groups[tuple(r.get(k) for k in keys) if keys else ()].append(r.get(p["value"]))
    out = []
    for g, vals in groups.items():
        inside = sum(1 for v in vals if isinstance(v, int | float) and p["lo"] <= v <= p["hi"])
        frac = inside / len(vals)
        name = ("/".join(map(str, g)) + ": ") if g else ""
        missing = sum(1 for v in vals if not isinstance(v, int | float))
        nums = sorted(v for v in vals if isinstance(v, int | float))
        median = f", median {nums[len(nums) // 2]:.3g}" if nums else ""
        out.append({"group": list(g), "ok": frac >= p["min_fraction"] - EPS, "value": frac,
                    "observed": f"{name}{inside}/{len(vals)} = {frac:.2f} in range{median}"
                                + (f" ({missing} undefined)" if missing else ""),
                    "threshold": f"≥ {_f(p['min_fraction'])}"})
    if not out:
        raise _NotEvaluable(f"no rows of {p['table']!r} match")
    return out


def _paired(c: Claim, data: dict) -> list[dict]:
    p = c.params
    rows = _table(c, data)
    sums: dict[tuple, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        side = r.get(p["by"])
        if side not in (p["a"], p["b"]):
            continue
        for m in p["metrics"]:
            v = r.get(m)
            if isinstance(v, int | float) and not isinstance(v, bool) and not math.isnan(v):
                sums[(side, *(r.get(k) for k in p["key"]))][m].append(float(v))
    out = []
    for m in p["metrics"]:
        keys_a = {k[1:] for k, d in sums.items() if k[0] == p["a"] and d[m]}
        keys_b = {k[1:] for k, d in sums.items() if k[0] == p["b"] and d[m]}
        common = sorted(keys_a & keys_b, key=str)
        if not common:
            out.append({"metric": m, "ok": None, "observed": f"{m}: no {'/'.join(p['key'])} has both "
                        f"{p['a']} and {p['b']} values", "threshold": ""})
            continue
        wins, exceptions = 0, []
        for k in common:
            va = sum(sums[(p["a"], *k)][m]) / len(sums[(p["a"], *k)][m])
            vb = sum(sums[(p["b"], *k)][m]) / len(sums[(p["b"], *k)][m])
            if (va < vb) if p["op"] == "lt" else (va > vb):
                wins += 1
            else:
                exceptions.append("/".join(map(str, k)))
        frac = wins / len(common)
        more = " ..." if len(exceptions) > 4 else ""
        shown = f"; exceptions: {', '.join(exceptions[:4])}{more}" if exceptions else ""
        out.append({"metric": m, "ok": frac >= p["min_fraction"] - EPS, "value": frac,
                    "observed": f"{m}: {wins}/{len(common)} = {frac:.2f}{shown}",
                    "threshold": f"≥ {_f(p['min_fraction'])}"})
    return out


EVALUATORS = {"compare": _per_panel, "frontier": _per_panel, "dominates": _per_panel, "trend": _per_panel,
              "fraction_in_range": _fraction_in_range, "paired": _paired}


def evaluate_claim(c: Claim, data: dict) -> Outcome:
    """pass if every evaluated panel/group holds; fail if any fails; not-evaluable otherwise."""
    try:
        details = EVALUATORS[c.kind](c, data)
    except _NotEvaluable as exc:
        return Outcome(c, "not-evaluable", reason=str(exc))
    oks = [d["ok"] for d in details]
    status = "fail" if False in oks else "not-evaluable" if None in oks else "pass"
    reason = "; ".join(d["observed"] for d in details if d["ok"] is None)
    for d in details:
        d.pop("slack", None)
    return Outcome(c, status, [d["observed"] for d in details], [d["threshold"] for d in details], reason,
                   details)


def figure_data_path(root: Path, number: int, profile: str) -> Path:
    return Path(root) / f"fig{number:02d}" / profile / f"fig{number:02d}.json"


def load_figure_data(root: Path, number: int, profile: str) -> dict:
    """The JSON a figure wrote when it rendered; one clear error if it never rendered."""
    path = figure_data_path(root, number, profile)
    if not path.is_file():
        raise ReproError(f"figure {number} has not been rendered for the {profile} profile "
                         f"({path} is missing)",
                         f"run `repro figure {number} --profile {profile}`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReproError(f"{path} is not valid JSON ({exc})",
                         f"rerun `repro figure {number} --profile {profile}` to rewrite it") from None
    if data.get("profile", profile) != profile:
        raise ReproError(f"{path} was rendered for the {data['profile']!r} profile, not {profile!r}",
                         f"rerun `repro figure {number} --profile {profile}`")
    return data


def verify_figure(number: int, profile: str, root: Path, claims: list[Claim] | None = None) -> list[Outcome]:
    if number not in CATALOG:
        raise ReproError(f"the paper has no figure {number}", f"choose one of {min(CATALOG)}-{max(CATALOG)}")
    mine = claims_for(number, claims)
    data = load_figure_data(root, number, profile)
    return [evaluate_claim(c, data) for c in mine]
