"""`repro plan N|--all`: the steps of a figure (or of all of them together), which are done, and what the rest
costs, from the one cost model (repro/pipeline/cost.py, its assumptions in repro/pipeline/assumptions.py)."""

from __future__ import annotations

import typer

from repro.cli.app import app, out
from repro.cli.common import (
    BackendOpt,
    JsonOpt,
    ProfileOpt,
    one_or_all,
    profile_figures,
    recipe,
    store,
    table,
    variant,
    write_json,
)
from repro.errors import ReproError

NOTE = ("[dim]estimates from the assumptions in repro/pipeline/assumptions.py (`--json` lists them with sources); "
        "* = measured from the finished step[/dim]")
COLORS = {"done": "green", "partial": "yellow", "todo": "white", "damaged": "red", "stale": "magenta"}


@app.command()
def plan(number: int = typer.Argument(None, help="figure number 1-12 (or --all)"), profile: str = ProfileOpt,
         backend: str = BackendOpt,
         all_figures: bool = typer.Option(False, "--all", help="every figure: their union of steps, each unique run "
                                          "once, the cost of each figure alone and the saving from sharing"),
         as_json: bool = JsonOpt) -> None:
    """The steps of a figure, which are done, which would run, and their GPU-hours and disk."""
    from repro.pipeline.plan import plan_recipe

    profile = variant(profile, backend)
    one_or_all("plan", number, all_figures, profile)
    if all_figures:
        _plan_all(profile, store(profile), as_json)
        return
    show_steps(plan_recipe(recipe(number, profile)[2]), profile, f"Figure {number}, {profile} profile", as_json,
               {"figure": number})


def show_steps(steps: list, profile: str, title: str, as_json: bool, extra: dict | None = None) -> None:
    """The steps of one plan: state, GPU-hours, CPU time and disk of each, and the totals (or all of it as JSON)."""
    from repro.pipeline import cost
    from repro.pipeline.assumptions import assumptions_json
    from repro.pipeline.estimates import estimate
    from repro.pipeline.execute import step_status

    st = store(profile)
    states: dict = {}
    state = {s.id: step_status(st, s, states) for s in steps}
    est = [estimate(s, st) for s in steps]
    tot = cost.totals(est, state)
    if as_json:
        rows = [{"id": str(e.step_id), "kind": e.kind, "group": e.group, "label": e.label, "state": state[e.step_id],
                 "gpu_hours": e.gpu_hours, "gpu": e.gpu, "cpu_hours": e.cpu_hours, "disk_bytes": e.disk_bytes,
                 "basis": e.basis, "measured": list(e.measured)} for e in est]
        write_json({**(extra or {}), "profile": profile, "steps": rows, "totals": tot,
                    "assumptions": assumptions_json()})
        return
    counts: dict[str, int] = {}
    rows = []
    for i, (s, e) in enumerate(zip(steps, est, strict=True), 1):
        counts[state[s.id]] = counts.get(state[s.id], 0) + 1
        color = COLORS[state[s.id]]
        rows.append((i, s.kind, s.label, f"[{color}]{state[s.id]}[/{color}]",
                     f"{e.gpu_hours:.2f}" + (" H200" if e.gpu == "H200" else "") if e.gpu_hours else "-",
                     f"{60 * e.cpu_hours:.1f}" + ("*" if "cpu_hours" in e.measured else "") if e.cpu_hours else "-",
                     cost.human_bytes(e.disk_bytes) + ("*" if "disk_bytes" in e.measured else "")))
    table(f"{title}: {len(steps)} steps", ("#", "kind", "step", "state", "GPU-h", "CPU-min", "disk"), rows,
          right=("#", "GPU-h", "CPU-min", "disk"))
    out.print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    _totals(tot)


def _totals(tot: dict) -> None:
    from repro.pipeline.cost import human_bytes

    kinds = ", ".join(f"{k} {v:.1f}" for k, v in tot["gpu_hours_by_kind"].items() if v)
    devices = ", ".join(f"{k} {v:.1f}" for k, v in tot["gpu_hours_by_device"].items())
    out.print(f"GPU-hours: {tot['gpu_hours']:.1f} ({kinds or 'none'}; by device: {devices or 'none'}); "
              f"left to run: {tot['gpu_hours_left']:.1f} GPU-hours over {tot['steps_left']} steps", soft_wrap=True)
    out.print(f"CPU: {tot['cpu_hours']:.2f} h = {60 * tot['cpu_hours']:.0f} min (left {60 * tot['cpu_hours_left']:.0f} "
              f"min); disk: {human_bytes(tot['disk_bytes'])} (left to write {human_bytes(tot['disk_bytes_left'])})",
              soft_wrap=True)
    out.print(NOTE, soft_wrap=True)


def _plan_all(profile: str, st, as_json: bool) -> None:
    """`repro plan --all`: every figure of the profile alone and all of them together."""
    from repro.pipeline import cost
    from repro.pipeline.assumptions import assumptions_json
    from repro.pipeline.estimates import union_cost
    from repro.pipeline.execute import step_status
    from repro.pipeline.plan import plan_recipe

    figure_steps, skipped = {}, {}
    for n in profile_figures(profile):
        try:
            figure_steps[n] = plan_recipe(recipe(n, profile)[2])
        except ReproError as exc:  # a figure this profile cannot build: said, not hidden
            skipped[n] = str(exc)
    union = {s.id: s for steps in figure_steps.values() for s in steps}
    states: dict = {}
    state = {sid: step_status(st, s, states) for sid, s in union.items()}
    res = union_cost(figure_steps, st, state)
    if as_json:
        write_json({"profile": profile, **res, "skipped_figures": skipped, "assumptions": assumptions_json()})
        return
    table(f"All figures, {profile} profile: each figure alone", ("fig", "unique steps", "GPU-h alone", "CPU-h", "disk"),
          [(f["figure"], f["steps"], f"{f['gpu_hours']:.1f}", f"{f['cpu_hours']:.2f}", cost.human_bytes(f["disk_bytes"]))
           for f in res["figures"]], right=("fig", "unique steps", "GPU-h alone", "CPU-h", "disk"))
    tot = res["union"]
    out.print(f"[bold]all figures together: {tot['steps']} unique steps, {tot['gpu_hours']:.1f} GPU-hours[/bold]; "
              f"sum of the figures alone {res['sum_of_figures_gpu_hours']:.1f}; sharing saves "
              f"{res['saving_gpu_hours']:.1f} GPU-hours ({res['saving_pct']:.0f}%)", soft_wrap=True)
    if not tot["gpu_hours"]:
        out.print(f"CPU-only profile: {tot['cpu_hours']:.2f} CPU-hours together, {res['sum_of_figures_cpu_hours']:.2f} "
                  "summed over the figures alone", soft_wrap=True)
    _totals(tot)
    shared = [r for r in res["training_runs_by_sharing"] if len(r["figures"]) > 1]
    if shared:
        table("Training runs shared by several figures (most shared first)", ("run", "figures", "GPU-h"),
              [(r["run"], ", ".join(map(str, r["figures"])), f"{r['gpu_hours']:.2f}") for r in shared[:10]])
    for n, why in skipped.items():
        out.print(f"[yellow]figure {n} not planned for {profile}:[/yellow] {why}", soft_wrap=True)
