"""Figures 1, 7 and 8: their recipes plan the right steps in both profiles, and on the smoke profile
they run end to end and render sane data (stable ranks >= 1, m1-m4 in [0, 1], OrthoMerge points)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from repro.errors import ReproError
from repro.figures import fig01, fig07, fig08
from repro.pipeline.plan import plan_recipe
from repro.profiles import get_profile
from repro.specs import GeometrySpec, OrthoMergeCheckpointSpec, OrthoMergeSpec

PAPER, SMOKE = get_profile("paper"), get_profile("smoke")


def _kinds(steps) -> dict[str, int]:
    out: dict[str, int] = {}
    for s in steps:
        out[s.kind] = out.get(s.kind, 0) + 1
    return out


def test_fig1_and_fig7_analyses_read_the_training_runs_directly():
    for prof in (PAPER, SMOKE):
        steps1 = plan_recipe(fig01.recipe(prof))
        (geo,) = [s for s in steps1 if s.kind == "geometry"]
        assert geo.spec.analysis == "stable_rank" and geo.spec.checkpoint.train.mode == "full"
        assert geo.spec.checkpoint.epoch == geo.spec.checkpoint.train.epochs  # the final checkpoint
        steps7 = plan_recipe(fig07.recipe(prof))
        assert _kinds(steps7).get("merge", 0) == 0  # LoRA analysed from the adapter alone, no merge
        geos = [s for s in steps7 if s.kind == "geometry"]
        assert [g.spec.checkpoint.train.mode for g in geos] == ["full", "lora_qkvo_mlp_r4"]
        assert all(g.spec.top_k == 16 and g.spec.analysis == "overlap" for g in geos)
        assert all(any(d.kind == "train" for d in g.deps) for g in geos)
    # Fig. 1's full run is Fig. 7's (and Fig. 2's 14B full run): one training, shared by key.
    assert fig01.recipe(PAPER).trains[0].key == fig07.recipe(PAPER).trains[0].key


def test_fig8_paper_recipe():
    rec = fig08.recipe(PAPER)
    assert [t.mode for t in rec.trains] == ["lora_mlp_r4", "lora_mlp_orthogonal_norm_r4_beta1_k64",
                                            "lora_mlp_orthogonal_norm_both_r4_beta1_k64"]
    assert [t.reg_k_policy for t in rec.trains] == [None, "authors", "authors"]
    assert all(t.epochs == 10 and t.parsed.rank == 4 for t in rec.trains)
    panel = rec.panels[0]
    by_name = {s.name: s for s in panel.series}
    assert list(by_name) == ["Vanilla", "reg-col", "reg-both", "OrthoMerge-col", "OrthoMerge-both"]
    for variant in ("col", "both"):
        ckpts = [p.checkpoint for p in by_name[f"OrthoMerge-{variant}"].points]
        assert all(isinstance(c, OrthoMergeCheckpointSpec) and c.epoch == 10 and c.train.mode == "lora_mlp_r4"
                   for c in ckpts)
        assert [c.orthomerge.lam for c in ckpts] == [1.0, 1.1, 1.15, 1.2, 1.25, 1.75]
        assert {c.orthomerge.k for c in ckpts} == {64} and {c.orthomerge.variant for c in ckpts} == {variant}
    assert [p.title for p in rec.panels] == ["(a) AIME 2024", "(a) GPQA-Diamond", "(b) HumanEval+", "(b) MBPP+"]
    assert [s.name for s in rec.panels[2].series] == ["Vanilla", "OrthoMerge-both"]
    kinds = _kinds(plan_recipe(rec))
    assert kinds["orthomerge"] == 12 and kinds["train"] == 3 and kinds["merge"] == 30
    # The k = 64-for-every-module option retrains only the regularized runs.
    nominal = fig08.recipe(PAPER, reg_k_policy="nominal")
    assert nominal.trains[0].key == rec.trains[0].key
    assert all(a.key != b.key for a, b in zip(nominal.trains[1:], rec.trains[1:], strict=True))


def test_orthomerge_checkpoints_are_distinct_checkpoints():
    rec = fig08.recipe(SMOKE)
    vanilla = rec.trains[0]
    base = SMOKE.checkpoints(vanilla)[-1]
    om = [OrthoMergeCheckpointSpec(base.model, vanilla, base.epoch, OrthoMergeSpec(v, 8, lam))
          for v in ("col", "both") for lam in (1.0, 1.25)]
    keys = {c.key for c in om} | {base.key}
    assert len(keys) == 5
    assert om[3].label == "lora_mlp_r4 e3 OrthoMerge-both k=8 lambda=1.25"
    with pytest.raises(ReproError):
        OrthoMergeCheckpointSpec(base.model, None, None, OrthoMergeSpec("col", 8, 1.0))
    with pytest.raises(ReproError):
        GeometrySpec(SMOKE.base(fig01.MODEL), "stable_rank")
    with pytest.raises(ReproError):
        GeometrySpec(base, "spectral")
    assert replace(base).key == base.key  # plain checkpoints keep their keys


# --- end to end on the smoke profile --------------------------------------------------------------

def _run(root: Path, number: int):
    env = {**os.environ, "REPRO_ARTIFACTS": str(root / "artifacts"), "REPRO_FIGURES": str(root / "figures")}
    return subprocess.run([sys.executable, "-m", "repro", "figure", str(number), "--profile", "smoke"],
                          capture_output=True, text=True, env=env, timeout=1500)


@pytest.fixture(scope="module")
def smoke_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("geometry-figures")
    return root, {n: _run(root, n) for n in (1, 7, 8)}, _run(root, 1)


def _csv(root: Path, n: int) -> list[dict]:
    out = root / "figures" / f"fig{n:02d}" / "smoke"
    for ext in ("png", "pdf", "json", "csv"):
        assert (out / f"fig{n:02d}.{ext}").stat().st_size > 0
    return list(csv.DictReader((out / f"fig{n:02d}.csv").open()))


@pytest.mark.slow
def test_fig1_renders_stable_ranks(smoke_runs):
    root, runs, again = smoke_runs
    assert runs[1].returncode == 0, runs[1].stderr[-3000:]
    rows = _csv(root, 1)
    assert len(rows) == 6 * 7  # the 14B stand-in: 6 layers x 7 module types
    for r in rows:
        assert 1.0 - 1e-6 <= float(r["stable_rank"]) <= min(int(r["out"]), int(r["in"]))
    data = json.loads((root / "figures/fig01/smoke/fig01.json").read_text())
    assert set(data["per_module_mean"]) == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                                            "down_proj"}
    assert data["pass"]["bytes_read"] > 0 and data["deviations"]
    assert again.returncode == 0 and "ran 0 steps" in again.stderr  # a rerun only renders


@pytest.mark.slow
def test_fig7_renders_overlaps_for_full_and_lora(smoke_runs):
    root, runs, _ = smoke_runs
    assert runs[7].returncode == 0, runs[7].stderr[-3000:]
    assert "train 1" in runs[7].stderr and "geometry 2" in runs[7].stderr  # Fig. 1's full run is reused
    rows = _csv(root, 7)
    assert {r["run"] for r in rows} == {"Full", "LoRA"} and len(rows) == 2 * 42
    for r in rows:
        for m in ("m1", "m2", "m3", "m4"):
            assert 0.0 <= float(r[m]) <= 1.0
    means = json.loads((root / "figures/fig07/smoke/fig07.json").read_text())["mean_over_layers"]
    assert all(len(means[run][m]) == 7 for run in ("Full", "LoRA") for m in ("m1", "m2", "m3", "m4"))


@pytest.mark.slow
def test_fig8_renders_every_method_with_orthomerge_points(smoke_runs):
    root, runs, _ = smoke_runs
    assert runs[8].returncode == 0, runs[8].stderr[-3000:]
    rows = _csv(root, 8)
    panels = {r["panel"] for r in rows}
    code = all(b in SMOKE.benchmarks for b in fig08.BENCH_B)
    assert panels == {"(a) AIME 2024", "(a) GPQA-Diamond"} | ({"(b) HumanEval+", "(b) MBPP+"} if code else set())
    for panel in panels - {"(a) AIME 2024", "(a) GPQA-Diamond"}:  # 8b: vanilla vs OrthoMerge-both
        mine = [r for r in rows if r["panel"] == panel]
        assert sorted({r["series"] for r in mine}) == ["OrthoMerge-both", "Vanilla"] and len(mine) == 3 + 2
        assert {r["reasoning_metric"] for r in mine} == {"plus_pass@1"}
    for panel in ("(a) AIME 2024", "(a) GPQA-Diamond"):
        mine = [r for r in rows if r["panel"] == panel]
        counts = {m: sum(r["series"] == m for r in mine) for m in fig08.STYLE}
        assert counts == {"Vanilla": 3, "reg-col": 3, "reg-both": 3, "OrthoMerge-col": 2, "OrthoMerge-both": 2}
        om = sorted((r["series"], float(r["lambda"])) for r in mine if r["series"].startswith("OrthoMerge"))
        assert om == [("OrthoMerge-both", 1.0), ("OrthoMerge-both", 1.25), ("OrthoMerge-col", 1.0),
                      ("OrthoMerge-col", 1.25)]
        for m in fig08.STYLE:  # every method has a Pareto front
            assert any(r["series_pareto"] == "True" for r in mine if r["series"] == m)
        assert all(0 <= float(r["safety"]) <= 1 and 0 <= float(r["reasoning"]) <= 1 for r in mine)
    art = root / "artifacts" / "smoke"
    reports = [json.loads(p.read_text()) for p in art.glob("train/*/train_report.json")]
    regs = [r["regularizer"] for r in reports if "regularizer" in r]
    assert sorted(r["variant"] for r in regs) == ["reg-both", "reg-col"]
    assert all(r["effective_k_counts"] == {"4": 17, "64": 1} for r in regs)  # 6 layers x 3 MLP modules
    merges = [json.loads(p.read_text()) for p in art.glob("orthomerge/*/orthomerge.json")]
    assert len(merges) == 4
    assert all(m["left_in_top_k_columns"] < 1e-4 for om in merges for m in om["modules"])
