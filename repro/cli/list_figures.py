"""`repro list`: the figures, their claims, and their state in each profile."""

from __future__ import annotations

from repro import roots
from repro.cli.app import app, out
from repro.cli.common import JsonOpt, profile_figures, recipe, store, table, write_json


@app.command("list")
def list_figures(as_json: bool = JsonOpt) -> None:
    """The figures, their claim, and their state per profile."""
    from repro.figures.catalog import CATALOG
    from repro.pipeline.execute import step_status
    from repro.pipeline.plan import plan_recipe
    from repro.profiles import PROFILES

    rows = []
    for n, info in CATALOG.items():
        states = {}
        for name in PROFILES:
            if n not in profile_figures(name):
                states[name] = "n/a"
                continue
            steps = plan_recipe(recipe(n, name)[2])
            done = sum(step_status(store(name), s) == "done" for s in steps)
            rendered = (roots.figure_dir(n, name) / f"fig{n:02d}.png").is_file()
            states[name] = "rendered" if rendered and done == len(steps) else f"{done}/{len(steps)} steps"
        rows.append({"figure": n, "title": info.title, "claim": info.claim, "states": states})
    if as_json:
        write_json(rows)
        return
    color = {"rendered": "green", "n/a": "dim"}
    table("Figures of the paper", ("fig", "title / claim", *PROFILES),
          [(r["figure"], f"[bold]{r['title']}[/bold]: {_fit(r['claim'])}",
            *(f"[{color.get(s, 'white')}]{s}[/{color.get(s, 'white')}]" for s in r["states"].values()))
           for r in rows], right=("fig",))


def _fit(claim: str, narrow: int = 120, keep: int = 48) -> str:
    """The claim whole on a wide terminal or piped; on a narrow terminal cut at a word boundary with a marker
    (``repro list --json`` and ``repro show N`` have it whole)."""
    if not out.is_terminal or out.width >= narrow or len(claim) <= keep:
        return claim
    return claim[:keep].rsplit(" ", 1)[0] + " … (--json)"
