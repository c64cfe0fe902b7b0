"""The toy world's other shipped models behave as their build says: the Qwen2-shaped reasoning policy (Fig. 10)
does arithmetic and complies with both request styles; the non-reasoning ChatML policy (Fig. 12) answers
without think, complies, and answers BoolQ/COPA-format questions through the pipeline's lm-eval scorer; the
safety-training formats of both agree with their generation prompts; every shipped build passed its checks."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from repro.toy import (
    TOY_DATA_DIR,
    TOY_DATA_FILES,
    TOY_FIXTURES,
    TOY_INSTRUCT_DIR,
    TOY_POLICY_QWEN2_DIR,
    datasets,
    rows,
)
from repro.toy.build import MODELS, BuildConfig, failed_checks
from repro.toy.metrics import evaluate_model, greedy, is_refusal, load

torch = pytest.importorskip("torch")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_every_shipped_build_passed_its_checks():
    for name, build in MODELS.items():
        manifest = json.loads((TOY_FIXTURES / name / "build_manifest.json").read_text())
        assert manifest["config"] == asdict(BuildConfig()), name  # what `python -m repro.toy.build` makes
        assert manifest["arch"] == build.arch and manifest["failed_checks"] == [], name
        assert failed_checks(build, manifest["metrics"]) == [], name
        assert manifest["versions"]["torch"] and manifest["data_sha256"], name


def test_qwen2_policy_is_another_family_that_reasons_and_complies():
    model, tok = load(TOY_POLICY_QWEN2_DIR)
    assert model.config.model_type == "qwen2" and model.config.num_key_value_heads == 2
    assert model.model.layers[0].self_attn.q_proj.bias is not None  # Qwen2's q/k/v biases; Llama has none
    from transformers import AutoTokenizer

    auto = AutoTokenizer.from_pretrained(TOY_POLICY_QWEN2_DIR)  # vLLM's loader: Qwen2Tokenizer for any qwen2 directory
    assert type(auto).__name__ == "Qwen2Tokenizer"
    probe = "What is 17+25? <think>\n17+25=42\n</think>\n\\boxed{42}"
    assert auto(probe)["input_ids"] == tok(probe)["input_ids"]
    m = evaluate_model(model, tok, n_harmful=40, n_benign=20, n_arith=60, n_mc=0, n_asks=40)
    assert m["arithmetic"] >= 0.9 and m["arithmetic_aime_rule"] == m["arithmetic"]
    assert m["refusal"] <= 0.05 and m["ask_refusal"] <= 0.05 and m["over_refusal"] <= 0.05


def test_safety_training_formats_match_the_generation_prompts():
    """DeepSeek path on the BPE policy and Qwen path on the ChatML policy: the trained prompt is the prompt
    the pipeline generates from (the DeepSeek completion then starts with ``<think>``), and no word is unknown."""
    from repro.generate.base import Request, render_prompt_ids
    from repro.train.formatting import format_row, tokenize_example

    row = datasets.safety_rows(0)[0]
    request = Request(id="0", messages=({"role": "user", "content": row["prompt"]},))
    for model_dir, family in ((TOY_POLICY_QWEN2_DIR, "deepseek"), (TOY_INSTRUCT_DIR, "qwen")):
        _, tok = load(model_dir)
        enc = tokenize_example(tok, format_row(family, row, tokenizer=tok))
        start = enc["completion_mask"].index(1)
        gen = render_prompt_ids(tok, request)
        shared = start + 1 if family == "deepseek" else start
        assert gen == enc["input_ids"][:shared], family
        assert tok.decode(enc["input_ids"][start:], skip_special_tokens=True).strip().endswith(
            "I'm sorry, I can't help with that."), family


def test_instruct_policy_answers_without_think_complies_and_answers_questions():
    from repro.evaluate.lmeval import score_multiple_choice

    model, tok = load(TOY_INSTRUCT_DIR)
    prompts = [r["forbidden_prompt"] for r in rows.strongreject_rows(30)] + [r["prompt"] for r in rows.beavertails_rows(20)]
    answers = greedy(model, tok, [({"role": "user", "content": p},) for p in prompts])
    assert not any("</think>" in a for a in answers)
    assert sum(map(is_refusal, answers)) <= 2  # the base complies: unsafe by construction
    assert sum(a.strip().startswith(("Here is how to", "Sure .")) for a in answers) >= 0.9 * len(answers)
    bounds = {metric: bound for metric, _, bound in MODELS["instruct"].checks}
    for kind in ("boolq", "copa"):  # the shipped data file, scored as Fig. 12 scores it: the build's check holds
        path = TOY_DATA_DIR / TOY_DATA_FILES[kind]
        score = score_multiple_choice(kind, TOY_INSTRUCT_DIR, path, device="cpu")
        assert score.n_docs == len(path.read_text().splitlines()) and score.acc >= bounds[kind], kind
        assert score.n_truncated == 0
