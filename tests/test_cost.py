"""The cost plan: GPU-hour and disk estimates that scale with the specs, the union over figures, the
reduced profile (paper training, a stated subset of evaluation) and `repro plan` on the command line."""

import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from repro import roots
from repro.assets import registry as R
from repro.cli import app
from repro.errors import ReproError
from repro.figures import readme
from repro.figures.catalog import CATALOG
from repro.figures.registry import figure_module
from repro.pipeline import cost
from repro.pipeline.estimates import estimate, step_resources, union_cost
from repro.pipeline.kinds import ASSET, SCORE
from repro.pipeline.plan import Planner, plan_recipe
from repro.pipeline.steps import Step
from repro.profiles import PROFILES, get_profile
from repro.profiles.paper import PAPER, PAPER_BENCHMARKS
from repro.profiles.reduced import (
    REDUCED,
    REDUCED_BENCHMARKS_CUT,
    REDUCED_EPOCHS,
    REDUCED_MAX_NEW_TOKENS,
    REDUCED_SEEDS,
)
from repro.specs import GenerationSpec, ModelSpec

runner = CliRunner()


@pytest.fixture(scope="module")
def figure_steps():
    """{profile: {figure: steps}} for every implemented figure, planned once for the module."""
    return {p: {n: plan_recipe(figure_module(n).recipe(get_profile(p))) for n in sorted(CATALOG)}
            for p in ("paper", "reduced")}


def _gen_hours(bench: str = "aime24", model=R.R1_QWEN_14B, **decoding) -> float:
    b = PAPER_BENCHMARKS[bench]
    limit = decoding.pop("limit", None)
    b = replace(b, decoding=replace(b.decoding, **decoding), data=replace(b.data, limit=limit))
    gen = GenerationSpec(checkpoint=PAPER.base(model), benchmark=b, backend="vllm")
    return estimate(Step("generate", gen.key, gen, (), "g")).gpu_hours


def _total(steps) -> float:
    return sum(estimate(s).gpu_hours for s in steps)


# --- the estimates scale with the specs ---------------------------------------------------------------
def test_generation_cost_grows_with_tokens_seeds_questions_and_model_size():
    by_cap = [_gen_hours(max_new_tokens=c) for c in (4096, 8192, 16384, 32768)]
    by_seeds = [_gen_hours(seeds=tuple(range(n))) for n in (1, 2, 4, 8)]
    by_rows = [_gen_hours(limit=n) for n in (5, 10, 30)]
    assert by_cap == sorted(by_cap) and len(set(by_cap)) == 4
    assert by_seeds == sorted(by_seeds) and len(set(by_seeds)) == 4
    assert by_rows == sorted(by_rows) and len(set(by_rows)) == 3
    assert _gen_hours(model=R.R1_QWEN_7B) < _gen_hours(model=R.R1_QWEN_14B)


def test_mean_length_is_the_spec_mean_at_the_paper_cap_and_below_any_cap():
    assert cost.mean_new_tokens("aime24", 32768) == pytest.approx(12_000, rel=1e-6)  # docs/compute.md#compute
    assert cost.mean_new_tokens("gpqa_diamond", 32768) == pytest.approx(6_000, rel=1e-6)
    assert cost.mean_new_tokens("strongreject", 2048) == pytest.approx(800, rel=1e-6)
    for cap in (1024, 8192, 16384):
        assert cost.mean_new_tokens("aime24", cap) < min(cap, 12_000)


def test_paper_generation_token_total_per_checkpoint_matches_repro_spec_f():
    """~25M generated tokens per checkpoint for the four reasoning benchmarks (docs/compute.md#compute)."""
    tokens = sum(PAPER_BENCHMARKS[b].data.n_rows * 8 * cost.mean_new_tokens(b, 32768)
                 for b in ("aime24", "gpqa_diamond", "humaneval", "mbpp"))
    assert 24e6 < tokens < 26e6


