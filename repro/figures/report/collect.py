"""What the reviewer's page shows, gathered as plain data: for every figure and every profile rendered on disk,
its image, claims and verdicts, deviations and banner; the plan's cost; the published base-model numbers next
to ours; the environment; the licences of every model and data set."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from repro import roots
from repro.figures.catalog import CATALOG
from repro.figures.claims import claims_for, describe, load_claims, tolerance_words, verify_figure

# Pass@1 of the base models published by DeepSeek (model card) and open-r1 (README, lighteval), T 0.6, top_p 0.95,
# 32k tokens: the external checks of claims.toml (`published-*`).
PUBLISHED = {
    ("R1-Distill-Qwen-7B", "AIME 2024"): (55.5, 50.8),
    ("R1-Distill-Qwen-7B", "GPQA-Diamond"): (49.1, 50.5),
    ("R1-Distill-Qwen-14B", "AIME 2024"): (69.7, 65.9),
    ("R1-Distill-Qwen-14B", "GPQA-Diamond"): (59.1, 61.5),
}
SOURCES = {"DeepSeek": "https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
           "open-r1": "https://github.com/huggingface/open-r1"}
COSTED = ("paper", "reduced")


@dataclass
class Rendering:
    variant: str  # the profile (with its backend where not its own), e.g. smoke, smoke-vllm
    image: str  # path of the PNG relative to the page
    banner: str
    deviations: list[str]
    outcomes: list[dict]  # repro verify's, one per claim checked on this profile
    date: str = ""  # when the figure's data were written (UTC)
    measured: dict = field(default_factory=dict)  # steps, wall hours and GPU-hours from the store's manifests


@dataclass
class FigureSection:
    number: int
    title: str
    claim: str
    quotes: list[dict]  # the paper's words of each claim, with its check and tolerance
    renderings: list[Rendering] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # profiles asked for and not rendered
    cost: dict[str, dict] = field(default_factory=dict)  # profile -> GPU-hours, disk
    stray: list[str] = field(default_factory=list)  # directories under figNN/ that are no profile's (skipped)


def variants_on_disk(number: int, root: Path) -> list[str]:
    """The profiles figure ``number`` is rendered for under ``root`` (directories that are no profile's left out:
    :func:`stray_dirs`)."""
    return [v for v in _dirs(number, root) if _is_variant(v)]


def stray_dirs(number: int, root: Path) -> list[str]:
    """Directories under ``figNN/`` whose name is no profile's (e.g. a copy kept by hand): named, skipped."""
    return [v for v in _dirs(number, root) if not _is_variant(v)]


def _dirs(number: int, root: Path) -> list[str]:
    d = root / f"fig{number:02d}"
    return sorted(p.name for p in d.iterdir() if p.is_dir() and not p.name.startswith(".")) if d.is_dir() else []


def _is_variant(name: str) -> bool:
    from repro.errors import ReproError
    from repro.profiles import get_profile

    try:
        return get_profile(name).variant == name
    except ReproError:
        return False


def measured(number: int, variant: str) -> dict:
    """What rendering figure ``number`` on ``variant`` took, from the manifests in the profile's store: the steps its
    plan names that are done there, their wall time (hours, summed) and GPU-hours (wall time x GPUs each used)."""
    from repro.figures.registry import figure_module
    from repro.pipeline.plan import plan_recipe
    from repro.profiles import get_profile

    prof = get_profile(variant)
    base = roots.artifacts() / prof.store_name
    steps = plan_recipe(figure_module(number).recipe(prof))
    done, wall, gpu = 0, 0.0, 0.0
    for st in steps:
        f = base / st.kind / st.key / "manifest.json"
        if not f.is_file():
            continue
        try:
            m = json.loads(f.read_text())
        except json.JSONDecodeError:
            continue
        w = float(m.get("wall_time_s") or 0.0)
        done, wall = done + 1, wall + w
        gpu += w * int((m.get("hardware") or {}).get("gpu_count") or 0)
    return {"steps": len(steps), "done": done, "wall_hours": wall / 3600, "gpu_hours": gpu / 3600}


