"""`repro show N`: a figure's fully resolved recipe, every run, evaluation and setting."""

from __future__ import annotations

import typer

from repro.cli.app import app, out
from repro.cli.common import BackendOpt, JsonOpt, ProfileOpt, recipe, variant, write_json


def say(text: str, indent: int = 0) -> None:
    """One line of the recipe: on a terminal wrapped at word boundaries with its continuation lines under its
    first (readable at 80 columns); piped, one unbroken line."""
    from rich.padding import Padding

    if out.is_terminal:
        out.print(Padding(text, (0, 0, 0, indent)))
    else:
        out.print(" " * indent + text, soft_wrap=True)


def detail(text: str) -> None:
    say(text, indent=4)


@app.command()
def show(number: int = typer.Argument(..., help="figure number 1-12"), profile: str = ProfileOpt,
         backend: str = BackendOpt, as_json: bool = JsonOpt) -> None:
    """The fully resolved recipe: every run, evaluation and setting."""
    from repro.figures.describe import describe_recipe

    d = describe_recipe(recipe(number, variant(profile, backend))[2])
    if as_json:
        write_json(d)
        return
    say(f"[bold]Figure {d['figure']}[/bold] ({d['profile']} profile): {d['title']}")
    say(f"[italic]{d['claim']}[/italic]")
    out.print()
    for r in d["runs"]:
        _run(r)
    out.print()
    for ev in d["evaluations"]:
        _evaluation(ev)
    for an in d.get("analyses", []):
        say(f"[bold green]analysis[/bold green] [bold]{an['analysis']}[/bold] of {an['checkpoint']} "
                  f"per {an['per']}: dW = {an['update']}; {an['metrics']}")
    out.print()
    for dev in d["deviations"]:
        say(f"[yellow]deviation:[/yellow] {dev}")


def _run(r: dict) -> None:
    lora, opt, sched = r["lora"], r["optimizer"], r["lr_schedule"]
    say(f"[bold cyan]run[/bold cyan] {r['model']['name']} [bold]{r['mode']}[/bold]  [dim]{r['key']}[/dim]")
    if lora:
        layers = lora["layers"] if lora["layers"] == "all" else f"{lora['layers']['first']}-{lora['layers']['last']}"
        detail(f"LoRA r={lora['r']} alpha={lora['alpha']} dropout={lora['dropout']} on "
                  f"{', '.join(lora['target_modules'])}; layers {layers}")
    else:
        detail("full fine-tuning: all weights")
    if r.get("regularizer"):
        reg = r["regularizer"]
        detail(f"+ {reg['variant']} penalty, beta {reg['beta']:g}, k {reg['k']} (k policy {reg['k_policy']}), "
                  f"{reg['reduction']}")
    detail(f"{r['epochs']} epochs x {r['steps_per_epoch']} steps, batch {r['batch_size']} "
              f"(effective {r['effective_batch_size']}), {opt['name']} betas {opt['betas']} eps {opt['eps']:g}, "
              f"lr {r['learning_rate']:g}, weight decay {opt['weight_decay']:g}, grad clip {opt['max_grad_norm']}")
    detail(f"{sched['type']} decay to 0, warmup {sched['warmup_steps']}; precision {r['precision']}; "
              f"{r['loss']}; seed {r['seed']}")
    detail(f"checkpoints at steps {', '.join(str(c['step']) for c in r['checkpoints'])}")


def _evaluation(ev: dict) -> None:
    dec = ev["decoding"]
    say(f"[bold magenta]eval[/bold magenta] [bold]{ev['benchmark']}[/bold]: {ev['data']['name']} "
              f"@ {ev['data']['revision']} (prompt {ev['prompt_template']}, backend {ev['backend']}"
              f"{', eager' if ev['backend'] == 'vllm' and dec['enforce_eager'] else ''})")
    detail(f"n={dec['n_samples']} seeds {dec['seeds']}, temperature {dec['temperature']}, top_p {dec['top_p']}, "
              f"max new tokens {dec['max_new_tokens']}, stop {dec['stop']}; scorer {ev['scorer']} -> {ev['metric']}")
    if ev["judge"]:
        detail(f"judge {ev['judge']['model']} @ {ev['judge']['revision']}, "
                  f"temperature {ev['judge']['decoding']['temperature']}, "
                  f"max {ev['judge']['decoding']['max_new_tokens']} tokens")
