"""Step kinds and step ids: every kind's class answers for itself, the table imports none of what the methods call,
and a step id's text reads back as the same id."""

from __future__ import annotations

import subprocess
import sys

import pytest

from repro.errors import ReproError
from repro.figures.registry import figure_module
from repro.pipeline.estimates import estimate, step_resources
from repro.pipeline.executors.slurm import read_job_index
from repro.pipeline.kinds import KINDS, StepKind, kind
from repro.pipeline.plan import plan_recipe
from repro.pipeline.steps import StepId
from repro.profiles import get_profile


def test_each_kind_is_its_own_class_under_its_name():
    assert list(KINDS) == ["asset", "train", "merge", "orthomerge", "geometry", "generate", "score"]
    assert all(isinstance(k, StepKind) and k.name == name and kind(name) is k for name, k in KINDS.items())
    assert len({type(k) for k in KINDS.values()}) == len(KINDS)
    with pytest.raises(ReproError, match="unknown step kind 'nope'"):
        kind("nope")


def test_every_planned_step_is_run_costed_and_requested_by_its_kind():
    steps = plan_recipe(figure_module(8).recipe(get_profile("paper")))
    assert {s.kind for s in steps} >= {"train", "merge", "orthomerge", "generate", "score"}
    for s in steps:
        e = estimate(s)
        assert (e.step_id, e.kind, e.group) == (s.id, s.kind, kind(s.kind).group)
        assert e.gpu_hours > 0 or e.cpu_hours > 0
        assert step_resources(s).time_min > 0
        assert all(kind(d.kind).stage < kind(s.kind).stage for d in s.deps)  # inputs come from earlier stages


def test_importing_the_kinds_imports_none_of_what_their_methods_call():
    code = ("import sys, repro.pipeline.kinds; print(sorted(m for m in sys.modules if m.startswith("
            "('repro.pipeline.runners', 'repro.pipeline.cost', 'repro.pipeline.executors', 'torch'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_step_id_reads_back_from_its_text(tmp_path):
    steps = plan_recipe(figure_module(2).recipe(get_profile("smoke")))
    assert all(StepId.parse(str(s.id)) == s.id and str(s.id) == f"{s.kind}/{s.key}" for s in steps)
    for bad in ("train", "train/", "/abc", "train/a/b"):
        with pytest.raises(ReproError, match="is not a step id"):
            StepId.parse(bad)
    index = tmp_path / "jobs.json"
    index.write_text('{"train/abc": "17", "score/def": "18"}')
    assert read_job_index(index) == {StepId("train", "abc"): "17", StepId("score", "def"): "18"}
    assert read_job_index(tmp_path / "none.json") == {}
