"""Check the artifact store against the plan of every figure: each planned step done, exactly one
directory per unique step (so a training run that several figures use was trained once), and which
figures share each training run.

    python -m repro.pipeline.check_store --profile smoke      # after `repro figure --all --profile smoke`

Exit 0 when the store matches the plan, 1 with one line per problem otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def check(profile_name: str, root: Path) -> tuple[list[str], list[str]]:
    """(problems, report lines) for the store of ``profile_name`` under ``root``."""
    from repro.figures.catalog import CATALOG
    from repro.figures.registry import figure_module
    from repro.pipeline.cost import union_cost
    from repro.pipeline.plan import plan_recipe
    from repro.pipeline.store import ArtifactStore
    from repro.profiles import get_profile

    profile = get_profile(profile_name)
    store = ArtifactStore(root, profile.store_name)
    figure_steps = {n: plan_recipe(figure_module(n).recipe(profile)) for n in sorted(CATALOG)}
    union = {s.id: s for steps in figure_steps.values() for s in steps}.values()
    problems = [f"{s.id} ({s.label}) is not done" for s in union if not store.step_dir(s.kind, s.key).done]
    runs = union_cost(figure_steps)["training_runs_by_sharing"]  # each run with the figures that use it
    on_disk = sorted(p.name for p in (store.base / "train").glob("*") if p.is_dir()) if store.base.is_dir() else []
    planned = {r["key"] for r in runs}
    problems += [f"train/{k} is in the store but in no figure's plan" for k in on_disk if k not in planned]
    per_figure = sum(len(r["figures"]) for r in runs)
    report = [f"{profile_name}: {len(union)} unique steps for figures 1-{max(CATALOG)}; {len(runs)} training runs "
              f"in the plan, {len(on_disk)} trained in the store; {per_figure} if every figure trained its own"]
    report += [f"  {r['run']}: figures {', '.join(map(str, r['figures']))}" for r in runs if len(r["figures"]) > 1]
    return problems, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="smoke")
    args = parser.parse_args(argv)
    problems, report = check(args.profile, Path(os.environ.get("REPRO_ARTIFACTS", "artifacts")))
    print("\n".join(report))
    for p in problems:
        print(f"problem: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
