"""Where the outputs go, each root from one environment variable (relative paths from the working directory):

    REPRO_ARTIFACTS   the artifact store, one sub-directory per profile store      (default: artifacts)
    REPRO_FIGURES     rendered figures, paper_figures/figNN/<profile>/             (default: paper_figures)

Inputs: the claims file (``REPRO_CLAIMS``, default: the source tree's paper_figures/claims.toml), staged data
(``REPRO_DATA_DIR``) and the Hugging Face cache (``HF_HOME``), the last two read by repro.assets.
"""

from __future__ import annotations

import os
from pathlib import Path

from repro.errors import ReproError

ARTIFACTS_ENV, FIGURES_ENV, CLAIMS_ENV = "REPRO_ARTIFACTS", "REPRO_FIGURES", "REPRO_CLAIMS"
SOURCE_TREE = Path(__file__).resolve().parents[1]  # the checkout this package runs from (editable installs)


def artifacts() -> Path:
    return _root(ARTIFACTS_ENV, "artifacts")


def figures() -> Path:
    return _root(FIGURES_ENV, "paper_figures")


def _root(env: str, default: str) -> Path:
    """The output root ``env`` names: a directory, or a path whose first existing part is one (it is made when
    something is written); a file there is an error line before anything runs."""
    root = Path(os.environ.get(env, default))
    for p in (root, *root.parents):
        if p.exists() or p.is_symlink():
            if not p.is_dir():
                what = "is a file" if p.exists() else "is a link to nothing"
                where = "" if p == root else f" (in {env}={root})"
                raise ReproError(f"{env}: {p} {what}, not a directory{where}",
                                 f"point {env} at a directory (it is made if missing)")
            break
    return root


def figure_dir(number: int, variant: str) -> Path:
    """Where figure ``number`` of profile ``variant`` (e.g. ``smoke``, ``smoke-vllm``) renders."""
    return figures() / f"fig{number:02d}" / variant
