"""Figure 12: the Qwen2-1.5B-Instruct path (authors' Qwen formatting, a tiny Qwen-instruct stand-in),
BoolQ/COPA as pipeline benchmarks (lm-eval loglikelihood -> acc), and the figure end to end on smoke."""

from __future__ import annotations

import csv
import dataclasses
import json
import math

import pytest
import torch

from repro.assets.datasets import load_rows
from repro.assets.registry import QWEN2_1_5B_INSTRUCT, R1_LLAMA_8B
from repro.errors import ReproError
from repro.evaluate import scoring
from repro.figures import fig12
from repro.pipeline.execute import execute
from repro.pipeline.kinds import SCORE
from repro.pipeline.plan import Planner, plan_recipe
from repro.pipeline.runners import read_score
from repro.pipeline.store import ArtifactStore, read_jsonl
from repro.profiles.paper import PAPER
from repro.profiles.smoke import SMOKE, SMOKE_DIRECT_REFUSAL


def test_paper_recipe_settings():
    rec = fig12.recipe(PAPER)
    assert rec.number == 12 and rec.profile == "paper"
    full, lora = rec.trains
    for t in rec.trains:
        assert (t.model.name, t.model.revision) == ("Qwen/Qwen2-1.5B-Instruct",
                                                   "ba1cf1846d7df0a0591d6c00649f57e798519da8")
        assert t.model.family == "qwen" and t.batch_size == 2 and t.grad_accum == 1
        assert (t.learning_rate, t.weight_decay, t.lr_scheduler, t.warmup_steps) == (5e-5, 1e-4, "cosine", 0)
    assert (full.mode, full.epochs, full.precision) == ("full", 5, "pure_bf16")
    assert (lora.mode, lora.epochs, lora.precision) == ("lora_mlp_r1", 10, "bf16_base_fp16_autocast")
    assert [p.title for p in rec.panels] == ["Qwen2-1.5B-Instruct: BoolQ", "Qwen2-1.5B-Instruct: COPA"]
    assert [p.y_label for p in rec.panels] == ["BoolQ accuracy", "COPA accuracy"]
    assert {p.x_label for p in rec.panels} == {"Safety (StrongREJECT)"}
    for pan in rec.panels:
        assert [(s.name, len(s.points)) for s in pan.series] == [("Base", 1), ("Full", 5), ("LoRA", 10)]
        for s in pan.series:
            for p in s.points:
                assert p.x.generation.benchmark.name == "strongreject" and p.x.scorer == "llama_guard"
                y = p.y.generation.benchmark
                assert (y.scorer, y.metric, y.data.split, y.data.name) == ("lmeval_acc", "acc", "validation",
                                                                          "aps/super_glue")
                assert p.y.judge is None and p.y_key == "value"
    assert {s.generation.benchmark.data.config for s in rec.scores()} - {None} == {"boolq", "copa"}
    assert len(rec.scores()) == 16 * 3  # 16 checkpoints x (StrongREJECT, BoolQ, COPA)
    assert any("chat template" in d for d in rec.deviations) and any("hf model" in d for d in rec.deviations)


def test_smoke_recipe_settings():
    rec = fig12.recipe(SMOKE)
    model = SMOKE.model(QWEN2_1_5B_INSTRUCT)
    assert (model.tiny.arch, model.tiny.template, model.family) == ("qwen2", "qwen_instruct", "qwen")
    assert [(t.model, t.mode, t.epochs, t.batch_size) for t in rec.trains] == [
        (model, "full", 2, 2), (model, "lora_mlp_r1", 3, 2)]
    assert {s.generation.benchmark.data.path for s in rec.scores()} == {
        "strongreject/strongreject_dataset.csv", "boolq_smoke.jsonl", "copa_smoke.jsonl"}
    assert len(rec.scores()) == 6 * 3
    # the Fig. 10 stand-in the lead uses: a 4-layer Llama with the R1 template, DeepSeek formatting
    llama = SMOKE.model(R1_LLAMA_8B)
    assert (llama.tiny.arch, llama.tiny.template, llama.family, llama.num_layers) == ("llama", "r1", "deepseek", 4)


