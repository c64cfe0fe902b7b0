"""The generated parts of every ``paper_figures/figNN/README.md``: the claims table (from
``claims.toml``) and the cost block (from the cost model, ``repro/pipeline/cost.py``).

    python -m repro.figures.readme            # rewrite the blocks (atomic writes, only where changed)
    python -m repro.figures.readme --check    # exit 1 and name the stale READMEs, write nothing

The claims table sits between ``<!-- claims:begin -->`` and ``<!-- claims:end -->``, the cost block
between ``<!-- cost:begin -->`` and ``<!-- cost:end -->``; the rest of a README is written by hand
and left alone. The same command keeps the costs README.md and docs/compute.md quote: README.md's table of every
figure's GPU-hours between ``<!-- figure-costs:begin -->`` and ``<!-- figure-costs:end -->``, docs/compute.md's
paragraph on the union of all figures between ``<!-- union-cost:begin -->`` and ``<!-- union-cost:end -->``.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

from repro import roots
from repro.errors import ReproError
from repro.figures.catalog import CATALOG
from repro.figures.claims import Claim, default_claims_path, describe, load_claims, tolerance_words

BEGIN, END = "<!-- claims:begin -->", "<!-- claims:end -->"
COST_BEGIN, COST_END = "<!-- cost:begin -->", "<!-- cost:end -->"
COST_PROFILES = ("paper", "reduced")
FIGURES_BEGIN, FIGURES_END = "<!-- figure-costs:begin -->", "<!-- figure-costs:end -->"
UNION_BEGIN, UNION_END = "<!-- union-cost:begin -->", "<!-- union-cost:end -->"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def claims_table(number: int, claims: list[Claim]) -> str:
    """The Markdown block (without the markers) for one figure."""
    mine = [c for c in claims if c.figure == number]
    lines = [f"Generated from `paper_figures/claims.toml` by `python -m repro.figures.readme`; "
             f"`repro verify {number} --profile paper` evaluates each check on `fig{number:02d}.json`, with the 95% "
             "interval of each difference beside its margin: a verdict is not decidable where the interval "
             "straddles the threshold, not evaluable without the evidence, and a plumbing check on the smoke "
             "profile ([intervals](../../docs/intervals.md)).", "",
             "| claim | the paper's words | check (m = margin) | tolerance |", "|---|---|---|---|"]
    for c in mine:
        words = f"“{_cell(c.quote)}” ({_cell(c.source)})"
        if c.reading:
            words += f"<br>*Read as:* {_cell(c.reading)}"
        tol = tolerance_words(c) + (f"<br>{_cell(c.why)}" if c.why else "")
        only = f"<br>({', '.join(c.profiles)} profile only)" if c.profiles else ""
        lines.append(f"| `{c.id}`{only} | {words} | {_cell(describe(c))} | {_cell(tol)} |")
    if not mine:
        lines.append("| | (no claim recorded) | | |")
    return "\n".join(lines)


def readme_path(root: Path, number: int) -> Path:
    return root / f"fig{number:02d}" / "README.md"


@functools.cache
def _plans_and_estimates(profile_name: str) -> tuple[dict, dict]:
    """Every figure's steps under ``profile_name`` and each unique step's cost estimate (empty store)."""
    from repro.figures.registry import figure_module
    from repro.pipeline.estimates import estimate
    from repro.pipeline.plan import plan_recipe
    from repro.profiles import get_profile

    profile = get_profile(profile_name)
    plans = {n: plan_recipe(figure_module(n).recipe(profile)) for n in CATALOG}
    return plans, {s.id: estimate(s) for steps in plans.values() for s in steps}


def cost_block(number: int) -> str:
    """GPU-hours (by step kind and GPU type) and disk of the figure run alone, per GPU profile, from the cost
    model's stated assumptions; plus what it adds once every other figure has run (shared steps are free)."""
    from repro.pipeline import cost

    lines = [f"Estimated by `repro plan {number} --profile P` from the throughput assumptions in "
             "`repro/pipeline/cost.py` (`repro plan N --json` lists them with their sources); H100-80GB unless "
             "an H200 is named. Alone = this figure from an empty store; after the others = what it adds once the "
             "other eleven figures have run (shared runs and generations are not redone).", "",
             "| profile | GPU-hours alone | by step kind | GPU type | disk alone | GPU-hours after the others |",
             "|---|---|---|---|---|---|"]
    for name in COST_PROFILES:
        plans, est = _plans_and_estimates(name)
        t = cost.totals([est[s.id] for s in plans[number]])
        others = {s.id for n, steps in plans.items() if n != number for s in steps}
        marginal = sum(est[s.id].gpu_hours for s in plans[number] if s.id not in others)
        kinds = ", ".join(f"{k} {v:.1f}" for k, v in sorted(t["gpu_hours_by_kind"].items(), key=lambda kv: -kv[1])
                          if v >= 0.05)
        devices = ", ".join(f"{d} {h:.1f} h" for d, h in sorted(t["gpu_hours_by_device"].items()))
        lines.append(f"| `{name}` | {t['gpu_hours']:.1f} | {kinds} | {devices} | {cost.human_bytes(t['disk_bytes'])} "
                     f"| {marginal:.1f} |")
    lines += ["", "The smoke profile runs the same steps on CPU in minutes (`repro figure "
              f"{number} --profile smoke`)."]
    return "\n".join(lines)