def test_training_cost_and_disk_scale_with_steps_mode_and_size():
    lora14, full14 = PAPER.train(R.R1_QWEN_14B, "lora_mlp_r1"), PAPER.train(R.R1_QWEN_14B, "full")
    full7 = PAPER.train(R.R1_QWEN_7B, "full")

    def est(spec):
        return estimate(Step("train", spec.key, spec, (), "t"))

    assert est(replace(lora14, epochs=5)).gpu_hours < est(lora14).gpu_hours  # 2500 vs 5000 steps
    assert est(replace(lora14, batch_size=1)).gpu_hours > est(lora14).gpu_hours  # twice the steps
    assert est(lora14).gpu_hours < est(full14).gpu_hours
    assert 0.25 <= est(lora14).gpu_hours <= 0.75  # docs/compute.md#compute: 15-30 min + start and saves
    assert (est(full14).gpu, est(full7).gpu, est(lora14).gpu) == ("H200", "H100", "H100")  # 118 GB vs 61 GB
    # LoRA r=1 on the 14B MLP: 48 layers x (2 x (5120 + 13824) + (13824 + 5120)) = 2.73M adapter parameters
    assert cost.adapter_params(lora14) == 48 * 3 * (5120 + 13824)
    assert cost.adapter_params(PAPER.train(R.R1_QWEN_14B, "lora_mlp_r4")) == 4 * cost.adapter_params(lora14)
    assert est(lora14).disk_bytes < 0.001 * est(full14).disk_bytes
    merged = PAPER.checkpoints(lora14)[0]
    assert estimate(Step("merge", merged.key, merged, (), "m")).disk_bytes == pytest.approx(2 * 14.77e9)


def test_cost_grows_with_the_checkpoints_evaluated():
    """Fig. 2's experiment (its recipe as data) with each run evaluated at its first k epochs only."""
    from repro.figures.experiment.build import figure_recipe

    exp = figure_module(2).experiment(PAPER)

    def first_epochs(k: int):
        runs = [r.model_copy(update={"evaluate_epochs": list(range(1, k + 1))}) for r in exp.runs]
        return figure_recipe(exp.model_copy(update={"runs": runs}), 2)

    totals = [_total(plan_recipe(first_epochs(k))) for k in (1, 2, 3, 5)]
    assert totals == sorted(totals) and len(set(totals)) == 4


def test_a_model_without_a_parameter_count_is_one_clear_error():
    spec = ModelSpec(name="someone/Unknown-3B", revision="x", family="deepseek", num_layers=4, label="u")
    with pytest.raises(ReproError, match="has no shape"):
        spec.params_b  # noqa: B018


def test_slurm_requests_derive_from_the_cost_model():
    """Every benchmark's generation step (and its scoring) asks Slurm for at most the cost model's estimate times the
    stated margin, plus the job's start, and never less than the estimate."""
    from repro.pipeline.executors.resources import START_SLACK_MIN, TIME_MARGIN

    paper = get_profile("paper")
    for model in (R.R1_QWEN_7B, R.R1_QWEN_14B):
        for bench in paper.benchmarks:
            for s in plan_recipe_of_one(paper.score(paper.base(model), bench)):
                est = estimate(s)
                req = step_resources(s)
                minutes = 60 * (est.gpu_hours / max(1, req.gpus) if est.gpu_hours else est.cpu_hours)
                assert minutes <= req.time_min <= TIME_MARGIN * minutes + START_SLACK_MIN + 1, (s.label, req, est)


def plan_recipe_of_one(score):
    planner = Planner()
    planner.plan(SCORE, score)
    return [s for s in planner.steps.values() if s.kind in ("generate", "score")]


def test_smoke_steps_cost_no_gpu_and_finished_ones_are_measured(tmp_path):
    from repro.pipeline.execute import execute
    from repro.pipeline.store import ArtifactStore

    smoke = get_profile("smoke")
    model = smoke.model(R.R1_QWEN_7B)
    planner = Planner()
    planner.plan(ASSET, model)
    (build,) = planner.steps.values()
    store = ArtifactStore(tmp_path, "smoke")
    before = estimate(build, store)
    assert before.gpu_hours == 0 and before.measured == () and before.cpu_hours > 0
    execute([build], store)  # builds the tiny model for real
    after = estimate(build, store)
    manifest = store.step_dir(build.kind, build.key).manifest()
    assert after.measured == ("cpu_hours", "disk_bytes")
    assert after.cpu_hours == pytest.approx(manifest["wall_time_s"] / 3600)
    assert after.disk_bytes > 100_000  # the tiny model's weights and tokenizer
    for s in plan_recipe(figure_module(2).recipe(smoke)):
        assert estimate(s).gpu_hours == 0


