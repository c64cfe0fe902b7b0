"""Experiments: the recipe language of the safety-reasoning figures (Figs. 2-6, 9-12: their modules make one per
profile) and of researchers' own files (`repro eject N` writes a figure's out; `repro run FILE` runs one with the
same plan, executors and store as the paper's figures).

    schema.py  the format, as typed pydantic models; a bad file is one line (file, line, key, problem, fix)
    build.py   an experiment -> a figure recipe (the profile's specs, so shared runs keep their keys)
    eject.py   an experiment -> TOML (`repro eject N`)
"""

from __future__ import annotations

from pathlib import Path

from repro import roots
from repro.errors import ReproError


def name_problem(name: str) -> str | None:
    """What keeps ``name`` from being a plain name (one path component of its own), or None."""
    if not name:
        return "is empty"
    if "/" in name or "\\" in name:
        return "has path parts"
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in name):
        return "has control characters"
    if name.startswith("."):
        return "starts with a dot"
    if len(name.encode("utf-8")) > 200:
        return "is longer than 200 bytes"
    return None


def output_dir(name: str) -> Path:
    """Where experiment ``name`` renders: paper_figures/experiments/<name>/, and nowhere else."""
    problem = name_problem(name)
    if problem:
        raise ReproError(f"experiment name {name!r} {problem}", "name the experiment file with a plain name")
    return roots.figures() / "experiments" / name


def write_readme(path: Path, rec, source: Path) -> Path:
    """The experiment's README: where it comes from, how to rerun it, every setting that differs from the paper's."""
    from repro.files import atomic_write_text

    devs = "\n".join(f"- {d}" for d in rec.deviations)
    readme = output_dir(rec.name) / "README.md"
    atomic_write_text(readme, f"""# {rec.name}: {rec.title}

From the experiment file `{source}` ({rec.profile} profile).

    repro run {source} --plan     # its steps, GPU-hours and disk
    repro run {source}            # run what is missing, then render here

Outputs: `{rec.profile}/{rec.name}.{{png,pdf,json,csv}}` beside this file.

## Settings that differ from the paper's

{devs or "- none"}

## The file

```toml
{source.read_text(encoding="utf-8").rstrip()}
```
""")
    return readme
