"""Reading the JSON data a figure writes when it renders (``<figures root>/figNN/<profile>/figNN.json``)."""

from __future__ import annotations

import json
from pathlib import Path

from repro.errors import ReproError


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
