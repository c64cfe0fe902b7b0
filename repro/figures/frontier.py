"""Safety (x) against reasoning (y) over checkpoints, with each panel's Pareto front: the plot form
of Figs. 2-6 and 8-12. A figure module builds the recipe; this module reads the scores and draws.

Every point is written to the CSV with the accounting behind it: sample counts, truncations at the
token cap, judge parse errors, answers not found, scorer exceptions, and the score artifacts' keys.
"""

from __future__ import annotations

from pathlib import Path

from repro.benchmarks import get_benchmark
from repro.errors import ReproError
from repro.figures import intervals
from repro.figures.plot import pareto_mask, profile_note, write_figure_dir
from repro.figures.recipe import FigureRecipe, Panel, Point, Series
from repro.pipeline.runners import read_score
from repro.pipeline.steps import StepId
from repro.pipeline.store import ArtifactStore
from repro.profiles import Profile
from repro.specs import CheckpointSpec


def y_key(benchmark: str, tests: str = "plus") -> str:
    """Which number of the benchmark's score a panel plots (code benchmarks: the plus tests, Fig. 2, or the base
    tests, Fig. 9)."""
    return get_benchmark(benchmark).y_key(tests)


def bench_label(benchmark: str, tests: str = "plus") -> str:
    return get_benchmark(benchmark).axis_label(tests)


def checkpoint_series(profile: Profile, named: list[tuple[str, list[CheckpointSpec], str, str]], benchmark: str,
                      safety: str = "strongreject", tests: str = "plus") -> tuple[Series, ...]:
    """One series per (name, checkpoints, color, marker): each checkpoint's safety and reasoning score."""
    key = y_key(benchmark, tests)
    return tuple(
        Series(name, tuple(Point(c, profile.score(c, safety), profile.score(c, benchmark), key) for c in ckpts),
               color, marker)
        for name, ckpts, color, marker in named
    )


def panel(title: str, series: tuple[Series, ...], benchmark: str, safety: str = "strongreject",
          tests: str = "plus") -> Panel:
    return Panel(title=title, x_label=f"Safety ({bench_label(safety)})",
                 y_label=f"{bench_label(benchmark, tests)} {get_benchmark(benchmark).metric_label}", series=series)


def _point_row(panel: Panel, series: Series, p: Point, sx: dict, sy: dict) -> dict:
    om = getattr(p.checkpoint, "orthomerge", None)  # OrthoMerge checkpoints (Fig. 8) are points per lambda
    return {
        "panel": panel.title, "series": series.name, "checkpoint": p.label, "seed": train_seed(p),
        "epoch": p.checkpoint.epoch if p.checkpoint.epoch is not None and om is None else "",
        "lambda": om.lam if om is not None else "", "orthomerge_k": om.k if om is not None else "",
        "safety": round(sx["value"], 6), "reasoning": round(sy[p.y_key], 6), "pareto": False,
        "reasoning_metric": p.y_key,
        "safety_n": sx["n"], "safety_parse_errors": sx["n_parse_error"], "safety_responses_truncated": sx["n_truncated"],
        "reasoning_n_questions": sy["n_questions"], "reasoning_samples_per_question": sy["n_samples_per_question"],
        "reasoning_truncated": sy["n_truncated"], "reasoning_no_answer": sy["n_no_answer"],
        "reasoning_scorer_exceptions": sy["n_scorer_exceptions"],
        "aime_sent_to_judge": sy.get("n_sent_to_judge", ""),
        "aime_math_verify_pass_at_1": sy.get("math_verify_pass_at_1", ""),
        "aime_disagree_with_math_verify": sy.get("n_disagree_with_math_verify", ""),
        # unjudged AIME: the pass@1 with the rule failures math-verify accepts counted correct (its upper bound)
        "aime_pass_at_1_upper": sy.get("pass_at_1_upper", ""),
        "gpqa_robust_pass_at_1": sy.get("robust_pass_at_1", ""),
        "gpqa_disagree_with_robust": sy.get("n_disagree_with_robust", ""),
        "code_timeouts": sy.get("n_timeouts", ""),
        "safety_score_key": p.x.key, "reasoning_score_key": p.y.key,
    }


