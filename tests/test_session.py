"""The plan-run-render function `repro figure` and `repro run` share: with steps left unfinished (a Slurm run with
--no-wait), it renders nothing and names the command to rerun, built from the command's words and profile."""

from __future__ import annotations

import pytest
from rich.console import Console

from repro.figures.registry import figure_module
from repro.pipeline.session import Command, Target, run_and_render
from repro.profiles import get_profile


class Submitter:
    """An executor that queues every step and returns at once, as the Slurm one does with --no-wait."""

    def run(self, steps, store) -> dict[str, int]:
        return {"submitted": len(steps), "ran": 0, "skipped": 0}


def _never(*_):
    pytest.fail("rendered while steps are unfinished")


@pytest.mark.parametrize("command, line", [
    (Command(("repro", "figure", "1"), "smoke-vllm"), "rerun `repro figure 1 --profile smoke-vllm`"),
    (Command(("repro", "run", "my experiment.toml")), "rerun `repro run my experiment.toml`"),
])
def test_unfinished_steps_render_nothing_and_name_the_rerun(tmp_path, monkeypatch, command, line):
    monkeypatch.setenv("REPRO_ARTIFACTS", str(tmp_path / "a"))
    prof = get_profile("smoke")
    rec = figure_module(1).recipe(prof)
    console, shown = Console(record=True, width=1000), []
    run_and_render(prof, [Target(rec, _never, tmp_path / "f")], Submitter(), "figure 1", command, console,
                   shown.append)
    text = console.export_text()
    assert "figure 1 (smoke): 3 jobs submitted, 3 steps not finished yet" in text and line in text, text
    assert not shown and not (tmp_path / "f").exists()
