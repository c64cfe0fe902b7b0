"""`repro report`: the reviewer's page, paper_figures/report.html.

    collect.py  what the page shows, as data (figures, verdicts, costs, published numbers, environment)
    page.py     the HTML
"""

from __future__ import annotations

import os
from pathlib import Path

from repro import roots

REPO_FILES = ("LICENSE", "CITATION.cff", ".zenodo.json", "docs/README.md", "docs/licences.md")


def write_report(profiles: list[str], root: Path | None = None) -> Path:
    """Write ``report.html`` beside the figures under ``root`` (the figures root) and return its path."""
    from repro.figures.report.collect import page_data
    from repro.figures.report.page import render_page
    from repro.files import atomic_write_text

    root = Path(root or roots.figures())
    path = root / "report.html"
    data = page_data(profiles, root)
    # The repository's own files, linked from wherever the figures root is (those present in this checkout).
    data["files"] = {name: os.path.relpath(roots.SOURCE_TREE / name, root) for name in REPO_FILES
                     if (roots.SOURCE_TREE / name).is_file()}
    atomic_write_text(path, render_page(data))
    return path