def read_point(store: ArtifactStore, rec: FigureRecipe, p: Point) -> tuple[dict, dict]:
    """The safety and reasoning scores of one point; one clear line if they were never computed."""
    sx, sy = read_score(store, p.x), read_score(store, p.y)
    if sx is None or sy is None:
        raise ReproError(f"figure {rec.number}: {p.label} has no scores yet",
                         f"run `repro figure {rec.number} --profile {rec.profile}`")
    if sy.get(p.y_key) is None:
        raise ReproError(f"figure {rec.number}: the score of {p.label} has no {p.y_key!r}",
                         "stage the benchmark's plus tests (see repro/evaluate/SANDBOX.md) and rescore")
    return sx, sy


def style_panel(ax, pan: Panel, ylim: tuple[float, float] | None = None,
                xlim: tuple[float, float] | None = (0.0, 1.0)) -> None:
    """Title, axis labels, grid and legend; x spans the safety scale [0, 1] unless ``xlim`` is None."""
    ax.set_title(pan.title, fontsize=10)
    ax.set_xlabel(pan.x_label, fontsize=9)
    ax.set_ylabel(pan.y_label, fontsize=9)
    if xlim is not None:
        ax.set_xlim(*xlim)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")


def finish(fig, axes, rec: FigureRecipe, panels_data: list[dict], rows: list[dict], out_dir: Path,
           legend_note: str, store: ArtifactStore | None = None) -> list[Path]:
    """Blank unused axes, title the figure (marking non-paper profiles), print ``legend_note`` (how to read the
    markers) under the panels, write PNG/PDF/JSON/CSV."""
    import textwrap

    import matplotlib.pyplot as plt

    for ax in list(axes.flat)[len(rec.panels):]:
        ax.axis("off")
    banner = profile_note(rec.profile)
    fig.suptitle(f"{rec.heading}{banner}", fontsize=10)
    width = max(60, int(fig.get_figwidth() * 16))
    note = textwrap.wrap(legend_note, width)
    # room under the panels for the note's lines (7 pt type, about 0.13 inch a line) and the x labels
    fig.tight_layout(rect=(0, min(0.4, (0.13 * len(note) + 0.05) / fig.get_figheight()), 1, 1))
    fig.text(0.5, 0.005, "\n".join(note), ha="center", va="bottom", fontsize=7, color="0.3")
    data = {"figure": rec.number, "title": rec.title, "claim": rec.claim, "profile": rec.profile,
            "deviations": list(rec.deviations), "panels": panels_data, "note": banner.strip(" []"),
            "legend_note": legend_note}
    if store is not None:
        data["sources"] = score_sources(store, rows)
    files = write_figure_dir(out_dir, fig, data, rows, stem=rec.stem)
    plt.close(fig)
    return files


def score_sources(store: ArtifactStore, rows: list[dict]) -> dict[str, str]:
    """The sha256 of every score file the rows were read from (``score/<key>/<file>`` -> digest), as each score
    step's manifest records them: what ``repro verify`` compares with the store."""
    import json

    out = {}
    for key in sorted({r[k] for r in rows for k in ("safety_score_key", "reasoning_score_key") if r.get(k)}):
        manifest = json.loads((store.step_dir("score", key).path / "manifest.json").read_text())
        out.update({f"{StepId('score', key)}/{name}": o["sha256"] for name, o in sorted(manifest["outputs"].items())})
    return out


def read_verdicts(store: ArtifactStore, score) -> list[dict]:
    """The per-sample verdicts of a finished scoring, checked against its record."""
    from repro.pipeline import integrity
    from repro.pipeline.locate import AGAIN, VERDICTS

    sid = StepId("score", score.key)
    return integrity.read_jsonl(store.step_dir(sid.kind, sid.key).path, VERDICTS, sid, AGAIN)


INTERVAL_FIELDS = ("safety_ci_lo", "safety_ci_hi", "safety_se", "reasoning_ci_lo", "reasoning_ci_hi", "reasoning_se")


def add_intervals(rows: list[dict], ivs: dict[tuple, tuple[dict, dict]]) -> None:
    """Each row's 95% intervals (docs/intervals.md): a point's or seed's own bootstrap, a mean row's from its seeds'
    (the seed rows just before it)."""
    seeds: list[dict] = []
    for r in rows:
        if r.get("role") == "mean":
            parts = {v: intervals.mean_interval([s[v] for s in seeds], [s[f"{v}_se"] for s in seeds])
                     for v in ("safety", "reasoning")}
        else:
            sx, sy = ivs[(r["series"], r["checkpoint"], r["seed"])]
            parts = {"safety": sx, "reasoning": sy}
        seeds = seeds + [r] if r.get("role") == "seed" else []
        for v, iv in parts.items():
            r.update({f"{v}_ci_lo": iv["lo"], f"{v}_ci_hi": iv["hi"], f"{v}_se": iv["se"]})


