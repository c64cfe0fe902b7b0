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


def tie_problems(path: Path, data: dict, store_base: Path | None) -> list[str]:
    """What ties the figure's data to the store and does not hold, one line each (empty: tied): the data's own
    digest (an edited file), and each score file it came from (``sources``) against the store at ``store_base``
    (None or missing: the sources are not checked, and the line says so)."""
    import hashlib

    from repro.figures.plot import data_digest

    if "data_sha256" not in data:
        return [f"{path} records no digest: it was not tied to the store when it rendered (rerender it)"]
    if data_digest(data) != data["data_sha256"]:
        return [f"{path} was edited after it rendered: its data do not match the digest it recorded (rerender it)"]
    sources = data.get("sources")
    if not sources:
        return []
    if store_base is None or not Path(store_base).is_dir():
        return [f"{path}: the {len(sources)} score files it came from were not checked (no store at {store_base})"]
    changed, missing = [], []
    for rel, sha in sources.items():
        f = Path(store_base) / rel
        if not f.is_file():
            missing.append(rel)
        elif hashlib.sha256(f.read_bytes()).hexdigest() != sha:
            changed.append(rel)
    out = []
    if changed:
        out.append(f"{path}: {len(changed)} of its {len(sources)} score files changed in the store since it "
                   f"rendered (first: {changed[0]}; rerender it)")
    if missing:
        out.append(f"{path}: {len(missing)} of its {len(sources)} score files are not in the store at {store_base} "
                   f"(first: {missing[0]})")
    return out
