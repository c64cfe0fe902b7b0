"""A figure's recipe as data: panels of series of points, each point a (safety, reasoning)
pair of scorings of one checkpoint. The pipeline plans from the scorings alone."""

from __future__ import annotations

from dataclasses import dataclass, field

from repro.specs import CheckpointSpec, GeometrySpec, ScoreSpec, TrainSpec


@dataclass(frozen=True)
class Point:
    checkpoint: CheckpointSpec
    x: ScoreSpec  # safety
    y: ScoreSpec  # reasoning
    y_key: str = "value"  # which number of the reasoning score (code: "plus_pass@1" or "base_pass@1")

    @property
    def label(self) -> str:
        return self.checkpoint.label


@dataclass(frozen=True)
class Series:
    name: str  # "Base" | "Full" | "LoRA" ...
    points: tuple[Point, ...]
    color: str = "tab:gray"
    marker: str = "o"


@dataclass(frozen=True)
class Panel:
    title: str
    x_label: str
    y_label: str
    series: tuple[Series, ...]
    # How the panel is drawn: "frontier" (safety vs reasoning over checkpoints) or "rank_sweep" (Fig. 3a/b:
    # a score against the LoRA rank at the final checkpoint, Full as the rightmost point).
    kind: str = "frontier"
    # Which Pareto front fades points: "panel" (one front over every point, Figs. 2, 9-12) or "series"
    # (each series' own front drawn as a line, the others faded: the ablations of Figs. 3c, 4, 5, 6).
    front: str = "panel"


@dataclass(frozen=True)
class FigureRecipe:
    number: int
    title: str
    claim: str
    profile: str
    panels: tuple[Panel, ...]
    trains: tuple[TrainSpec, ...] = ()
    deviations: tuple[str, ...] = field(default=())
    analyses: tuple[GeometrySpec, ...] = ()  # weight analyses (Figs. 1, 7): planned with the scorings
    name: str = ""  # an experiment file's name (repro run); a figure of the paper is figNN

    @property
    def stem(self) -> str:
        """The name of the rendered files (``fig02.png``, or the experiment's)."""
        return self.name or f"fig{self.number:02d}"

    @property
    def heading(self) -> str:
        return f"Figure {self.number}: {self.title}" if not self.name else f"{self.name}: {self.title}"

    def scores(self) -> list[ScoreSpec]:
        """Every scoring the figure reads, each once, in a stable order."""
        seen: dict[str, ScoreSpec] = {}
        for panel in self.panels:
            for series in panel.series:
                for p in series.points:
                    for s in (p.x, p.y):
                        seen.setdefault(s.key, s)
        return list(seen.values())