def train_seed(p: Point) -> int | str:
    """The training seed of a point's checkpoint ("" for the base model)."""
    return p.checkpoint.train.seed if p.checkpoint.train is not None else ""


# Accounting columns a mean row sums over its seeds (a count of truncations stays a count).
_SUMMED = ("safety_n", "safety_parse_errors", "safety_responses_truncated", "reasoning_truncated",
           "reasoning_no_answer", "reasoning_scorer_exceptions", "aime_sent_to_judge",
           "aime_disagree_with_math_verify", "code_timeouts")


def average_seeds(rows: list[dict], values: tuple[str, ...] = ("safety", "reasoning")) -> list[dict]:
    """Rows of one checkpoint trained with several seeds (same panel, series and checkpoint label) become
    ``role="seed"`` rows plus one ``role="mean"`` row with each value's mean, min and max over the seeds;
    a checkpoint with one seed stays one ``role="point"`` row. Order: each group where its first row was."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["panel"], r["series"], r["checkpoint"]), []).append(r)
    out = []
    for group in groups.values():
        if len(group) == 1:
            out.append({**group[0], "role": "point", "n_seeds": 1})
            continue
        mean = {**group[0], "role": "mean", "seed": "mean", "n_seeds": len(group),
                "checkpoint": f"{group[0]['checkpoint']} (mean of {len(group)} seeds)",
                "safety_score_key": "", "reasoning_score_key": ""}
        for v in values:
            xs = [r[v] for r in group if r[v] != ""]
            if xs:
                mean.update({v: round(sum(xs) / len(xs), 6), f"{v}_min": min(xs), f"{v}_max": max(xs)})
        for k in _SUMMED:
            if k in mean and all(isinstance(r.get(k), int) for r in group):
                mean[k] = sum(r[k] for r in group)
        out += [{**r, "role": "seed"} for r in group] + [mean]
    return out


def plotted(rows: list[dict]) -> list[dict]:
    """The rows a panel draws and its fronts are computed over: means and single points, not seed rows."""
    return [r for r in rows if r.get("role") != "seed"]


def panel_rows(store: ArtifactStore, rec: FigureRecipe, pan: Panel) -> list[dict]:
    """One CSV row per point of a frontier panel (per seed, and the seeds' mean where a run has several):
    ``pareto`` is the plotted point's place on the panel's front, ``series_pareto`` on its own series' front
    (seed rows are on neither)."""
    pts = [(s, p, *read_point(store, rec, p)) for s in pan.series for p in s.points]
    rows = average_seeds([_point_row(pan, s, p, sx, sy) for s, p, sx, sy in pts])
    shown = plotted(rows)
    for r, f in zip(shown, pareto_mask([(r["safety"], r["reasoning"]) for r in shown]), strict=True):
        r["pareto"] = f
    for series in pan.series:
        srows = [r for r in shown if r["series"] == series.name]
        for r, f in zip(srows, pareto_mask([(r["safety"], r["reasoning"]) for r in srows]), strict=True):
            r["series_pareto"] = f
    for r in rows:
        r.setdefault("series_pareto", False)
    add_intervals(rows, {(s.name, p.label, train_seed(p)): (intervals.interval(read_verdicts(store, p.x)),
                                                         intervals.interval(read_verdicts(store, p.y), p.y_key))
                         for s, p, _, _ in pts})
    return rows


def error_bars(ax, rows: list[dict], x: str | None, y: str, color: str, xs: list[float] | None = None) -> None:
    """Each point's 95% intervals (docs/intervals.md) as bars, where the rows carry them."""
    for i, r in enumerate(rows):
        if r.get(f"{y}_ci_lo") is None:
            continue
        px = xs[i] if xs is not None else r[x]
        xerr = None
        if x is not None and r.get(f"{x}_ci_lo") is not None:
            xerr = [[max(0.0, r[x] - r[f"{x}_ci_lo"])], [max(0.0, r[f"{x}_ci_hi"] - r[x])]]
        ax.errorbar([px], [r[y]], xerr=xerr, yerr=[[max(0.0, r[y] - r[f"{y}_ci_lo"])],
                                                   [max(0.0, r[f"{y}_ci_hi"] - r[y])]], fmt="none",
                    ecolor=color, elinewidth=0.7, alpha=0.5, capsize=1.5, zorder=2, clip_on=False)


def marker_style(i: int, n: int, marker: str) -> dict:
    """Series drawn so that each shows where points coincide: earlier series as larger open rings, the last one
    filled and smallest, on top (a star stays a filled star)."""
    if marker == "*":
        return {"s": 150, "edgecolors": "black", "linewidths": 0.5, "zorder": 2.5}
    size = 28 + 34 * (n - 1 - i)
    if i == n - 1:
        return {"s": size, "edgecolors": "white", "linewidths": 0.5, "zorder": 4}
    return {"s": size, "facecolors": "none", "linewidths": 1.3, "zorder": 3}


def place_label(placed: list[tuple[float, float]], x: float, y: float, near: float = 0.035) -> bool:
    """Whether a label at (x, y) keeps clear of the labels already placed (and, if so, place it)."""
    if any(abs(x - a) < near and abs(y - b) < near for a, b in placed):
        return False
    placed.append((x, y))
    return True


def draw_frontier(ax, store: ArtifactStore, rec: FigureRecipe, pan: Panel) -> list[dict]:
    """Points annotated with their epoch (where the label has room); dominated points faded; 95% intervals as bars.
    ``pan.front == "series"`` draws each series' own Pareto front as a line (the paper's ablation figures);
    otherwise the series' points are joined in checkpoint order and the panel's front decides the fading."""
    rows = panel_rows(store, rec, pan)
    on_front = "series_pareto" if pan.front == "series" else "pareto"
    placed: list[tuple[float, float]] = []
    for i, series in enumerate(pan.series):
        srows = [r for r in plotted(rows) if r["series"] == series.name]
        error_bars(ax, srows, "safety", "reasoning", series.color)
        line = sorted((r for r in srows if r[on_front]), key=lambda r: r["safety"]) if pan.front == "series" else srows
        if len(line) > 1:
            ax.plot([r["safety"] for r in line], [r["reasoning"] for r in line], color=series.color,
                    alpha=0.6 if pan.front == "series" else 0.35, lw=1, clip_on=False)
        style = marker_style(i, len(pan.series), series.marker)
        color = {"edgecolors": series.color} if style.get("facecolors") == "none" else {"c": series.color}
        for r in srows:
            ax.scatter([r["safety"]], [r["reasoning"]], marker=series.marker, **color, **style, clip_on=False,
                       alpha=1.0 if r[on_front] else 0.3)
            tag = str(r["epoch"]) if r["epoch"] != "" else (f"λ{r['lambda']:g}" if r["lambda"] != "" else "")
            if tag and (r[on_front] or pan.front == "panel") and place_label(placed, r["safety"], r["reasoning"]):
                ax.annotate(tag, (r["safety"], r["reasoning"]), fontsize=7, xytext=(3, 3),
                            textcoords="offset points", color=series.color)
        ax.scatter([], [], marker=series.marker, label=series.name, **color, **style)
    style_panel(ax, pan, ylim=(0.0, 1.0))
    return rows


DRAWERS = {"frontier": draw_frontier}
FRONTIER_NOTE = ("faded markers are dominated (off the Pareto front: the panel's, or for ablation panels each "
                 "series' own, drawn as a line); numbers next to points are epochs (where they have room), λ values "
                 "OrthoMerge scales; bars are 95% bootstrap intervals over questions (docs/intervals.md); with "
                 "several training seeds a point is their mean; coinciding series show as nested rings")


def render(rec: FigureRecipe, store: ArtifactStore, out_dir: Path, ncols: int, drawers: dict | None = None,
           note: str = FRONTIER_NOTE) -> list[Path]:
    """Panels in rows of ``ncols``, each drawn by the drawer of its ``kind`` (``drawers`` adds kinds)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawers = {**DRAWERS, **(drawers or {})}
    ncols = max(1, min(ncols, len(rec.panels)))  # a profile with fewer benchmarks draws fewer columns
    nrows = -(-len(rec.panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.9 * nrows), squeeze=False)
    rows, panels_data = [], []
    for ax, pan in zip(axes.flat, rec.panels, strict=False):
        if pan.kind not in drawers:
            raise ReproError(f"figure {rec.number}: panel {pan.title!r} has kind {pan.kind!r} with no drawer",
                             f"known kinds: {', '.join(drawers)}")
        prows = drawers[pan.kind](ax, store, rec, pan)
        rows += prows
        panels_data.append({"title": pan.title, "kind": pan.kind, "x_label": pan.x_label, "y_label": pan.y_label,
                            "points": prows})
    return finish(fig, axes, rec, panels_data, rows, out_dir, note, store)
