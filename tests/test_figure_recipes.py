"""Every figure's resolved paper recipe (`repro show N --profile paper --json`) against docs/README.md#what-each-document-holds
sections A, B and E: models, modes, layer ranges, ranks, epochs, checkpoints, benchmarks, samples and
decoding; and the sharing of training runs between figures (docs/compute.md#compute)."""

import json

import pytest
from typer.testing import CliRunner

from repro.cli import app

Q7, Q14 = "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B"
L8, QW = "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "Qwen/Qwen2-1.5B-Instruct"
ALL4 = {"aime24", "gpqa_diamond", "humaneval", "mbpp"}

# docs/figures.md#shared-conventions: figure -> (training runs, safety benchmark, reasoning benchmarks)
EXPECTED = {
    1: ({(Q14, "full")}, None, set()),
    2: ({(Q7, "full"), (Q7, "lora_mlp_r1"), (Q14, "full"), (Q14, "lora_mlp_r1")}, "strongreject", ALL4),
    3: ({(Q14, f"lora_mlp_r{r}") for r in (1, 2, 4, 8, 16, 32, 64)} | {(Q14, "full")}, "strongreject",
        {"aime24", "gpqa_diamond"}),
    4: ({(Q14, "lora_qkvo_mlp_r1"), (Q14, "lora_mlp_r1")}, "strongreject", {"aime24", "gpqa_diamond"}),
    5: ({(Q14, "lora_mlp_r1")} | {(Q14, f"lora_{m}_proj_only_r1") for m in ("up", "gate", "down")}, "strongreject",
        ALL4),
    6: ({(Q14, f"lora_up_proj_only_from{a}_to{b}_r1") for a, b in ((4, 19), (16, 31), (24, 39))}
        | {(Q14, "lora_up_proj_only_r1")}, "strongreject", ALL4),
    7: ({(Q14, "full"), (Q14, "lora_qkvo_mlp_r4")}, None, set()),
    8: ({(Q14, "lora_mlp_r4"), (Q14, "lora_mlp_orthogonal_norm_r4_beta1_k64"),
         (Q14, "lora_mlp_orthogonal_norm_both_r4_beta1_k64")}, "strongreject", ALL4),
    9: ({(Q7, "full"), (Q7, "lora_mlp_r1"), (Q14, "full"), (Q14, "lora_mlp_r1")}, "strongreject",
        {"humaneval", "mbpp"}),
    10: ({(L8, "full"), (L8, "lora_mlp_r1")}, "strongreject", {"aime24"}),
    11: ({(Q14, "full"), (Q14, "lora_mlp_r1")}, "beavertails", {"aime24", "gpqa_diamond"}),
    12: ({(QW, "full"), (QW, "lora_mlp_r1")}, "strongreject", {"boolq", "copa"}),
}


