"""What the commands share: the profile and backend options, resolving a figure's recipe, the store, and tables
that stay readable when piped."""

from __future__ import annotations

import json
import sys

import typer
from rich.table import Table
from rich.text import Text

from repro.cli.app import out
from repro.errors import ReproError

ProfileOpt = typer.Option("paper", "--profile", "-p", help="paper (exact, GPU) | reduced (paper runs, a stated subset "
                          "of the evaluation, GPU) | smoke (tiny models, CPU) | toy (a tiny world that learns, CPU)")
BackendOpt = typer.Option(None, "--backend", help="generation and judging backend: vllm | hf (default: the profile's "
                          "own, vllm for paper/reduced, hf for smoke/toy); another one renders under "
                          "paper_figures/figNN/<profile>-<backend>/")
JsonOpt = typer.Option(False, "--json", help="machine-readable output")


def variant(profile: str, backend: str | None) -> str:
    """The profile name with its backend (``smoke-vllm``), checked before anything runs or is written."""
    from repro.profiles import get_profile

    return get_profile(profile, backend).variant


def one_or_all(command: str, number: int | None, all_figures: bool, profile: str) -> None:
    if (number is None) == (not all_figures):
        raise ReproError("name one figure or --all", f"e.g. `repro {command} 2 --profile {profile}` or "
                         f"`repro {command} --all --profile {profile}`")


def store(profile: str, lock_timeout: float | None = None):
    from repro.pipeline.session import open_store
    from repro.profiles import get_profile

    return open_store(get_profile(profile), lock_timeout)


def recipe(number: int, profile_name: str):
    """(figure module, profile, the figure's recipe in that profile)."""
    from repro.figures.registry import figure_module
    from repro.profiles import get_profile

    module = figure_module(number)
    profile = get_profile(profile_name)
    profile.check_figure(number)
    return module, profile, module.recipe(profile)


def profile_figures(profile_name: str) -> list[int]:
    """The figures a profile has recipes for (``--all``)."""
    from repro.figures.catalog import CATALOG
    from repro.profiles import get_profile

    figures = get_profile(profile_name).figures
    return sorted(CATALOG) if figures is None else sorted(figures)


def table(title: str, columns: tuple[str, ...], rows: list[tuple], right: tuple[str, ...] = (),
          lines: bool = False) -> None:
    """A table: drawn by rich on a terminal; piped, a ``# title`` line, a header and one tab-separated line per
    row, markup dropped, never wrapped, so that it can be grepped and cut."""
    if out.is_terminal:
        t = Table(title=title, show_lines=lines)
        for c in columns:
            t.add_column(c, justify="right" if c in right else "left", overflow="fold")
        for r in rows:
            t.add_row(*map(str, r))
        out.print(t)
        return
    plain = [[Text.from_markup(str(c)).plain.replace("\t", " ").replace("\n", "; ") for c in r] for r in rows]
    sys.stdout.write(f"# {title}\n" + "\t".join(columns) + "\n" + "".join("\t".join(r) + "\n" for r in plain))


def write_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")
