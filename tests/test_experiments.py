"""Experiment files: every ejectable figure round-trips (eject, then `repro run --plan` plans exactly the steps
`repro figure` plans, and the file is the figure's own experiment and draws its panels) in the smoke, paper and
toy profiles (the toy's one stand-in for two models drawn once); a paper-profile experiment on a hub model outside
the registry plans on a CPU machine and stops at the CUDA check with one line; malformed files are one line each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import _one_error_line, repro

from repro.figures.experiment import schema
from repro.figures.experiment.build import recipe as build
from repro.figures.experiment.eject import EJECTABLE, eject
from repro.figures.registry import figure_module
from repro.pipeline.plan import plan_recipe
from repro.profiles import get_profile

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "experiments" / "fig2-protocol-on-another-model.toml"


@pytest.mark.parametrize("profile", ["smoke", "paper", "toy"])
@pytest.mark.parametrize("number", EJECTABLE)
def test_ejected_figures_plan_exactly_the_figures_steps(tmp_path, number, profile):
    prof = get_profile(profile)
    if prof.figures is not None and number not in prof.figures:
        pytest.skip(f"figure {number} has no {profile} recipe")
    rec = figure_module(number).recipe(prof)
    path = tmp_path / f"fig{number:02d}.toml"
    path.write_text(eject(number, prof))
    ejected = build(schema.load(path), path)
    assert sorted(s.id for s in plan_recipe(ejected)) == sorted(s.id for s in plan_recipe(rec))
    if number != 3:  # the figure's recipe is its experiment: the file draws the same panels (Fig. 3: its runs only)
        assert ejected.panels == rec.panels
        assert schema.load(path) == figure_module(number).experiment(prof)


def test_eject_prints_a_file_run_reads(tmp_path):
    proc = repro("eject", "10", "--profile", "smoke")
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "mine.toml"
    path.write_text(proc.stdout)
    plan = json.loads(repro("run", str(path), "--plan", "--json", env={"REPRO_ARTIFACTS": str(tmp_path / "a")}).stdout)
    fig = json.loads(repro("plan", "10", "--profile", "smoke", "--json",
                           env={"REPRO_ARTIFACTS": str(tmp_path / "a")}).stdout)
    assert sorted(s["id"] for s in plan["steps"]) == sorted(s["id"] for s in fig["steps"])
    assert "not ejectable" in _one_error_line(repro("eject", "8", "--profile", "smoke"))


HUB = '''
title = "Fig. 2's protocol on another reasoning model"
profile = "paper"

[models.other]
hub = "example-org/Reasoner-7B"
revision = "0123456789abcdef0123456789abcdef01234567"
family = "deepseek"
num_layers = 28
shape = { params_b = 7.6, hidden = 3584, intermediate = 18944, kv_width = 512 }

[[runs]]
name = "LoRA"
model = "other"
mode = "lora_up_proj_only_from8_to19_r1"
learning_rate = 1e-4

[evaluation]
benchmarks = ["aime24", "gpqa_diamond"]
'''


def test_a_hub_model_outside_the_registry_plans_on_cpu_and_stops_at_the_cuda_check(tmp_path):
    path = tmp_path / "hub.toml"
    path.write_text(HUB)
    env = {"REPRO_ARTIFACTS": str(tmp_path / "a"), "REPRO_FIGURES": str(tmp_path / "f"), "CUDA_VISIBLE_DEVICES": ""}
    plan = json.loads(repro("run", str(path), "--plan", "--json", env=env).stdout)
    kinds = {s["kind"] for s in plan["steps"]}
    assert kinds == {"train", "merge", "generate", "score"}
    assert plan["totals"]["gpu_hours"] > 1 and plan["totals"]["disk_bytes"] > 1e9
    table = repro("run", str(path), "--plan", env=env)
    assert table.returncode == 0 and "train Reasoner-7B lora_up_proj_only_from8_to19_r1" in table.stdout
    line = _one_error_line(repro("run", str(path), env=env))
    assert "needs CUDA GPUs" in line and "--profile smoke" in line
    assert not (tmp_path / "a").exists() and not (tmp_path / "f").exists()


BAD = [  # (what to change in the example file, what the one line says)
    ("learning_rate = 1e-4", "learning_rat = 1e-4", "unknown key 'learning_rat' -- did you mean 'learning_rate'?"),
    ('mode = "lora_up_proj_only_from8_to19_r1"', 'mode = "lora_mlp_r01"', "malformed mode string 'lora_mlp_r01'"),
    ('mode = "lora_up_proj_only_from8_to19_r1"', 'mode = "lora_up_proj_only_from8_to39_r1"', "has 28 layers (0-27)"),
    ('benchmarks = ["aime24", "gpqa_diamond"]', 'benchmarks = ["aime25"]', "benchmark 'aime25' does not exist"),
    ('revision = "0123456789abcdef0123456789abcdef01234567"', "", "a hub model needs its revision"),
    ('profile = "paper"', 'profile = "laptop"', "profile: Input should be 'paper', 'reduced', 'smoke' or 'toy'"),
    ("num_layers = 28", 'num_layers = "many"', "num_layers: Input should be a valid integer"),
    ('model = "other"', 'model = "missing"', "runs[0].model: 'missing' is not a model of the file's [models]"),
    ("[evaluation]", "[evaluaton]", "unknown key 'evaluaton' -- did you mean 'evaluation'?"),
    ('title = "Fig', 'title = "Fig" "', "not valid TOML"),
]


@pytest.mark.parametrize("old, new, needle", BAD, ids=[b[2][:30] for b in BAD])
def test_malformed_files_get_one_line(tmp_path, old, new, needle):
    assert old in HUB
    path = tmp_path / "bad.toml"
    path.write_text(HUB.replace(old, new, 1))
    env = {"REPRO_ARTIFACTS": str(tmp_path / "a"), "REPRO_FIGURES": str(tmp_path / "f")}
    line = _one_error_line(repro("run", str(path), "--plan", env=env))
    assert needle in line and str(path) in line, line
    assert not (tmp_path / "a").exists() and not (tmp_path / "f").exists()


def test_the_shipped_example_is_valid_and_differs_from_the_paper_where_it_says():
    rec = build(schema.load(EXAMPLE), EXAMPLE)
    assert rec.profile == "smoke" and rec.panels and rec.trains
    assert any("learning_rate" in d for d in rec.deviations)