# --- the union over figures -----------------------------------------------------------------------------
def test_figures_2_and_9_share_everything(figure_steps):
    paper = figure_steps["paper"]
    alone = union_cost({2: paper[2]})
    both = union_cost({2: paper[2], 9: paper[9]})
    fig9 = next(f for f in both["figures"] if f["figure"] == 9)
    assert fig9["gpu_hours"] > 0
    assert both["union"]["gpu_hours"] == pytest.approx(alone["union"]["gpu_hours"])
    assert both["saving_gpu_hours"] == pytest.approx(fig9["gpu_hours"])


def test_reduced_costs_less_than_paper_for_every_figure(figure_steps):
    for n in sorted(CATALOG):
        paper, reduced = _total(figure_steps["paper"][n]), _total(figure_steps["reduced"][n])
        evaluates = any(s.kind == "generate" for s in figure_steps["paper"][n])
        print(f"fig {n}: paper {paper:.1f} GPU-h, reduced {reduced:.1f}")
        if evaluates:
            assert reduced < paper, n
        else:  # weights-only figures (1, 7): training and analyses are never reduced
            assert reduced == pytest.approx(paper), n


def test_reduced_fig2_costs_about_one_gpu_day(figure_steps):
    """The reduced profile's promise (its description and README.md): Fig. 2 in about one GPU-day."""
    hours = _total(figure_steps["reduced"][2])
    print(f"reduced Fig. 2: {hours:.1f} GPU-hours (paper: {_total(figure_steps['paper'][2]):.1f})")
    assert 24 * 0.8 < hours < 24 * 1.2


def test_costs_quoted_in_the_docs_are_the_cost_models(tmp_path):
    """README.md's and docs/compute.md's GPU-hours are the cost model's (`python -m repro.figures.readme`); a number
    edited by hand is found stale and rewritten."""
    assert readme.stale_docs() == []
    (tmp_path / "docs").mkdir()
    for rel in ("README.md", "docs/compute.md"):
        (tmp_path / rel).write_text((roots.SOURCE_TREE / rel).read_text(encoding="utf-8"), encoding="utf-8")
    reduced_fig2 = f"{_total(plan_recipe(figure_module(2).recipe(REDUCED))):.1f}"
    page = tmp_path / "README.md"
    row = next(line for line in page.read_text().splitlines() if line.startswith("| `reduced` GPU-h |"))
    assert row.split(" | ")[2] == reduced_fig2
    page.write_text(page.read_text().replace(row, row.replace(f" {reduced_fig2} ", " 23 ", 1)))
    assert readme.stale_docs(tmp_path) == [page]
    assert readme.write_docs(tmp_path) == [page]
    assert readme.stale_docs(tmp_path) == []


# --- the reduced profile differs from paper only as stated ---------------------------------------------
def test_reduced_profile_is_registered():
    assert PROFILES["reduced"] is REDUCED and get_profile("reduced").backend == PAPER.backend


def test_reduced_recipes_differ_from_paper_only_in_the_stated_cuts():
    for n in sorted(CATALOG):
        p_rec, r_rec = figure_module(n).recipe(PAPER), figure_module(n).recipe(REDUCED)
        assert [t.key for t in r_rec.trains] == [t.key for t in p_rec.trains], n  # training never reduced
        assert [a.key for a in r_rec.analyses] == [a.key for a in p_rec.analyses], n
        # the profile's cuts, then the same figure-specific deviations as paper's
        assert r_rec.deviations == REDUCED.deviations + p_rec.deviations[len(PAPER.deviations):], n
        paper_ckpts = {s.generation.checkpoint.key for s in p_rec.scores()}
        for s in r_rec.scores():
            g = s.generation
            assert g.checkpoint.key in paper_ckpts  # a subset of the paper's checkpoints
            ckpt = g.checkpoint
            if ckpt.train is not None and getattr(ckpt, "orthomerge", None) is None:
                assert ckpt.epoch in REDUCED_EPOCHS[ckpt.train.parsed.kind]
            paper_bench = PAPER_BENCHMARKS[g.benchmark.name]
            if g.benchmark.name in REDUCED_BENCHMARKS_CUT:
                assert g.benchmark.decoding == replace(paper_bench.decoding, seeds=REDUCED_SEEDS,
                                                       max_new_tokens=REDUCED_MAX_NEW_TOKENS)
                assert replace(g.benchmark, decoding=paper_bench.decoding) == paper_bench
            else:
                assert g.benchmark == paper_bench
            assert (s.scorer, s.judge, g.backend) == (PAPER.score(ckpt, g.benchmark.name).scorer,
                                                      PAPER.judge_for(g.benchmark.name), PAPER.backend)


