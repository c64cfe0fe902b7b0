"""`repro verify N|--all`: the paper's claims (paper_figures/claims.toml) checked on a rendered figure's data."""

from __future__ import annotations

import typer
from rich.markup import escape

from repro import roots
from repro.cli.app import app, out
from repro.cli.common import BackendOpt, JsonOpt, ProfileOpt, one_or_all, table, variant, write_json
from repro.errors import ReproError

COLORS = {"pass": "green", "fail": "red", "not-evaluable": "yellow", "plumbing": "blue"}
MARKS = {False: "x", None: "?", True: "ok"}


@app.command()
def verify(number: int = typer.Argument(None, help="figure number 1-12 (or --all)"), profile: str = ProfileOpt,
           backend: str = BackendOpt,
           all_figures: bool = typer.Option(False, "--all", help="every figure rendered for the profile"),
           as_json: bool = JsonOpt) -> None:
    """Check the paper's claims (paper_figures/claims.toml) on a rendered figure's data: exit 0 if every
    evaluated claim holds, 1 if one fails."""
    from repro.figures.catalog import CATALOG
    from repro.figures.claims import describe, figure_data_path, load_claims, verify_figure
    from repro.figures.claims.verify import evidence_words
    from repro.profiles import get_profile

    profile = variant(profile, backend)
    one_or_all("verify", number, all_figures, profile)
    claims = load_claims()
    root = roots.figures()
    numbers = sorted(CATALOG) if all_figures else [number]
    if all_figures:
        numbers = [n for n in numbers if figure_data_path(root, n, profile).is_file()]
        if not numbers:
            raise ReproError(f"no figure has been rendered for the {profile} profile under {root}",
                             f"run `repro figure N --profile {profile}` first")
    store_base = roots.artifacts() / get_profile(profile).store_name
    results = {n: verify_figure(n, profile, root, claims, store_base) for n in numbers}
    outcomes = [o for n in numbers for o in results[n]]
    counts = {s: sum(o.status == s for o in outcomes) for s in ("pass", "fail", "not-evaluable", "plumbing")}
    ties = {n: results[n][0].tie for n in numbers if results[n] and results[n][0].tie}
    untrusted = any("edited" in t or "changed in the store" in t or "records no digest" in t
                    for lines in ties.values() for t in lines)
    code = 1 if counts["fail"] or untrusted else 0
    not_rendered = [n for n in sorted(CATALOG) if n not in numbers] if all_figures else []
    banner = get_profile(profile).verdict_note
    if as_json:
        write_json({"profile": profile, "note": banner, "summary": counts, "not_rendered": not_rendered,
                    "tie": {str(n): t for n, t in ties.items()},
                    "figures": {str(n): [o.as_dict() for o in results[n]] for n in numbers}})
        raise typer.Exit(code)
    if banner:
        out.print(f"[bold yellow]{escape(banner)}[/bold yellow]", soft_wrap=not out.is_terminal)
    for n, lines in ties.items():
        for t in lines:
            out.print(f"[bold red]figure {n}:[/bold red] {escape(t)}", soft_wrap=not out.is_terminal)
    for n in numbers:
        rows = []
        for o in results[n]:
            # failing lines first, at most three per claim (--json has every panel / group)
            lines = sorted(o.details, key=lambda d: {False: 0, None: 1, True: 2}[d["ok"]])
            shown = lines[:3]
            observed = [f"{MARKS[d['ok']]} {d['observed']}" for d in shown]
            if len(lines) > len(shown):
                observed.append(f"... {len(lines) - len(shown)} more (--json)")
            status = f"[{COLORS[o.status]}]{o.status}[/{COLORS[o.status]}]"
            if o.status == "plumbing":
                status += f"\n[dim](check found: {o.result})[/dim]"
            elif o.result:
                status += f"\n[dim](on the data: {o.result})[/dim]"
            rows.append((f"[bold]{escape(o.claim.id)}[/bold]\n[dim]{escape(describe(o.claim))}[/dim]", status,
                         escape("\n".join(observed) or o.reason) + f"\n[dim]{escape(evidence_words(o))}[/dim]",
                         escape("\n".join(d["threshold"] for d in shown))))
        table(f"Figure {n} ({profile} profile): claims from paper_figures/claims.toml",
              ("claim", "status", "observed", "threshold"), rows, lines=True)
    if not_rendered:
        out.print(f"not rendered for {profile} (skipped): figures {', '.join(map(str, not_rendered))}")
    scope = "all rendered figures" if all_figures else f"figure {number}"
    plumbing = f", {counts['plumbing']} plumbing checks (not results)" if counts["plumbing"] else ""
    out.print(f"{scope} ({profile}): {counts['pass']} pass, {counts['fail']} fail, "
              f"{counts['not-evaluable']} not evaluable{plumbing}, of {len(outcomes)} claims", soft_wrap=not out.is_terminal)
    raise typer.Exit(code)