def figure_sections(profiles: list[str], root: Path) -> list[FigureSection]:
    """Every figure: the renderings of ``profiles`` that exist under ``root`` (every rendered profile when empty),
    and, for the ones that do not, what to run."""
    from repro.profiles import get_profile

    claims = load_claims()
    sections = []
    for n, info in CATALOG.items():
        mine = claims_for(n, claims)
        sec = FigureSection(n, info.title, info.claim, [
            {"id": c.id, "quote": c.quote, "source": c.source, "check": describe(c), "tolerance": tolerance_words(c),
             "profiles": list(c.profiles)} for c in mine])
        on_disk = variants_on_disk(n, root)
        sec.stray = stray_dirs(n, root)
        for variant in (profiles or on_disk):
            if variant not in on_disk:
                figures = get_profile(variant).figures
                if figures is None or n in figures:
                    sec.missing.append(variant)
                continue
            path = root / f"fig{n:02d}" / variant / f"fig{n:02d}.json"
            data = json.loads(path.read_text())
            store_base = roots.artifacts() / get_profile(variant).store_name
            outcomes = [o.as_dict() for o in verify_figure(n, variant, root, claims, store_base)]
            sec.renderings.append(Rendering(variant, f"fig{n:02d}/{variant}/fig{n:02d}.png",
                                            get_profile(variant).verdict_note, data.get("deviations", []), outcomes,
                                            time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(path.stat().st_mtime)),
                                            measured(n, variant)))
        sections.append(sec)
    return sections


def plan_costs(sections: list[FigureSection]) -> None:
    """Each figure's GPU-hours and disk for the paper and reduced profiles (estimates of the cost model)."""
    from repro.figures.registry import figure_module
    from repro.pipeline.cost import totals
    from repro.pipeline.estimates import estimate
    from repro.pipeline.plan import plan_recipe
    from repro.profiles import get_profile

    for profile in COSTED:
        prof = get_profile(profile)
        for sec in sections:
            t = totals([estimate(s) for s in plan_recipe(figure_module(sec.number).recipe(prof))])
            sec.cost[profile] = {"gpu_hours": t["gpu_hours"], "cpu_hours": t["cpu_hours"], "disk_bytes": t["disk_bytes"],
                                 "by_device": t["gpu_hours_by_device"]}


def published_rows(root: Path) -> list[dict]:
    """The published base-model numbers beside ours (Fig. 2's base points of the paper and reduced profiles)."""
    ours: dict[tuple[str, str], dict[str, tuple]] = {}
    for variant in variants_on_disk(2, root):
        if variant.split("-", 1)[0] not in COSTED:
            continue
        data = json.loads((root / "fig02" / variant / "fig02.json").read_text())
        for pan in data.get("panels", []):
            model, _, bench = str(pan.get("title", "")).partition(": ")
            base = [p for p in pan.get("points", []) if p.get("series") == "Base" and p.get("role") != "seed"]
            if base and (model, bench) in PUBLISHED:
                b = base[0]
                ci = tuple(100 * float(b[k]) if isinstance(b.get(k), int | float) else None
                           for k in ("reasoning_ci_lo", "reasoning_ci_hi"))
                ours.setdefault((model, bench), {})[variant] = (100 * float(b["reasoning"]), *ci)
    return [{"model": m, "benchmark": b, "deepseek": ds, "open_r1": orr, "ours": ours.get((m, b), {})}
            for (m, b), (ds, orr) in PUBLISHED.items()]


def environment() -> dict:
    from repro.pipeline.provenance import environment as env

    e = env()
    packages = {k: v for k, v in e["packages"].items() if v}
    gpus = e["hardware"].get("gpus") or []
    return {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "git_sha": e["git_sha"], "git_dirty": e["git_dirty"],
            "lock_sha256": e["lock_sha256"], "python": e["python"], "platform": e["platform"], "packages": packages,
            "gpu": ", ".join(f"{g['name']} ({g['memory_mib']} MiB)" for g in gpus) or "none"}


def licences() -> list[dict]:
    """Every model and data set the paper profile uses, with its licence and access terms."""
    from repro.assets.licences import ASSET_TERMS

    return ASSET_TERMS


def page_data(profiles: list[str], root: Path | None = None) -> dict:
    root = root or roots.figures()
    sections = figure_sections(profiles, root)
    plan_costs(sections)
    return {"environment": environment(), "sections": sections, "published": published_rows(root),
            "licences": licences(), "profiles": profiles}
