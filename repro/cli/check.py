"""`repro check N|--all [--deep]`: the store against the plan, step by step. Trust, but verify the store you
were handed."""

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


@app.command()
def check(number: int = typer.Argument(None, help="figure number 1-12 (or --all)"), profile: str = ProfileOpt,
          backend: str = BackendOpt,
          all_figures: bool = typer.Option(False, "--all", help="every figure of the profile"),
          deep: bool = typer.Option(False, "--deep", help="re-hash every file, model weights included (otherwise "
                                    "files over 1 MiB are checked by size)"),
          as_json: bool = JsonOpt) -> None:
    """Check the store against the plan, step by step: what is missing, damaged (files missing or changed since
    the step finished) or stale (an input made again since). Exit 0 when every planned step is done and intact,
    1 otherwise. `repro figure` makes the damaged and stale steps again."""
    from repro.pipeline.check import check_steps, shared_runs, summarize, unplanned
    from repro.pipeline.plan import plan_recipe, plan_recipes

    profile = variant(profile, backend)
    one_or_all("check", number, all_figures, profile)
    recipes = {n: recipe(n, profile)[2] for n in (profile_figures(profile) if all_figures else [number])}
    figure_steps = {n: plan_recipe(rec) for n, rec in recipes.items()}
    steps = plan_recipes(list(recipes.values()))
    st = store(profile)
    rows = check_steps(steps, st, deep)
    counts = summarize(rows)
    extra = unplanned(steps, st) if all_figures else []
    shared = shared_runs(figure_steps)
    if as_json:
        write_json({"profile": profile, "store": str(st.base), "deep": deep, "summary": counts, "steps": rows,
                    "unplanned": [str(sid) for sid in extra],
                    "shared_training_runs": [{"run": r, "figures": f} for r, f in shared]})
    else:
        table(f"{profile}: {len(rows)} planned steps in {st.base}" + (" (deep)" if deep else ""),
              ("status", "step", "what", "problem"),
              [(r["status"], r["id"], r["label"], "; ".join(r["problems"])) for r in rows if r["status"] != "done"])
        out.print(", ".join(f"{k} {v}" for k, v in counts.items()), highlight=False)
        for label, figs in shared:
            out.print(f"shared: {label}: figures {', '.join(map(str, figs))}", highlight=False, soft_wrap=True)
        if extra:
            out.print(f"{len(extra)} step directories in the store belong to no planned step (other figures, "
                      f"profiles or versions), e.g. {extra[0]}", highlight=False, soft_wrap=True)
    raise typer.Exit(0 if counts["done"] == len(rows) else 1)
