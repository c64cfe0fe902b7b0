"""The ``repro`` command line: one module per command, each a thin layer over figures, profiles and the pipeline.

    app.py           the Typer app, its consoles, the entry point (one error line, exit 2)
    common.py        options, recipes, the store, piped-friendly tables
    list_figures.py  repro list          show.py   repro show      plan.py    repro plan
    figure.py        repro figure, repro train                     score.py   repro score
    fetch.py         repro fetch         check.py  repro check     verify.py  repro verify
    report.py        repro report        run.py    repro run, repro eject
"""

from repro.cli import (  # noqa: F401  (registration)
    check,
    fetch,
    figure,
    list_figures,
    plan,
    report,
    run,
    score,
    show,
    verify,
)
from repro.cli.app import app, main

__all__ = ["app", "main"]
