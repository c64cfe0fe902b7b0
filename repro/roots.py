"""Where the outputs go, each root from one environment variable (relative paths from the working directory):

    REPRO_ARTIFACTS   the artifact store, one sub-directory per profile store      (default: artifacts)
    REPRO_FIGURES     rendered figures, paper_figures/figNN/<profile>/             (default: paper_figures)

Staged data (``REPRO_DATA_DIR``) and the Hugging Face cache (``HF_HOME``) are inputs, read by repro.assets.
"""

from __future__ import annotations

import os
from pathlib import Path

ARTIFACTS_ENV, FIGURES_ENV = "REPRO_ARTIFACTS", "REPRO_FIGURES"


def artifacts() -> Path:
    return Path(os.environ.get(ARTIFACTS_ENV, "artifacts"))


def figures() -> Path:
    return Path(os.environ.get(FIGURES_ENV, "paper_figures"))


def figure_dir(number: int, variant: str) -> Path:
    """Where figure ``number`` of profile ``variant`` (e.g. ``smoke``, ``smoke-vllm``) renders."""
    return figures() / f"fig{number:02d}" / variant
