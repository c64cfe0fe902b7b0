"""Plan, run and render: what `repro figure` and `repro run` share. The union of the targets' steps is planned and
run once (a run several targets need is trained once), then each target renders into its own directory."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from repro import roots
from repro.pipeline.plan import Recipe
from repro.pipeline.store import ArtifactStore
from repro.profiles import Profile

if TYPE_CHECKING:
    from rich.console import Console

    from repro.pipeline.executors.local import LocalExecutor
    from repro.pipeline.executors.slurm import SubmititExecutor


@dataclass(frozen=True)
class Command:
    """The command line that makes a target, as words and the profile variant it runs under: what the messages
    quote (rerun it, or its CPU version)."""
    words: tuple[str, ...]  # e.g. ("repro", "figure", "2")
    profile: str | None = None  # the variant given with --profile (None: the command names no profile)

    @property
    def base(self) -> str:
        """The command without its profile (`repro figure 2`)."""
        return " ".join(self.words)

    def __str__(self) -> str:
        return self.base if self.profile is None else f"{self.base} --profile {self.profile}"


@dataclass(frozen=True)
class Target:
    """One thing to render: a recipe, the function that draws it from the store, and the directory it draws into."""
    recipe: Recipe
    render: Callable[[Recipe, ArtifactStore, Path], list[Path]]
    out_dir: Path


def open_store(profile: Profile, lock_timeout: float | None = None) -> ArtifactStore:
    """The profile's artifact store under the artifacts root."""
    return ArtifactStore(roots.artifacts(), profile.store_name, lock_timeout=lock_timeout)


def run_and_render(profile: Profile, targets: list[Target], runner: LocalExecutor | SubmititExecutor, what: str,
                   command: Command, console: Console,
                   show: Callable[[str], None], executor: str = "local", lock_timeout: float | None = None) -> None:
    """Plan the union of ``targets``, run what is not done with ``runner``, then render each into its directory.
    Progress lines go to ``console`` (stderr), the rendered files' paths to ``show`` (stdout)."""
    from repro.pipeline.execute import execute
    from repro.pipeline.executors.step import dep_done
    from repro.pipeline.plan import plan_recipes
    from repro.pipeline.preflight import preflight

    t0 = time.time()
    if executor != "slurm":  # Slurm jobs run on GPU nodes, not on the submitting host
        preflight(profile, command.base)
    steps = plan_recipes([t.recipe for t in targets])
    st = open_store(profile, lock_timeout)
    counts = execute(steps, st, console=console, executor=runner)
    pending = [s for s in steps if not dep_done(st, s.id)]
    if pending:
        console.print(f"{what} ({profile.variant}): {counts.get('submitted', 0)} jobs submitted, {len(pending)} "
                      f"steps not finished yet; rerun `{command}` when they are, to render")
        return
    ran = ", ".join(f"{k} {v}" for k, v in counts.items() if k not in ("ran", "skipped", "engines")) or "nothing"
    console.print(f"{what} ({profile.variant}): ran {counts['ran']} steps ({ran}), {counts['skipped']} already "
                  f"done, {time.time() - t0:.1f} s")
    for backend, e in counts.get("engines", {}).items():
        console.print(f"{backend} engines started: {e['starts']}, serving {e['models']} model directories")
    for t in targets:
        for f in t.render(t.recipe, st, t.out_dir):
            show(str(f))
