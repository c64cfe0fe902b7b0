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

ProfileOpt = typer.Option("paper", "--profile", "-p", help="paper (exact, GPU) | reduced (paper runs, a stated subset "
                          "of the evaluation, GPU) | smoke (tiny models, CPU) | toy (a tiny world that learns, CPU)")
BackendOpt = typer.Option(None, "--backend", help="generation and judging backend: vllm | hf (default: the profile's "
                          "own, vllm for paper/reduced, hf for smoke/toy); another one renders under "
                          "paper_figures/figNN/<profile>-<backend>/")


def _variant(profile: str, backend: str | None) -> str:
    """The profile name with its backend (``smoke-vllm``), checked before anything runs or is written."""
    from repro.profiles import get_profile

    return get_profile(profile, backend).variant


def _root(env: str, default: str) -> Path:
    return Path(os.environ.get(env, default))


def _store(profile: str, lock_timeout: float | None = None):
    from repro.pipeline.store import ArtifactStore
    from repro.profiles import get_profile

    return ArtifactStore(_root("REPRO_ARTIFACTS", "artifacts"), get_profile(profile).store_name,
                         lock_timeout=lock_timeout)


def _recipe(number: int, profile_name: str):
    from repro.figures.registry import figure_module
    from repro.profiles import get_profile

    module = figure_module(number)
    profile = get_profile(profile_name)
    profile.check_figure(number)
    return module, profile, module.recipe(profile)


def _profile_figures(profile_name: str) -> list[int]:
    """The figures a profile has recipes for (``--all``)."""
    from repro.figures.catalog import CATALOG
    from repro.profiles import get_profile

    figures = get_profile(profile_name).figures
    return sorted(CATALOG) if figures is None else sorted(figures)


