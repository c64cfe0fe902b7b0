"""Shared plotting: safety-vs-reasoning scatter panels with Pareto fronts, written as PNG, PDF,
JSON and CSV together, atomically (a figure directory is replaced whole or not at all)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from repro.files import building


def profile_note(profile: str) -> str:
    """The banner a figure of ``profile`` carries in its title ("" for the paper profile)."""
    from repro.profiles import get_profile

    note = get_profile(profile).figure_note
    return f"  [{note}]" if note else ""


def pareto_mask(points: list[tuple[float, float]]) -> list[bool]:
    """True where no other point is >= in both coordinates and > in one (higher is better)."""
    out = []
    for i, (x, y) in enumerate(points):
        dominated = any((x2 >= x and y2 >= y and (x2 > x or y2 > y)) for j, (x2, y2) in enumerate(points) if j != i)
        out.append(not dominated)
    return out


def data_digest(data: dict) -> str:
    """The sha256 of a figure's data (its JSON without this digest), as ``repro verify`` recomputes it."""
    import hashlib

    body = {k: v for k, v in data.items() if k != "data_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def write_figure_dir(target: Path, fig, data: dict, rows: list[dict], stem: str) -> list[Path]:
    """Write ``stem``.png/.pdf/.json/.csv into ``target`` atomically; return the files."""
    data = {**data, "data_sha256": data_digest(data)}
    with building(target) as tmp:  # replaced whole and atomically, even with another process rendering it too
        fig.savefig(tmp / f"{stem}.png", dpi=150, bbox_inches="tight")
        fig.savefig(tmp / f"{stem}.pdf", bbox_inches="tight")
        (tmp / f"{stem}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        buf = io.StringIO()
        if rows:  # panels of different kinds write different columns: the header is their union, in order
            w = csv.DictWriter(buf, fieldnames=list(dict.fromkeys(k for r in rows for k in r)), restval="")
            w.writeheader()
            w.writerows(rows)
        (tmp / f"{stem}.csv").write_text(buf.getvalue())
    return [target / f"{stem}.{ext}" for ext in ("png", "pdf", "json", "csv")]