def test_reduced_keeps_final_checkpoints_and_states_every_cut():
    for kind, epochs in REDUCED_EPOCHS.items():
        run = PAPER.train(R.R1_QWEN_14B, "full" if kind == "full" else "lora_mlp_r1")
        assert [c.epoch for c in REDUCED.checkpoints(run)] == list(epochs)
        assert REDUCED.checkpoints(run)[-1] == PAPER.checkpoints(run)[-1]
    text = " ".join(REDUCED.deviations)
    for needle in ("epochs 1, 3, 5 of 5", "epochs 1, 2, 5, 10 of 10", f"n = {len(REDUCED_SEEDS)} seeds",
                   f"{REDUCED_MAX_NEW_TOKENS} new tokens", "instead of 32768", "instead of 8"):
        assert needle in text, needle
    assert REDUCED.deviations[:len(PAPER.deviations)] == PAPER.deviations


# --- the command line ----------------------------------------------------------------------------------
def test_plan_all_paper_json(tmp_path, monkeypatch):
    monkeypatch.setenv("REPRO_ARTIFACTS", str(tmp_path))
    res = runner.invoke(app, ["plan", "--all", "--profile", "paper", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    total, summed = d["union"]["gpu_hours"], d["sum_of_figures_gpu_hours"]
    print(f"paper, all figures: {total:.0f} GPU-hours together, {summed:.0f} summed over figures, "
          f"saving {d['saving_pct']:.0f}%; disk {d['union']['disk_bytes'] / 1e12:.1f} TB")
    assert 200 < total < 1500  # docs/compute.md#compute: hundreds of GPU-hours (a units error would be off by 60x or more)
    assert total < summed and d["saving_gpu_hours"] == pytest.approx(summed - total)
    assert d["union"]["gpu_hours_left"] == pytest.approx(total)  # nothing has run in this store
    assert sorted(f["figure"] for f in d["figures"]) == sorted(CATALOG) and not d["skipped_figures"]
    top = d["training_runs_by_sharing"][0]
    assert {2, 9} <= set(top["figures"]) and len(top["figures"]) >= 2
    runs = {r["run"]: r["figures"] for r in d["training_runs_by_sharing"]}  # the most-shared run (docs/compute.md#compute)
    assert runs["train R1-Distill-Qwen-14B lora_mlp_r1 (10 ep, bs 2)"] == [2, 3, 4, 5, 9, 11]
    assert set(d["union"]["gpu_hours_by_kind"]) >= {"train", "merge", "generate", "judge/score", "geometry"}
    assert d["assumptions"]["decode_tok_s_14b"]["source"].startswith("docs/compute.md")


def test_plan_one_figure_table_and_json(tmp_path, monkeypatch):
    monkeypatch.setenv("REPRO_ARTIFACTS", str(tmp_path))
    res = runner.invoke(app, ["plan", "2", "--profile", "reduced", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["totals"]["gpu_hours"] == pytest.approx(sum(s["gpu_hours"] for s in d["steps"]))
    assert {s["state"] for s in d["steps"]} == {"todo"}
    table = runner.invoke(app, ["plan", "2", "--profile", "reduced"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "GPU-hours: " in table.stdout and "left to run" in table.stdout
    assert f"{d['totals']['gpu_hours']:.1f}" in table.stdout


@pytest.mark.parametrize("args", [["plan"], ["plan", "2", "--all"]])
def test_plan_needs_one_figure_or_all(args):
    res = runner.invoke(app, args)
    assert res.exit_code != 0 and isinstance(res.exception, ReproError)
    assert "name one figure or --all" in str(res.exception)