def show(number: int, profile: str = "paper") -> dict:
    result = CliRunner().invoke(app, ["show", str(number), "--profile", profile, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_paper_recipe_matches_the_spec(number):
    d = show(number)
    runs_expected, safety, reasoning = EXPECTED[number]
    runs = {(r["model"]["name"], r["mode"]): r for r in d["runs"]}
    assert set(runs) == runs_expected
    for (model, mode), r in runs.items():
        full = mode == "full"
        assert r["epochs"] == (5 if full else 10)
        assert r["batch_size"] == (1 if full and model == Q14 else 2) == r["effective_batch_size"]
        assert r["learning_rate"] == 5e-5 and r["optimizer"]["weight_decay"] == 1e-4
        assert r["lr_schedule"]["warmup_steps"] == 0 and r["lr_schedule"]["type"] == "cosine"
        steps = r["steps_per_epoch"]
        assert steps == 1000 // r["batch_size"]
        assert [c["step"] for c in r["checkpoints"]] == [steps * e for e in range(1, r["epochs"] + 1)]
        if not full:
            assert r["lora"]["alpha"] == 16 and r["lora"]["dropout"] == 0.05
    benches = {e["benchmark"] for e in d["evaluations"]}
    assert benches == reasoning | ({safety} if safety else set())
    for e in d["evaluations"]:
        dec = e["decoding"]
        if e["benchmark"] in ("strongreject", "beavertails"):
            assert dec["greedy"] and dec["max_new_tokens"] == 2048 and dec["n_samples"] == 1
            assert e["judge"]["model"] == "meta-llama/Llama-Guard-3-8B"
        elif e["benchmark"] in ALL4:
            assert (dec["temperature"], dec["top_p"], dec["max_new_tokens"], dec["n_samples"]) == (0.6, 0.95, 32768, 8)
            assert dec["seeds"] == list(range(8))
    for p in d["panels"]:
        assert p["x_benchmark"] == safety


def test_fig6_layer_blocks_are_the_papers_one_based_ranges_zero_based():
    runs = {r["mode"]: r for r in show(6)["runs"]}
    blocks = {m: (r["lora"]["layers"]["first"], r["lora"]["layers"]["last"]) for m, r in runs.items()
              if r["lora"]["layers"] != "all"}
    assert sorted(blocks.values()) == [(4, 19), (16, 31), (24, 39)]  # "5-20", "17-32", "25-40" of 48
    assert all(r["lora"]["target_modules"] == ["up_proj"] and r["lora"]["r"] == 1 for r in runs.values())
    names = [s["name"] for s in show(6)["panels"][0]["series"]]
    assert names == ["Early (5-20)", "Middle (17-32)", "Late (25-40)", "All"]


def test_fig3_ranks_and_final_checkpoints():
    d = show(3)
    ranks = sorted(r["lora"]["r"] for r in d["runs"] if r["lora"])
    assert ranks == [1, 2, 4, 8, 16, 32, 64]
    sweep = [p for p in d["panels"] if p["kind"] == "rank_sweep"]
    assert [p["y_benchmark"] for p in sweep] == ["aime24", "gpqa_diamond", "strongreject"]
    for p in sweep:
        lora, full = p["series"]
        assert all(c.endswith(" e10") for c in lora["checkpoints"]) and full["checkpoints"] == ["full e5"]
    fronts = [p for p in d["panels"] if p["kind"] == "frontier"]
    assert all(p["pareto_front"] == "series" and len(p["series"]) == 7 for p in fronts)


def test_smoke_maps_layer_blocks_by_relative_depth():
    runs = {r["mode"] for r in show(6, "smoke")["runs"]}
    assert runs == {"lora_up_proj_only_from1_to2_r1", "lora_up_proj_only_from2_to3_r1",
                    "lora_up_proj_only_from3_to4_r1", "lora_up_proj_only_r1"}


def test_shared_runs_are_one_training_step_across_figures():
    """The 14B lora_mlp_r1 run feeds Figs. 2, 3, 4, 5, 9 and 11: one key, so one training step."""
    from repro.figures.registry import figure_module
    from repro.pipeline.plan import plan_recipe, plan_recipes
    from repro.profiles import get_profile

    paper = get_profile("paper")
    recs = [figure_module(n).recipe(paper) for n in range(1, 13)]
    union = plan_recipes(recs)
    assert len({s.id for s in union}) == len(union)
    per_figure = sum(len(plan_recipe(r)) for r in recs)
    assert len(union) < per_figure
    mlp_r1 = [s for s in union if s.kind == "train" and s.spec.mode == "lora_mlp_r1" and s.spec.model.name == Q14]
    assert len(mlp_r1) == 1
    users = [r.number for r in recs if any(t.key == mlp_r1[0].key for t in r.trains)]
    assert users == [2, 3, 4, 5, 9, 11]
    trains = [s for s in union if s.kind == "train"]
    assert len(trains) == 24  # docs/compute.md#compute: 24 unique training runs


def test_show_reads_at_80_columns_and_pipes_one_line_per_row():
    import os
    import re
    import subprocess
    import sys

    def show(**env):
        proc = subprocess.run([sys.executable, "-m", "repro", "show", "2", "--profile", "smoke"], capture_output=True,
                              text=True, env={**os.environ, "COLUMNS": "80", **env}, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    piped = show().splitlines()
    runs = [line for line in piped if line.startswith("run ")]
    assert runs and all(re.search(r"-[0-9a-f]{12}$", line) for line in runs)  # one row, key and all, per line
    assert any(len(line) > 80 for line in piped)  # never wrapped when piped
    shown = [re.sub(r"\x1b\[[0-9;]*m", "", line).rstrip() for line in show(FORCE_COLOR="1").splitlines()]
    assert shown and max(map(len, shown)) <= 80
    # a wrapped detail line continues under its first line, at its indent
    i = next(i for i, line in enumerate(shown) if line.startswith("    ") and "epochs x" in line)
    assert shown[i + 1].startswith("    ") and not shown[i + 1].startswith("     ")