@app.command("list")
def list_figures() -> None:
    """The figures, their claim, and their state per profile."""
    from repro.figures.catalog import CATALOG
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
            if n not in _profile_figures(name):
                states.append("[dim]n/a[/dim]")
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
         backend: str = BackendOpt, as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """The fully resolved recipe: every run, evaluation and setting."""
    from repro.pipeline.describe import describe_recipe

    profile = _variant(profile, backend)
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
                  f"@ {ev['data']['revision']} (prompt {ev['prompt_template']}, backend {ev['backend']}"
                  f"{', eager' if ev['backend'] == 'vllm' and dec['enforce_eager'] else ''})")
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
def plan(number: int = typer.Argument(None, help="figure number 1-12 (or --all)"), profile: str = ProfileOpt,
         backend: str = BackendOpt, all_figures: bool = typer.Option(False, "--all", help="every figure: their union of steps, each unique run "
                                          "once, the cost of each figure alone and the saving from sharing"),
         as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """The steps of a figure, which are done, which would run, and their GPU-hours and disk (estimates from
    the assumptions in repro/pipeline/cost.py)."""
    from repro.pipeline import cost
    from repro.pipeline.execute import step_status
    from repro.pipeline.plan import plan_recipe

    profile = _variant(profile, backend)
    if (number is None) == (not all_figures):
        raise ReproError("name one figure or --all", f"e.g. `repro plan 2 --profile {profile}` or "
                         f"`repro plan --all --profile {profile}`")
    store = _store(profile)
    if all_figures:
        _plan_all(profile, store, as_json)
        return
    _, _, rec = _recipe(number, profile)
    steps = plan_recipe(rec)
    states = {s.id: step_status(store, s) for s in steps}
    est = [cost.estimate(s, store) for s in steps]
    tot = cost.totals(est, states)
    if as_json:
        rows = [{"id": e.step_id, "kind": e.kind, "group": e.group, "label": e.label, "state": states[e.step_id],
                 "gpu_hours": e.gpu_hours, "gpu": e.gpu, "cpu_hours": e.cpu_hours, "disk_bytes": e.disk_bytes,
                 "basis": e.basis, "measured": list(e.measured)} for e in est]
        sys.stdout.write(json.dumps({"figure": number, "profile": profile, "steps": rows, "totals": tot,
                                     "assumptions": cost.assumptions_json()}, indent=2) + "\n")
        return
    t = Table(title=f"Figure {number}, {profile} profile: {len(steps)} steps")
    for c in ("#", "kind", "step", "state", "GPU-h", "CPU-min", "disk"):
        t.add_column(c, justify="right" if c in ("#", "GPU-h", "CPU-min", "disk") else "left")
    counts: dict[str, int] = {}
    for i, (s, e) in enumerate(zip(steps, est, strict=True), 1):
        state = states[s.id]
        counts[state] = counts.get(state, 0) + 1
        color = {"done": "green", "partial": "yellow", "todo": "white", "damaged": "red", "stale": "magenta"}[state]
        t.add_row(str(i), s.kind, s.label, f"[{color}]{state}[/{color}]",
                  f"{e.gpu_hours:.2f}" + (" H200" if e.gpu == "H200" else "") if e.gpu_hours else "-",
                  f"{60 * e.cpu_hours:.1f}" + ("*" if "cpu_hours" in e.measured else "") if e.cpu_hours else "-",
                  cost.human_bytes(e.disk_bytes) + ("*" if "disk_bytes" in e.measured else ""))
    out.print(t)
    out.print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    _print_cost_totals(tot, cost)


def _print_cost_totals(tot: dict, cost) -> None:
    kinds = ", ".join(f"{k} {v:.1f}" for k, v in tot["gpu_hours_by_kind"].items() if v)
    devices = ", ".join(f"{k} {v:.1f}" for k, v in tot["gpu_hours_by_device"].items())
    out.print(f"GPU-hours: {tot['gpu_hours']:.1f} ({kinds or 'none'}; by device: {devices or 'none'}); "
              f"left to run: {tot['gpu_hours_left']:.1f} GPU-hours over {tot['steps_left']} steps")
    out.print(f"CPU: {tot['cpu_hours']:.2f} h = {60 * tot['cpu_hours']:.0f} min (left {60 * tot['cpu_hours_left']:.0f} "
              f"min); disk: "
              f"{cost.human_bytes(tot['disk_bytes'])} (left to write {cost.human_bytes(tot['disk_bytes_left'])})")
    out.print("[dim]estimates from the assumptions in repro/pipeline/cost.py (`--json` lists them with sources); "
              "* = measured from the finished step[/dim]")


def _plan_all(profile: str, store, as_json: bool) -> None:
    """`repro plan --all`: every implemented figure alone and all of them together."""
    from repro.figures.registry import IMPLEMENTED
    from repro.pipeline import cost
    from repro.pipeline.execute import step_status
    from repro.pipeline.plan import plan_recipe

    figure_steps, skipped = {}, {}
    for n in sorted(IMPLEMENTED):
        if n not in _profile_figures(profile):
            continue
        try:
            figure_steps[n] = plan_recipe(_recipe(n, profile)[2])
        except ReproError as exc:  # a figure this profile cannot build: said, not hidden
            skipped[n] = str(exc)
    union = {s.id: s for steps in figure_steps.values() for s in steps}
    states = {sid: step_status(store, s) for sid, s in union.items()}
    res = cost.union_cost(figure_steps, store, states)
    if as_json:
        sys.stdout.write(json.dumps({"profile": profile, **res, "skipped_figures": skipped,
                                     "assumptions": cost.assumptions_json()}, indent=2) + "\n")
        return
    t = Table(title=f"All figures, {profile} profile: each figure alone")
    for c in ("fig", "unique steps", "GPU-h alone", "CPU-h", "disk"):
        t.add_column(c, justify="right")
    for f in res["figures"]:
        t.add_row(str(f["figure"]), str(f["steps"]), f"{f['gpu_hours']:.1f}", f"{f['cpu_hours']:.2f}",
                  cost.human_bytes(f["disk_bytes"]))
    out.print(t)
    tot = res["union"]
    out.print(f"[bold]all figures together: {tot['steps']} unique steps, {tot['gpu_hours']:.1f} GPU-hours[/bold]; "
              f"sum of the figures alone {res['sum_of_figures_gpu_hours']:.1f}; sharing saves "
              f"{res['saving_gpu_hours']:.1f} GPU-hours ({res['saving_pct']:.0f}%)")
    if not tot["gpu_hours"]:
        out.print(f"CPU-only profile: {tot['cpu_hours']:.2f} CPU-hours together, {res['sum_of_figures_cpu_hours']:.2f} "
                  "summed over the figures alone")
    _print_cost_totals(tot, cost)
    shared = [r for r in res["training_runs_by_sharing"] if len(r["figures"]) > 1]
    if shared:
        s = Table(title="Training runs shared by several figures (most shared first)")
        for c in ("run", "figures", "GPU-h"):
            s.add_column(c)
        for r in shared[:10]:
            s.add_row(r["run"], ", ".join(map(str, r["figures"])), f"{r['gpu_hours']:.2f}")
        out.print(s)
    for n, why in skipped.items():
        out.print(f"[yellow]figure {n} not planned for {profile}:[/yellow] {why}")


ExecutorOpt = typer.Option("local", "--executor", help="local (this process) | slurm (one Slurm job per step, "
                                                         "via submitit) | submitit-local (the same jobs as subprocesses)")
TrainProcessesOpt = typer.Option(1, "--train-processes", help="data-parallel processes per training run; the batch is "
                                 "split so the effective batch stays the recipe's (runs with batch 1 stay in one process)")

SlurmSetupOpt = typer.Option(None, "--slurm-setup", help="shell line run before each Slurm job (repeatable), "
                             "e.g. 'source .venv/bin/activate'")


def _executor(name: str, train_processes: int, partition: str | None = None, account: str | None = None,
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
           backend: str = BackendOpt, all_figures: bool = typer.Option(False, "--all", help="every figure 1-12: their union of steps runs "
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
    profile = _variant(profile, backend)
    if (number is None) == (not all_figures):
        raise ReproError("name one figure or --all", f"e.g. `repro figure 2 --profile {profile}` or "
                         f"`repro figure --all --profile {profile}`")
    t0 = time.time()
    numbers = _profile_figures(profile) if all_figures else [number]
    recipes = [(n, *_recipe(n, profile)) for n in numbers]  # every recipe resolves before anything runs
    prof = recipes[0][2]
    if jobs is None:
        jobs = prof.default_jobs if executor == "local" else 1
    runner = _executor(executor, train_processes, slurm_partition, slurm_account, slurm_qos, slurm_gpu_mem,
                       slurm_setup, wait, jobs, stop_on_damage)
    from repro.pipeline.preflight import preflight

    if executor != "slurm":  # Slurm jobs run on GPU nodes, not on the submitting host
        for _, _, _, rec in recipes:
            preflight(prof, rec)
    from repro.pipeline.execute import execute
    from repro.pipeline.plan import plan_recipes

    steps = plan_recipes([rec for _, _, _, rec in recipes])
    store = _store(profile, lock_timeout)
    counts = execute(steps, store, console=err, executor=runner)
    from repro.pipeline.executors.step import dep_done

    pending = [s for s in steps if not dep_done(store, s.id)]
    what = "all figures" if all_figures else f"figure {number}"
    again = f"repro figure {'--all' if all_figures else number} --profile {profile}"
    if pending:
        err.print(f"{what} ({profile}): {counts.get('submitted', 0)} jobs submitted, {len(pending)} steps "
                  f"not finished yet; rerun `{again}` when they are, to render")
        return
    ran = ", ".join(f"{k} {v}" for k, v in counts.items() if k not in ("ran", "skipped", "engines")) or "nothing"
    err.print(f"{what} ({prof.variant}): ran {counts['ran']} steps ({ran}), {counts['skipped']} already done, "
              f"{time.time() - t0:.1f} s")
    for backend, e in counts.get("engines", {}).items():
        err.print(f"{backend} engines started: {e['starts']}, serving {e['models']} model directories")
    for n, module, _, rec in recipes:
        target = _root("REPRO_FIGURES", "paper_figures") / f"fig{n:02d}" / profile
        for f in module.render(rec, store, target):
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


@app.command()
def check(number: int = typer.Argument(None, help="figure number 1-12 (or --all)"), profile: str = ProfileOpt,
          backend: str = BackendOpt,
          all_figures: bool = typer.Option(False, "--all", help="every figure of the profile"),
          deep: bool = typer.Option(False, "--deep", help="re-hash every file, model weights included (otherwise "
                                    "files over 1 MiB are checked by size)"),
          as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """Check the store against the plan, step by step: what is missing, damaged (files missing or changed since
    the step finished) or stale (an input made again since). Exit 0 when every planned step is done and intact,
    1 otherwise. `repro figure` makes the damaged and stale steps again."""
    from repro.pipeline.check import check_steps, shared_runs, summarize, unplanned
    from repro.pipeline.plan import plan_recipe, plan_recipes

    profile = _variant(profile, backend)
    if (number is None) == (not all_figures):
        raise ReproError("name one figure or --all", f"e.g. `repro check 2 --profile {profile}` or "
                         f"`repro check --all --profile {profile}`")
    numbers = _profile_figures(profile) if all_figures else [number]
    figure_steps = {n: plan_recipe(_recipe(n, profile)[2]) for n in numbers}
    steps = plan_recipes([_recipe(n, profile)[2] for n in numbers])
    store = _store(profile)
    rows = check_steps(steps, store, deep)
    counts = summarize(rows)
    extra = unplanned(steps, store) if all_figures else []
    shared = shared_runs(figure_steps)
    if as_json:
        sys.stdout.write(json.dumps({"profile": profile, "store": str(store.base), "deep": deep, "summary": counts,
                                     "steps": rows, "unplanned": extra,
                                     "shared_training_runs": [{"run": r, "figures": f} for r, f in shared]},
                                    indent=2) + "\n")
    else:
        bad = [r for r in rows if r["status"] != "done"]
        _table(f"{profile}: {len(rows)} planned steps in {store.base}" + (" (deep)" if deep else ""),
               ("status", "step", "what", "problem"),
               [(r["status"], r["id"], r["label"], "; ".join(r["problems"])) for r in bad])
        out.print(", ".join(f"{k} {v}" for k, v in counts.items()), highlight=False)
        for label, figs in shared:
            out.print(f"shared: {label}: figures {', '.join(map(str, figs))}", highlight=False, soft_wrap=True)
        if extra:
            out.print(f"{len(extra)} step directories in the store belong to no planned step (other figures, "
                      f"profiles or versions), e.g. {extra[0]}", highlight=False, soft_wrap=True)
    raise typer.Exit(0 if counts["done"] == len(rows) else 1)


def _table(title: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """A table: drawn by rich on a terminal; piped, one tab-separated line per row, never wrapped."""
    if out.is_terminal:
        t = Table(title=title)
        for c in columns:
            t.add_column(c, overflow="fold")
        for r in rows:
            t.add_row(*map(str, r))
        out.print(t)
        return
    sys.stdout.write(f"# {title}\n" + "\t".join(columns) + "\n")
    sys.stdout.write("".join("\t".join(map(str, r)) + "\n" for r in rows))


@app.command()
def verify(number: int = typer.Argument(None, help="figure number 1-12 (or --all)"), profile: str = ProfileOpt,
           backend: str = BackendOpt, all_figures: bool = typer.Option(False, "--all", help="every figure rendered for the profile"),
           as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """Check the paper's claims (paper_figures/claims.toml) on a rendered figure's data: exit 0 if every
    evaluated claim holds, 1 if one fails."""
    from rich.markup import escape

    from repro.figures.catalog import CATALOG
    from repro.figures.claims import describe, figure_data_path, load_claims, verify_figure
    from repro.profiles import get_profile

    profile = _variant(profile, backend)
    if (number is None) == (not all_figures):
        raise ReproError("name one figure or --all", f"e.g. `repro verify 2 --profile {profile}` or "
                         f"`repro verify --all --profile {profile}`")
    get_profile(profile)  # an unknown profile is one clear error
    claims = load_claims()
    root = _root("REPRO_FIGURES", "paper_figures")
    numbers = sorted(CATALOG) if all_figures else [number]
    if all_figures:
        numbers = [n for n in numbers if figure_data_path(root, n, profile).is_file()]
        if not numbers:
            raise ReproError(f"no figure has been rendered for the {profile} profile under {root}",
                             f"run `repro figure N --profile {profile}` first")
    results = {n: verify_figure(n, profile, root, claims) for n in numbers}
    outcomes = [o for n in numbers for o in results[n]]
    counts = {s: sum(o.status == s for o in outcomes) for s in ("pass", "fail", "not-evaluable")}
    not_rendered = [n for n in sorted(CATALOG) if n not in numbers] if all_figures else []
    prof = get_profile(profile)
    banner = {"paper": "", "reduced": "reduced profile: fewer checkpoints, seeds and tokens than the paper (see the "
              "figures' deviations); a claim near its tolerance may flip on that alone."}.get(
        prof.name, f"{prof.figure_note or profile}: its models are not expected to pass the "
        "paper's claims; the statuses are reported honestly, not forced.")
    if as_json:
        sys.stdout.write(json.dumps({"profile": profile, "note": banner, "summary": counts,
                                     "not_rendered": not_rendered,
                                     "figures": {str(n): [o.as_dict() for o in results[n]] for n in numbers}},
                                    indent=2, ensure_ascii=False) + "\n")
    else:
        if banner:
            out.print(f"[bold yellow]{escape(banner)}[/bold yellow]")
        color = {"pass": "green", "fail": "red", "not-evaluable": "yellow"}
        for n in numbers:
            t = Table(title=f"Figure {n} ({profile} profile): claims from paper_figures/claims.toml", show_lines=True)
            for c in ("claim", "status", "observed", "threshold"):
                t.add_column(c, overflow="fold")
            for o in results[n]:
                # failing lines first, at most three per claim (--json has every panel / group)
                lines = sorted(o.details, key=lambda d: {False: 0, None: 1, True: 2}[d["ok"]])
                shown = lines[:3]
                observed = [f"{({False: 'x', None: '?', True: 'ok'})[d['ok']]} {d['observed']}" for d in shown]
                if len(lines) > len(shown):
                    observed.append(f"... {len(lines) - len(shown)} more (--json)")
                t.add_row(f"[bold]{escape(o.claim.id)}[/bold]\n[dim]{escape(describe(o.claim))}[/dim]",
                          f"[{color[o.status]}]{o.status}[/{color[o.status]}]",
                          escape("\n".join(observed) or o.reason), escape("\n".join(d["threshold"] for d in shown)))
            out.print(t)
        if not_rendered:
            out.print(f"not rendered for {profile} (skipped): figures {', '.join(map(str, not_rendered))}")
        scope = "all rendered figures" if all_figures else f"figure {number}"
        out.print(f"{scope} ({profile}): {counts['pass']} pass, {counts['fail']} fail, "
                  f"{counts['not-evaluable']} not evaluable, of {len(outcomes)} claims")
    raise typer.Exit(1 if counts["fail"] else 0)


def main() -> None:
    from repro.errors import fs_error

    try:
        app(standalone_mode=True)
    except Exception as exc:
        error = exc if isinstance(exc, ReproError) else fs_error(exc, "writing outputs")
        if error is None:
            raise
        err.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