def test_tiny_qwen_instruct_trains_through_the_authors_qwen_path(tmp_path):
    """One short LoRA run on the Qwen stand-in through the real trainer: prompt masked, no BOS, the
    completion ends <|im_end|> \\n <|im_end|> and every completion token (that EOS included) is trained."""
    from repro.assets.tiny import build_tiny_model
    from repro.assets.tokenizers import load_tokenizer
    from repro.train import sft

    model_dir = build_tiny_model(SMOKE.model(QWEN2_1_5B_INSTRUCT), tmp_path / "qwen")
    tok = load_tokenizer(model_dir)
    im_end = tok.convert_tokens_to_ids("<|im_end|>")
    rows = load_rows(SMOKE_DIRECT_REFUSAL)
    spec = dataclasses.replace(SMOKE.train(QWEN2_1_5B_INSTRUCT, "lora_mlp_r1"), epochs=1)
    trainer, _ = sft.build_trainer(spec, model_dir, rows, tmp_path / "probe")
    for row, ex in zip(rows, trainer.train_dataset, strict=True):
        ids, labels = ex["input_ids"], ex["labels"]
        first = next(i for i, lab in enumerate(labels) if lab != -100)
        assert labels[first:] == ids[first:]
        assert tok.decode(ids[:first]) == (
            f"<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n{row['prompt']}"
            "<|im_end|>\n<|im_start|>assistant\n")
        response = row["refusal"].split("Answer:", 1)[1]
        assert tok.decode(ids[first:]) == f"{response}<|im_end|>\n<|im_end|>"
        assert labels[-1] == im_end and ids[0] == tok.convert_tokens_to_ids("<|im_start|>")
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(2)])
    n = [len(trainer.train_dataset[i]["input_ids"]) for i in range(2)]
    for r in range(2):  # pad is <|endoftext|>, not the EOS: the EOS keeps its label
        assert batch["labels"][r, n[r] - 1].item() == im_end

    result = sft.train(spec, model_dir, rows, tmp_path / "run")
    assert sorted(result.checkpoints) == [1] and result.report["total_steps"] == 4
    losses = [h["loss"] for h in result.report["loss_history"]]
    assert losses and all(math.isfinite(x) and x > 0 for x in losses)
    assert (result.checkpoints[1] / "adapter_model.safetensors").is_file()


# --- BoolQ / COPA as pipeline steps ---------------------------------------------------------------------

def test_multiple_choice_scorer_is_lm_evals_argmax():
    rows = [{"id": "0", "label": 1, "loglikelihoods": [-2.0, -1.0], "lm_eval_acc": 1.0},
            {"id": "1", "label": 0, "loglikelihoods": [-3.0, -1.5], "lm_eval_acc": 0.0},
            {"id": "2", "label": 0, "loglikelihoods": [-1.0, -1.0], "lm_eval_acc": 1.0},  # tie: first choice
            {"id": "3", "label": 1, "loglikelihoods": [-0.5, -4.0], "lm_eval_acc": 1.0, "finish_reason": "length"}]
    scored = scoring.score_multiple_choice(rows)
    assert [v["pred"] for v in scored.verdicts] == [1, 1, 0, 0]
    s = scored.summary
    assert (s["acc"], s["value"], s["n"], s["n_questions"], s["n_truncated"]) == (0.5, 0.5, 4, 4, 1)
    assert s["n_disagree_with_lm_eval"] == 1  # doc 3: our verdict 0, the stored lm-eval one 1
    assert s["acc_stderr"] == pytest.approx(math.sqrt(0.25 * 4 / 3 / 4))
    with pytest.raises(ReproError, match="label 2 for 2 choices"):
        scoring.score_multiple_choice([{"id": "x", "label": 2, "loglikelihoods": [-1.0, -2.0]}])
    with pytest.raises(ReproError, match="no documents"):
        scoring.score_multiple_choice([])


@pytest.fixture(scope="module")
def fig12_store(tmp_path_factory):
    return ArtifactStore(tmp_path_factory.mktemp("fig12-artifacts"), "smoke")


