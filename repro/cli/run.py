"""`repro run FILE` and `repro eject N`: researchers' own experiments as files, planned, run and rendered like the
paper's figures (same keys, executors and store)."""

from __future__ import annotations

from pathlib import Path

import typer

from repro.cli.app import app, err, out
from repro.cli.common import BackendOpt, JsonOpt, ProfileOpt, variant
from repro.cli.figure import ExecutorOpt, SlurmSetupOpt, TrainProcessesOpt, check_counts, make_runner

FileArg = typer.Argument(..., help="an experiment file (TOML): `repro eject 2 > my.toml` writes one")


@app.command()
def run(file: Path = FileArg,
        plan_only: bool = typer.Option(False, "--plan", help="show the steps, GPU-hours and disk; run nothing"),
        as_json: bool = JsonOpt, executor: str = ExecutorOpt, train_processes: int = TrainProcessesOpt,
        jobs: int = typer.Option(None, "--jobs", help="local executor: steps run at once in worker processes"),
        slurm_partition: str = typer.Option(None, "--slurm-partition"),
        slurm_account: str = typer.Option(None, "--slurm-account"),
        slurm_gpu_mem: int = typer.Option(80, "--slurm-gpu-mem", help="GB per GPU on the partition"),
        slurm_setup: list[str] = SlurmSetupOpt,
        wait: bool = typer.Option(True, "--wait/--no-wait")) -> None:
    """Run an experiment file: train, evaluate and render it into paper_figures/experiments/<file name>/, with a
    README of every setting that differs from the paper's. A run with the paper's settings is the paper's run."""
    from repro.figures import frontier
    from repro.figures.experiment import output_dir, schema, write_readme
    from repro.figures.experiment.build import recipe as build
    from repro.pipeline.plan import plan_recipe
    from repro.pipeline.session import Command, Target, run_and_render
    from repro.profiles import get_profile

    check_counts(jobs, train_processes)
    exp = schema.load(file)
    rec = build(exp, file)
    prof = get_profile(rec.profile)
    if plan_only or as_json:
        from repro.cli.plan import show_steps

        show_steps(plan_recipe(rec), rec.profile, f"{file.stem} ({rec.profile} profile)", as_json)
        return
    runner = make_runner(executor, train_processes, slurm_partition, slurm_account, None, slurm_gpu_mem, slurm_setup,
                         wait, jobs if jobs is not None else (prof.default_jobs if executor == "local" else 1))

    def render(r, st, out_dir):
        return frontier.render(r, st, out_dir, ncols=len(exp.evaluation.benchmarks))

    run_and_render(prof, [Target(rec, render, output_dir(rec.name) / prof.variant)], runner,
                   f"experiment {file.stem}", Command(("repro", "run", str(file))), err, out.print, executor)
    out.print(str(write_readme(file, rec, file)))


@app.command()
def eject(number: int = typer.Argument(..., help="figure number"), profile: str = ProfileOpt,
          backend: str = BackendOpt) -> None:
    """Print figure N's recipe as an experiment file (Figs. 2-6 and 9-12): copy it, edit it, `repro run` it."""
    from repro.figures.experiment.eject import eject as write
    from repro.figures.registry import figure_module
    from repro.profiles import get_profile

    name = variant(profile, backend)
    figure_module(number)  # an unknown figure is its own error line
    out.print(write(number, get_profile(name)), end="", markup=False, highlight=False, soft_wrap=True)
    err.print(f"figure {number} ({name}) as an experiment file; `repro run FILE --plan` shows its steps")
