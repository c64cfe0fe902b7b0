"""`repro figure N|--all` and `repro train MODEL MODE`: run what is missing (locally, in worker processes, or as
Slurm jobs), then render."""

from __future__ import annotations

import typer

from repro import roots
from repro.cli.app import app, err, out
from repro.cli.common import BackendOpt, ProfileOpt, one_or_all, profile_figures, recipe, store, variant
from repro.errors import ReproError

ExecutorOpt = typer.Option("local", "--executor", help="local (this process) | slurm (one Slurm job per step, "
                                                         "via submitit) | submitit-local (the same jobs as subprocesses)")
TrainProcessesOpt = typer.Option(1, "--train-processes", help="data-parallel processes per training run; the batch is "
                                 "split so the effective batch stays the recipe's (runs with batch 1 stay in one process)")
SlurmSetupOpt = typer.Option(None, "--slurm-setup", help="shell line run before each Slurm job (repeatable), "
                             "e.g. 'source .venv/bin/activate'")


def make_runner(name: str, train_processes: int, partition: str | None = None, account: str | None = None,
                qos: str | None = None, gpu_mem: int = 80, setup: list[str] | None = None, wait: bool = True,
                jobs: int = 1, stop_on_damage: bool = False):
    from repro.pipeline.executors import make_executor
    from repro.pipeline.executors.slurm import SlurmOptions

    opts = SlurmOptions(partition=partition, account=account, qos=qos, gpu_mem_gb=gpu_mem,
                        setup=tuple(setup or ()), wait=wait)
    return make_executor(name, console=err, train_processes=train_processes, slurm=opts, jobs=jobs,
                         stop_on_damage=stop_on_damage)


@app.command()
def figure(number: int = typer.Argument(None, help="figure number 1-12 (or --all)"), profile: str = ProfileOpt,
           backend: str = BackendOpt,
           all_figures: bool = typer.Option(False, "--all", help="every figure 1-12: their union of steps runs "
                                            "once (a run several figures share is trained once), then each renders"),
           executor: str = ExecutorOpt, train_processes: int = TrainProcessesOpt,
           jobs: int = typer.Option(None, "--jobs", help="local executor: steps run at once in worker processes, "
                                    "each with its share of the CPU threads (default: the profile's, 1 on GPU "
                                    "profiles, 2 for toy)"),
           slurm_partition: str = typer.Option(None, "--slurm-partition", help="Slurm partition for every job"),
           slurm_account: str = typer.Option(None, "--slurm-account", help="Slurm account to charge"),
           slurm_qos: str = typer.Option(None, "--slurm-qos", help="Slurm QOS"),
           slurm_gpu_mem: int = typer.Option(80, "--slurm-gpu-mem", help="GB per GPU on the partition (H100 80, "
                                             "H200 141): sizes each step's GPU request"),
           slurm_setup: list[str] = SlurmSetupOpt,
           wait: bool = typer.Option(True, "--wait/--no-wait", help="slurm: follow the jobs to the end and render, "
                                     "or return after submitting"),
           stop_on_damage: bool = typer.Option(False, "--stop-on-damage", help="stop when a finished step is found "
                                               "damaged or stale, instead of making it again"),
           lock_timeout: float = typer.Option(None, "--lock-timeout", help="seconds to wait for a step another "
                                              "process is running (default: until it ends)")) -> None:
    """Run whatever the figure still needs, then render it under paper_figures/."""
    if lock_timeout is not None and not 0 <= lock_timeout < float("inf"):
        raise ReproError(f"--lock-timeout {lock_timeout} is not a number of seconds (0 or more)",
                         "give 0 (do not wait) or more, or leave it out to wait until the other process ends")
    check_counts(jobs, train_processes)
    profile = variant(profile, backend)
    one_or_all("figure", number, all_figures, profile)
    numbers = profile_figures(profile) if all_figures else [number]
    recipes = [(n, *recipe(n, profile)) for n in numbers]  # every recipe resolves before anything runs
    prof = recipes[0][2]
    if jobs is None:
        jobs = prof.default_jobs if executor == "local" else 1
    runner = make_runner(executor, train_processes, slurm_partition, slurm_account, slurm_qos, slurm_gpu_mem,
                         slurm_setup, wait, jobs, stop_on_damage)
    from repro.pipeline.session import Command, Target, run_and_render

    what = "all figures" if all_figures else f"figure {number}"
    command = Command(("repro", "figure", "--all" if all_figures else str(number)), profile)
    targets = [Target(rec, module.render, roots.figure_dir(n, prof.variant)) for n, module, _, rec in recipes]
    run_and_render(prof, targets, runner, what, command, err, out.print, executor, lock_timeout)


def check_counts(jobs: int | None, train_processes: int) -> None:
    for name, n in (("--jobs", jobs), ("--train-processes", train_processes)):
        if n is not None and n < 1:
            raise ReproError(f"{name} {n} is less than 1", f"give {name} 1 or more")


@app.command()
def train(model: str = typer.Argument(..., help="paper model, e.g. deepseek-ai/DeepSeek-R1-Distill-Qwen-14B"),
          mode: str = typer.Argument(..., help="paper mode string, e.g. lora_up_proj_only_from16_to31_r1"),
          profile: str = ProfileOpt, train_processes: int = TrainProcessesOpt) -> None:
    """Train one run outside any figure (checkpoints land in the same store figures read)."""
    from repro.assets.registry import PAPER_MODELS
    from repro.pipeline.execute import execute
    from repro.pipeline.kinds import TRAIN
    from repro.pipeline.plan import Planner
    from repro.pipeline.preflight import preflight_training
    from repro.profiles import get_profile

    if model not in PAPER_MODELS:
        raise ReproError(f"unknown model {model!r}", f"choose one of: {', '.join(PAPER_MODELS)}")
    prof = get_profile(profile)
    spec = prof.train(PAPER_MODELS[model], mode)  # validates the mode and its layer range
    preflight_training(prof)
    planner = Planner()
    planner.plan(TRAIN, spec)
    st = store(profile)
    counts = execute(list(planner.steps.values()), st, console=err, executor=make_runner("local", train_processes))
    err.print(f"train {spec.key}: ran {counts['ran']} steps, {counts['skipped']} already done")
    out.print(str(st.step_dir("train", spec.key).path))
