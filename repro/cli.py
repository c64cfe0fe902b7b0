"""The ``repro`` command line: thin commands over figures, profiles and the pipeline."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from repro.errors import ReproError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="Reproduce 'LoRA is All You Need for Safety Alignment of Reasoning LLMs', figure by figure.")
out = Console()
err = Console(stderr=True)

ProfileOpt = typer.Option("paper", "--profile", "-p", help="paper (exact, GPU) | smoke (tiny models, CPU)")


def _root(env: str, default: str) -> Path:
    return Path(os.environ.get(env, default))


def _store(profile: str):
    from repro.pipeline.store import ArtifactStore

    return ArtifactStore(_root("REPRO_ARTIFACTS", "artifacts"), profile)


def _recipe(number: int, profile_name: str):
    from repro.figures.registry import figure_module
    from repro.profiles import get_profile

    module = figure_module(number)
    profile = get_profile(profile_name)
    return module, profile, module.recipe(profile)


@app.command("list")
def list_figures() -> None:
    """The figures, their claim, and their state per profile."""
    from repro.figures.catalog import CATALOG
    from repro.figures.registry import IMPLEMENTED
    from repro.pipeline.execute import step_status
    from repro.pipeline.plan import plan_recipe
    from repro.profiles import PROFILES

    table = Table(title="Figures of the paper")
    table.add_column("fig", justify="right")
    table.add_column("title / claim")
    for name in PROFILES:
        table.add_column(name)
    for n, info in CATALOG.items():
        states = []
        for name in PROFILES:
            if n not in IMPLEMENTED:
                states.append(f"[dim]planned ({info.planned_in})[/dim]")
                continue
            _, _, rec = _recipe(n, name)
            steps = plan_recipe(rec)
            done = sum(step_status(_store(name), s) == "done" for s in steps)
            rendered = (_root("REPRO_FIGURES", "paper_figures") / f"fig{n:02d}" / name / f"fig{n:02d}.png").is_file()
            states.append("[green]rendered[/green]" if rendered and done == len(steps) else f"{done}/{len(steps)} steps")
        table.add_row(str(n), f"[bold]{info.title}[/bold]\n{info.claim}", *states)
    out.print(table)


@app.command()
def show(number: int = typer.Argument(..., help="figure number 1-12"), profile: str = ProfileOpt,
         as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """The fully resolved recipe: every run, evaluation and setting."""
    from repro.pipeline.describe import describe_recipe

    _, _, rec = _recipe(number, profile)
    d = describe_recipe(rec)
    if as_json:
        sys.stdout.write(json.dumps(d, indent=2, ensure_ascii=False) + "\n")
        return
    out.print(f"[bold]Figure {d['figure']}[/bold] ({d['profile']} profile): {d['title']}")
    out.print(f"[italic]{d['claim']}[/italic]\n")
    for r in d["runs"]:
        lora, opt, sched = r["lora"], r["optimizer"], r["lr_schedule"]
        out.print(f"[bold cyan]run[/bold cyan] {r['model']['name']} [bold]{r['mode']}[/bold]  [dim]{r['key']}[/dim]")
        if lora:
            layers = lora["layers"] if lora["layers"] == "all" else f"{lora['layers']['first']}-{lora['layers']['last']}"
            out.print(f"    LoRA r={lora['r']} alpha={lora['alpha']} dropout={lora['dropout']} on "
                      f"{', '.join(lora['target_modules'])}; layers {layers}")
        else:
            out.print("    full fine-tuning: all weights")
        if r.get("regularizer"):
            reg = r["regularizer"]
            out.print(f"    + {reg['variant']} penalty, beta {reg['beta']:g}, k {reg['k']} (k policy {reg['k_policy']}), "
                      f"{reg['reduction']}")
        out.print(f"    {r['epochs']} epochs x {r['steps_per_epoch']} steps, batch {r['batch_size']} "
                  f"(effective {r['effective_batch_size']}), {opt['name']} betas {opt['betas']} eps {opt['eps']:g}, "
                  f"lr {r['learning_rate']:g}, weight decay {opt['weight_decay']:g}, grad clip {opt['max_grad_norm']}")
        out.print(f"    {sched['type']} decay to 0, warmup {sched['warmup_steps']}; precision {r['precision']}; "
                  f"{r['loss']}; seed {r['seed']}")
        out.print(f"    checkpoints at steps {', '.join(str(c['step']) for c in r['checkpoints'])}")
    out.print()
    for ev in d["evaluations"]:
        dec = ev["decoding"]
        out.print(f"[bold magenta]eval[/bold magenta] [bold]{ev['benchmark']}[/bold]: {ev['data']['name']} "
                  f"@ {ev['data']['revision']} (prompt {ev['prompt_template']}, backend {ev['backend']})")
        out.print(f"    n={dec['n_samples']} seeds {dec['seeds']}, temperature {dec['temperature']}, top_p {dec['top_p']}, "
                  f"max new tokens {dec['max_new_tokens']}, stop {dec['stop']}; scorer {ev['scorer']} -> {ev['metric']}")
        if ev["judge"]:
            out.print(f"    judge {ev['judge']['model']} @ {ev['judge']['revision']}, "
                      f"temperature {ev['judge']['decoding']['temperature']}, "
                      f"max {ev['judge']['decoding']['max_new_tokens']} tokens")
    for an in d.get("analyses", []):
        out.print(f"[bold green]analysis[/bold green] [bold]{an['analysis']}[/bold] of {an['checkpoint']} "
                  f"per {an['per']}: dW = {an['update']}; {an['metrics']}")
    out.print()
    for dev in d["deviations"]:
        out.print(f"[yellow]deviation:[/yellow] {dev}")


@app.command()
def plan(number: int = typer.Argument(..., help="figure number 1-12"), profile: str = ProfileOpt) -> None:
    """The steps of a figure: which are done, which would run."""
    from repro.pipeline.execute import step_status
    from repro.pipeline.plan import plan_recipe

    _, _, rec = _recipe(number, profile)
    steps = plan_recipe(rec)
    store = _store(profile)
    t = Table(title=f"Figure {number}, {profile} profile: {len(steps)} steps")
    for c in ("#", "kind", "step", "state"):
        t.add_column(c)
    counts: dict[str, int] = {}
    for i, s in enumerate(steps, 1):
        state = step_status(store, s)
        counts[state] = counts.get(state, 0) + 1
        color = {"done": "green", "partial": "yellow", "todo": "white"}[state]
        t.add_row(str(i), s.kind, s.label, f"[{color}]{state}[/{color}]")
    out.print(t)
    out.print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


ExecutorOpt = typer.Option("local", "--executor", help="local (this process) | slurm (one Slurm job per step, "
                                                         "via submitit) | submitit-local (the same jobs as subprocesses)")
TrainProcessesOpt = typer.Option(1, "--train-processes", help="data-parallel processes per training run; the batch is "
                                 "split so the effective batch stays the recipe's (runs with batch 1 stay in one process)")

SlurmSetupOpt = typer.Option(None, "--slurm-setup", help="shell line run before each Slurm job (repeatable), "
                             "e.g. 'source .venv/bin/activate'")


def _executor(name: str, train_processes: int, partition: str | None = None, account: str | None = None,
              qos: str | None = None, gpu_mem: int = 80, setup: list[str] | None = None, wait: bool = True):
    from repro.pipeline.executors import make_executor
    from repro.pipeline.executors.slurm import SlurmOptions

    opts = SlurmOptions(partition=partition, account=account, qos=qos, gpu_mem_gb=gpu_mem,
                        setup=tuple(setup or ()), wait=wait)
    return make_executor(name, console=err, train_processes=train_processes, slurm=opts)


@app.command()
def figure(number: int = typer.Argument(..., help="figure number 1-12"), profile: str = ProfileOpt,
           executor: str = ExecutorOpt, train_processes: int = TrainProcessesOpt,
           slurm_partition: str = typer.Option(None, "--slurm-partition", help="Slurm partition for every job"),
           slurm_account: str = typer.Option(None, "--slurm-account", help="Slurm account to charge"),
           slurm_qos: str = typer.Option(None, "--slurm-qos", help="Slurm QOS"),
           slurm_gpu_mem: int = typer.Option(80, "--slurm-gpu-mem", help="GB per GPU on the partition (H100 80, "
                                             "H200 141): sizes each step's GPU request"),
           slurm_setup: list[str] = SlurmSetupOpt,
           wait: bool = typer.Option(True, "--wait/--no-wait", help="slurm: follow the jobs to the end and render, "
                                     "or return after submitting")) -> None:
    """Run whatever the figure still needs, then render it under paper_figures/."""
    t0 = time.time()
    module, prof, rec = _recipe(number, profile)
    runner = _executor(executor, train_processes, slurm_partition, slurm_account, slurm_qos, slurm_gpu_mem,
                       slurm_setup, wait)
    from repro.pipeline.preflight import preflight

    if executor != "slurm":  # Slurm jobs run on GPU nodes, not on the submitting host
        preflight(prof, rec)
    from repro.pipeline.execute import execute
    from repro.pipeline.plan import plan_recipe

    steps = plan_recipe(rec)
    store = _store(profile)
    counts = execute(steps, store, console=err, executor=runner)
    pending = [s for s in steps if not store.step_dir(s.kind, s.key).done]
    if pending:
        err.print(f"figure {number} ({profile}): {counts.get('submitted', 0)} jobs submitted, {len(pending)} steps "
                  f"not finished yet; rerun `repro figure {number} --profile {profile}` when they are, to render")
        return
    target = _root("REPRO_FIGURES", "paper_figures") / f"fig{number:02d}" / profile
    files = module.render(rec, store, target)
    ran = ", ".join(f"{k} {v}" for k, v in counts.items() if k not in ("ran", "skipped")) or "nothing"
    err.print(f"figure {number} ({profile}): ran {counts['ran']} steps ({ran}), {counts['skipped']} already done, "
              f"{time.time() - t0:.1f} s")
    for f in files:
        out.print(str(f))


@app.command()
def train(model: str = typer.Argument(..., help="paper model, e.g. deepseek-ai/DeepSeek-R1-Distill-Qwen-14B"),
          mode: str = typer.Argument(..., help="paper mode string, e.g. lora_up_proj_only_from16_to31_r1"),
          profile: str = ProfileOpt, train_processes: int = TrainProcessesOpt) -> None:
    """Train one run outside any figure (checkpoints land in the same store figures read)."""
    from repro.assets.registry import PAPER_MODELS
    from repro.profiles import get_profile

    if model not in PAPER_MODELS:
        raise ReproError(f"unknown model {model!r}", f"choose one of: {', '.join(PAPER_MODELS)}")
    prof = get_profile(profile)
    spec = prof.train(PAPER_MODELS[model], mode)  # validates the mode and its layer range
    from repro.pipeline.execute import execute
    from repro.pipeline.plan import Planner
    from repro.pipeline.preflight import preflight_training

    preflight_training(prof)
    planner = Planner()
    planner.train(spec)
    store = _store(profile)
    counts = execute(list(planner.steps.values()), store, console=err, executor=_executor("local", train_processes))
    err.print(f"train {spec.key}: ran {counts['ran']} steps, {counts['skipped']} already done")
    out.print(str(store.step_dir("train", spec.key).path))


@app.command()
def score(
    benchmark: Annotated[str, typer.Argument(help="aime24 | gpqa_diamond | humaneval | mbpp | strongreject | beavertails")],
    responses: Annotated[Path, typer.Argument(help='JSONL file, one {"id": ..., "response": ...} per line')],
    profile: str = ProfileOpt,
    verdicts: Annotated[Path | None, typer.Option("--verdicts", help="also write per-sample verdicts (JSONL) here")] = None,
    judge: Annotated[Path | None, typer.Option("--judge", help="local judge model dir (Llama-Guard-3-8B for safety; "
                                               "Qwen2.5-32B-Instruct for AIME mismatches, else left unjudged)")] = None,
    backend: Annotated[str, typer.Option("--backend", help="judge backend: hf | vllm")] = "hf",
) -> None:
    """Score responses generated elsewhere; print a JSON summary (no generation, no GPU for most)."""
    from repro.pipeline.rescore import rescore
    from repro.pipeline.store import atomic_write_text
    from repro.profiles import get_profile

    if verdicts is not None and verdicts.exists():
        raise ReproError(f"{verdicts} already exists", "choose a new --verdicts path; nothing was overwritten")
    scored = rescore(benchmark, responses, get_profile(profile), judge, backend)
    if verdicts is not None:
        atomic_write_text(verdicts, "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in scored.verdicts))
    sys.stdout.write(json.dumps({"benchmark": benchmark, "file": str(responses), **scored.summary}, indent=2,
                                default=str) + "\n")


@app.command()
def fetch(number: int = typer.Argument(None, help="figure number 1-12 (or --all)"),
          all_assets: bool = typer.Option(False, "--all", help="every model and dataset pinned in the registry"),
          profile: str = ProfileOpt,
          dry_run: bool = typer.Option(False, "--dry-run", help="list every asset with revision, size and whether "
                                       "it is staged here; no network")) -> None:
    """Stage the models and datasets a figure needs at their pinned revisions, checksums verified,
    so that later runs need no network."""
    from repro.assets import fetch as F

    if (number is None) == (not all_assets):
        raise ReproError("name one figure or --all", "e.g. `repro fetch 2 --dry-run` or `repro fetch --all`")
    assets = F.registry_assets() if all_assets else F.assets_of(_recipe(number, profile)[2])
    what = "the registry" if all_assets else f"figure {number} ({profile})"
    if not assets:
        out.print(f"nothing to fetch for {what}: its models are built in-process and its data ship with the package")
        return
    if dry_run:
        rows = F.plan(assets)
        t = Table(title=f"Assets for {what}: {len(rows)}")
        for c in ("kind", "name", "revision", "size", "state", "size source"):
            t.add_column(c, overflow="fold")
        for r in rows:
            rev = r["revision"] if r["revision"] != "UNPINNED" else "[yellow]UNPINNED[/yellow] (fetch prints the pin)"
            state = "[green]staged[/green]" if r["state"] == "staged" else "missing"
            t.add_row(r["kind"], r["name"] + (" [red](gated)[/red]" if r["gated"] else ""), rev,
                      F.human(r["size_bytes"]), state, r["size_source"])
        out.print(t)
        total = sum(r["size_bytes"] or 0 for r in rows)
        missing = sum(r["size_bytes"] or 0 for r in rows if r["state"] != "staged")
        out.print(f"total {F.human(total)}; still to fetch {F.human(missing)}")
        for r in rows:
            if r["access"]:
                out.print(f"[red]gated:[/red] {r['access']}", soft_wrap=True)
        return

    def report(asset, result, failure) -> None:
        if failure:
            err.print(f"[yellow]not staged:[/yellow] {failure}", soft_wrap=True, highlight=False)
            return
        out.print(f"staged {asset.kind} {asset.name} @ {result.revision[:12]}: {result.files} files, "
                  f"{F.human(result.bytes)}, {result.verified} checksums verified", highlight=False)
        if not asset.pinned:
            out.print(f"  pin it: revision=\"{result.revision}\" for {asset.spec.name} in repro/assets/registry.py")

    done, failed = F.fetch_all(assets, on_result=report)
    out.print(f"{len(done)} of {len(assets)} assets staged, {F.human(sum(r.bytes for r in done))}")
    if failed:
        raise ReproError(f"{len(failed)} of {len(assets)} assets were not staged",
                         "see the lines above; rerun after fixing them (staged assets are kept)")


def main() -> None:
    try:
        app(standalone_mode=True)
    except ReproError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
