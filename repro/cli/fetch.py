"""`repro fetch N|--all [--dry-run]`: stage the models and data a figure needs, at their pinned revisions."""

from __future__ import annotations

import typer

from repro.cli.app import app, err, out
from repro.cli.common import JsonOpt, ProfileOpt, recipe, table, write_json
from repro.errors import ReproError


@app.command()
def fetch(number: int = typer.Argument(None, help="figure number 1-12 (or --all)"),
          all_assets: bool = typer.Option(False, "--all", help="every model and dataset pinned in the registry"),
          profile: str = ProfileOpt,
          dry_run: bool = typer.Option(False, "--dry-run", help="list every asset with revision, size and whether "
                                       "it is staged here; no network"),
          as_json: bool = JsonOpt) -> None:
    """Stage the models and datasets a figure needs at their pinned revisions, checksums verified,
    so that later runs need no network."""
    from repro.assets import fetch as F

    if (number is None) == (not all_assets):
        raise ReproError("name one figure or --all", "e.g. `repro fetch 2 --dry-run` or `repro fetch --all`")
    assets = F.registry_assets() if all_assets else F.assets_of(recipe(number, profile)[2])
    what = "the registry" if all_assets else f"figure {number} ({profile})"
    if not assets and not as_json:
        out.print(f"nothing to fetch for {what}: its models are built in-process and its data ship with the package")
        return
    if dry_run or as_json:
        _listing(F, F.plan(assets), what, as_json)
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


def _listing(F, rows: list[dict], what: str, as_json: bool) -> None:
    """Every asset with its revision, size and state here (no network)."""
    if as_json:
        write_json({"what": what, "assets": rows})
        return
    table(f"Assets for {what}: {len(rows)}", ("kind", "name", "revision", "size", "state", "size source"),
          [(r["kind"], r["name"] + (" [red](gated)[/red]" if r["gated"] else ""),
            r["revision"] if r["revision"] != "UNPINNED" else "[yellow]UNPINNED[/yellow] (fetch prints the pin)",
            F.human(r["size_bytes"]), "[green]staged[/green]" if r["state"] == "staged" else "missing",
            r["size_source"]) for r in rows])
    total = sum(r["size_bytes"] or 0 for r in rows)
    missing = sum(r["size_bytes"] or 0 for r in rows if r["state"] != "staged")
    out.print(f"total {F.human(total)}; still to fetch {F.human(missing)}")
    for r in rows:
        if r["access"]:
            out.print(f"[red]gated:[/red] {r['access']}", soft_wrap=True)
