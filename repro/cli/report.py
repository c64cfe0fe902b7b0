"""`repro report`: one static page for reviewers, every figure with its images, claims, verdicts, deviations,
cost and the commands that regenerate it."""

from __future__ import annotations

import time

import typer

from repro.cli.app import app, err, out
from repro.errors import ReproError

ProfilesOpt = typer.Option(None, "--profile", "-p", help="profiles to show (repeatable; default: every profile "
                           "rendered under paper_figures/)")


@app.command()
def report(profile: list[str] = ProfilesOpt) -> None:
    """Write paper_figures/report.html: every figure with its rendered images, the paper's claims, the verdicts of
    `repro verify`, deviations, cost and commands, the published base-model numbers beside ours, the environment
    and the licences; offline, no server."""
    from repro.figures.report import write_report
    from repro.profiles import get_profile

    variants = [get_profile(p).variant for p in profile or []]  # an unknown profile is one error line
    t0 = time.time()
    path = write_report(variants)
    if not path.is_file():
        raise ReproError(f"{path} was not written", "check the figures directory")
    err.print(f"report written in {time.time() - t0:.1f} s")
    out.print(str(path))