def updated_text(text: str, block: str, path: Path, begin: str = BEGIN, end: str = END) -> str:
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        raise ReproError(f"{path} must hold exactly one {begin} ... {end} block",
                         "add the two marker lines where the generated block belongs")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{block}\n{end}{tail}"


def generated_text(text: str, number: int, claims: list[Claim], path: Path) -> str:
    """``text`` with both generated blocks brought up to date."""
    text = updated_text(text, claims_table(number, claims), path)
    return updated_text(text, cost_block(number), path, COST_BEGIN, COST_END)


def stale_readmes(root: Path | None = None, claims: list[Claim] | None = None) -> list[Path]:
    """READMEs whose table differs from what ``claims.toml`` generates (or that are missing)."""
    root = root or default_claims_path().parent
    claims = load_claims(root / "claims.toml") if claims is None else claims
    out = []
    for n in CATALOG:
        path = readme_path(root, n)
        if not path.is_file():
            out.append(path)
            continue
        text = path.read_text(encoding="utf-8")
        if generated_text(text, n, claims, path) != text:
            out.append(path)
    return out


def write_readmes(root: Path | None = None, claims: list[Claim] | None = None) -> list[Path]:
    """Rewrite every stale table in place (atomically); return the files changed."""
    from repro.files import atomic_write_text

    root = root or default_claims_path().parent
    claims = load_claims(root / "claims.toml") if claims is None else claims
    missing = [readme_path(root, n) for n in CATALOG if not readme_path(root, n).is_file()]
    if missing:
        raise ReproError(f"no README for {', '.join(str(p) for p in missing)}",
                         f"create it with the sections of fig02's README and the {BEGIN} / {END} markers")
    changed = []
    for n in CATALOG:
        path = readme_path(root, n)
        text = path.read_text(encoding="utf-8")
        new = generated_text(text, n, claims, path)
        if new != text:
            atomic_write_text(path, new)
            changed.append(path)
    return changed


@functools.cache
def _union(profile_name: str) -> dict:
    from repro.pipeline import estimates

    plans, _ = _plans_and_estimates(profile_name)
    return estimates.union_cost(plans)


def figure_costs() -> str:
    """README.md's table: each figure's GPU-hours alone (paper / reduced), then all of them together."""
    alone = {name: {f["figure"]: f["gpu_hours"] for f in _union(name)["figures"]} for name in COST_PROFILES}
    lines = ["Generated by `python -m repro.figures.readme` from `repro plan N --profile paper` / `--profile "
             "reduced` (H100 unless an H200 is named), each figure alone from an empty store. Run together, "
             "figures share training runs and generations:", "",
             "| profile | " + " | ".join(f"Fig. {n}" for n in sorted(CATALOG)) + " |",
             "|---|" + "---|" * len(CATALOG)]
    for name in COST_PROFILES:
        lines.append(f"| `{name}` GPU-h | " + " | ".join(f"{alone[name][n]:.1f}" for n in sorted(CATALOG)) + " |")
    paper = _union("paper")
    lines += ["", f"All {len(CATALOG)} on the paper profile: about {paper['union']['gpu_hours']:.0f} GPU-hours "
              f"together instead of {paper['sum_of_figures_gpu_hours']:.0f} one by one."]
    return "\n".join(lines)


def union_cost_text() -> str:
    """docs/compute.md's paragraph on the paper profile's union."""
    u = _union("paper")
    total = u["union"]
    generate = total["gpu_hours_by_kind"].get("generate", 0.0)
    h200 = total["gpu_hours_by_device"].get("H200", 0.0)
    return (f"Generated by `python -m repro.figures.readme`: `repro plan --all --profile paper` estimates about "
            f"{total['gpu_hours']:.0f} GPU-hours for all {len(CATALOG)} figures together (about {generate:.0f} of "
            f"them generation; {h200:.1f} H200-hours), against about {u['sum_of_figures_gpu_hours']:.0f} when each "
            f"figure is planned alone: sharing saves about {u['saving_pct']:.0f}%.")


def _doc_texts(root: Path) -> list[tuple[Path, str, str]]:
    """(file, its text, its text with the cost model's block) of README.md and docs/compute.md."""
    out = []
    for path, begin, end, block in ((root / "README.md", FIGURES_BEGIN, FIGURES_END, figure_costs()),
                                    (root / "docs" / "compute.md", UNION_BEGIN, UNION_END, union_cost_text())):
        text = path.read_text(encoding="utf-8")
        out.append((path, text, updated_text(text, block, path, begin, end)))
    return out


def stale_docs(root: Path | None = None) -> list[Path]:
    """The files whose cost block differs from what the cost model gives."""
    return [path for path, text, new in _doc_texts(root or roots.SOURCE_TREE) if new != text]


def write_docs(root: Path | None = None) -> list[Path]:
    """Rewrite every stale cost block in place (atomically); return the files changed."""
    from repro.files import atomic_write_text

    changed = []
    for path, text, new in _doc_texts(root or roots.SOURCE_TREE):
        if new != text:
            atomic_write_text(path, new)
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--check"]):
        print("usage: python -m repro.figures.readme [--check]", file=sys.stderr)
        return 2
    try:
        if args:
            stale = stale_readmes() + stale_docs()
            for p in stale:
                print(f"stale: {p}")
            return 1 if stale else 0
        for p in write_readmes() + write_docs():
            print(f"rewrote {p}")
    except ReproError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