@pytest.mark.parametrize("benchmark", ["boolq", "copa"])
def test_boolq_copa_steps_on_the_tiny_model(benchmark, fig12_store):
    score = SMOKE.score(SMOKE.base(QWEN2_1_5B_INSTRUCT), benchmark)
    execute(plan_scores([score]), fig12_store)
    n_docs = len(load_rows(SMOKE.benchmark(benchmark).data))
    assert n_docs == 8
    s = read_score(fig12_store, score)
    assert s["scorer"] == "lmeval_acc" and s["metric"] == "acc"
    assert 0.0 <= s["acc"] <= 1.0 and s["value"] == s["acc"]
    assert (s["n"], s["n_questions"], s["n_samples_per_question"]) == (n_docs, n_docs, 1)
    assert (s["n_truncated"], s["n_no_answer"], s["n_scorer_exceptions"], s["n_disagree_with_lm_eval"]) == (0, 0, 0, 0)
    gen_dir = fig12_store.step_dir("generate", score.generation.key).path
    summary = json.loads((gen_dir / "summary.json").read_text())
    assert summary["lm_eval_model"] == "hf" and "lm_eval_acc" not in summary  # accuracy is the score step's
    assert (summary["lm_eval_task"], summary["chat_template"]) == (f"repro_{benchmark}", False)
    records = read_jsonl(gen_dir / "generations.jsonl")
    assert len(records) == n_docs
    for rec in records:
        assert len(rec["loglikelihoods"]) == 2 and all(ll < 0 for ll in rec["loglikelihoods"])
        assert "<|im_start|>" not in rec["context"]  # plain 0-shot prompt, no chat template
        assert 0 < rec["n_tokens"] <= summary["max_length"]
    if benchmark == "boolq":
        assert all(r["continuations"] == [" no", " yes"] for r in records)
    # the stored loglikelihoods are the model's: recompute one choice with plain transformers
    from transformers import AutoModelForCausalLM

    from repro.assets.tokenizers import load_tokenizer
    from repro.pipeline.locate import checkpoint_dir

    mdir = checkpoint_dir(fig12_store, score.generation.checkpoint)
    tok, model = load_tokenizer(mdir), AutoModelForCausalLM.from_pretrained(mdir).eval()
    rec = records[0]
    ctx = tok(rec["context"], add_special_tokens=False)["input_ids"]
    whole = tok(rec["context"] + rec["continuations"][1], add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logp = torch.log_softmax(model(torch.tensor([whole])).logits[0].float(), -1)
    ours = sum(logp[i - 1, whole[i]].item() for i in range(len(ctx), len(whole)))
    assert ours == pytest.approx(rec["loglikelihoods"][1], abs=1e-4)


@pytest.mark.slow
def test_fig12_renders_end_to_end_on_smoke(fig12_store, tmp_path):
    rec = fig12.recipe(SMOKE)
    execute(plan_recipe(rec), fig12_store)
    files = fig12.render(rec, fig12_store, tmp_path / "fig12")
    assert {p.suffix for p in files} >= {".png", ".pdf", ".json", ".csv"}
    assert all(p.stat().st_size > 0 for p in files)
    rows = list(csv.DictReader(next(p for p in files if p.suffix == ".csv").open()))
    assert len(rows) == 2 * 6  # 2 panels x (base + full 2 + LoRA 3)
    assert {r["panel"] for r in rows} == {"tiny-Qwen2-1.5B-Instruct: BoolQ", "tiny-Qwen2-1.5B-Instruct: COPA"}
    assert {r["reasoning_metric"] for r in rows} == {"value"}
    for r in rows:
        assert 0.0 <= float(r["reasoning"]) <= 1.0 and 0.0 <= float(r["safety"]) <= 1.0
        assert (r["reasoning_n_questions"], r["reasoning_samples_per_question"]) == ("8", "1")
        assert r["safety_n"] == "8"
    data = json.loads(next(p for p in files if p.suffix == ".json").read_text())
    assert [p["y_label"] for p in data["panels"]] == ["BoolQ accuracy", "COPA accuracy"]
    assert any("chat template" in d for d in data["deviations"])
    # a rerun finds every step finished
    steps = plan_recipe(rec)
    assert execute(steps, fig12_store) == {"skipped": len(steps), "ran": 0}


def plan_scores(scores) -> list:
    """The steps of ``scores``, each after the steps it reads."""
    planner = Planner()
    for s in scores:
        planner.plan(SCORE, s)
    return list(planner.steps.values())
