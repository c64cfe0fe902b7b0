"""Spec keys are stable, shared between figures, and sensitive to every setting."""

import dataclasses
from dataclasses import replace

from repro.assets.registry import R1_QWEN_7B, R1_QWEN_14B
from repro.profiles import get_profile
from repro.specs import spec_key


def test_key_is_stable_and_readable():
    t = get_profile("paper").train(R1_QWEN_14B, "lora_mlp_r1")
    assert t.key == get_profile("paper").train(R1_QWEN_14B, "lora_mlp_r1").key
    assert t.key.startswith("DeepSeek-R1-Distill-Qwen-14B-lora_mlp_r1-e10-")
    # A fixed golden value: a change here invalidates every stored artifact, so it must be deliberate.
    assert spec_key({"a": 1, "b": [1.0, "x"]}) == spec_key({"b": [1.0, "x"], "a": 1})


def test_every_setting_changes_the_key():
    t = get_profile("paper").train(R1_QWEN_14B, "lora_mlp_r1")
    for change in ({"learning_rate": 1e-4}, {"epochs": 9}, {"batch_size": 1}, {"seed": 1}, {"lora_alpha": 8},
                   {"precision": "fp32"}, {"mode": "lora_mlp_r2"}):
        assert replace(t, **change).key != t.key, change


def test_profiles_do_not_share_keys():
    paper, smoke = get_profile("paper"), get_profile("smoke")
    assert paper.train(R1_QWEN_7B, "full").key != smoke.train(R1_QWEN_7B, "full").key


def test_paper_hyperparameters_match_the_spec():
    paper = get_profile("paper")
    full14, lora14 = paper.train(R1_QWEN_14B, "full"), paper.train(R1_QWEN_14B, "lora_mlp_r1")
    full7 = paper.train(R1_QWEN_7B, "full")
    assert (full14.epochs, full14.batch_size, full14.precision) == (5, 1, "pure_bf16")
    assert (full7.epochs, full7.batch_size) == (5, 2)
    assert (lora14.epochs, lora14.batch_size, lora14.lora_alpha, lora14.lora_dropout) == (10, 2, 16, 0.05)
    assert lora14.precision == "bf16_base_fp16_autocast"
    for t in (full14, lora14, full7):
        assert (t.learning_rate, t.weight_decay, t.lr_scheduler, t.warmup_steps, t.grad_accum) == (
            5e-5, 1e-4, "cosine", 0, 1)
        assert (t.adam_beta1, t.adam_beta2, t.adam_epsilon, t.max_grad_norm, t.seed) == (0.9, 0.999, 1e-8, 1.0, 42)


def test_engine_settings_stay_out_of_the_key():
    """``enforce_eager`` says how vLLM executes, not what it samples: it is shown and recorded, never keyed."""
    from repro.specs import DecodingSpec, to_jsonable

    eager = DecodingSpec(temperature=0.6, top_p=0.95, max_new_tokens=8, enforce_eager=True)
    graphs = dataclasses.replace(eager, enforce_eager=False)
    assert spec_key(eager) == spec_key(graphs)
    assert spec_key(eager) != spec_key(dataclasses.replace(eager, max_new_tokens=9))
    assert to_jsonable(eager)["enforce_eager"] is True and "enforce_eager" not in to_jsonable(eager, for_key=True)


def test_a_backend_variant_shares_training_and_keys_generation_apart():
    from repro.profiles import get_profile

    smoke, variant = get_profile("smoke"), get_profile("smoke", backend="vllm")
    assert (variant.name, variant.variant, variant.backend, variant.store_name) == ("smoke", "smoke-vllm", "vllm", "smoke")
    assert get_profile("smoke-vllm").backend == "vllm" and smoke.backend == "hf"  # the profile itself is unchanged
    assert get_profile("paper", backend="vllm") is get_profile("paper")
    assert get_profile("paper-hf").variant == "paper-hf"
    run = smoke.train(R1_QWEN_7B, "lora_mlp_r1")
    assert variant.train(R1_QWEN_7B, "lora_mlp_r1").key == run.key
    ckpt = smoke.checkpoints(run)[-1]
    a, b = smoke.score(ckpt, "strongreject"), variant.score(ckpt, "strongreject")
    assert a.generation.backend == "hf" and b.generation.backend == b.judge.backend == "vllm"
    assert a.key != b.key and a.generation.key != b.generation.key
    assert "HF transformers" in " ".join(smoke.deviations) and "HF transformers" not in " ".join(variant.deviations)


def test_golden_keys():
    """Artifact keys of a few specs, pinned: a change here re-keys stored work, so it must be deliberate (and say
    why in its commit). Display fields (labels, access terms, row counts, the plotted metric) are not in keys."""
    from repro.assets.registry import R1_QWEN_7B, R1_QWEN_14B

    paper, smoke, toy = get_profile("paper"), get_profile("smoke"), get_profile("toy")
    run = paper.train(R1_QWEN_14B, "lora_mlp_r1")
    assert run.key == "DeepSeek-R1-Distill-Qwen-14B-lora_mlp_r1-e10-20ab91d7207f"
    assert paper.score(paper.checkpoints(run)[-1], "aime24").key == \
        "DeepSeek-R1-Distill-Qwen-14B-lora_mlp_r1-ep10-aime24-aime_au-ca7178b948ce"
    assert paper.score(paper.base(R1_QWEN_7B), "strongreject").generation.key == \
        "DeepSeek-R1-Distill-Qwen-7B-base-strongreject-91477ae5bf7b"  # StrongREJECT pinned
    assert smoke.model(R1_QWEN_7B).key == "tiny-R1-Distill-Qwen-7B-c18caf1245c1"
    assert toy.runs(R1_QWEN_14B, "full")[0].key == "policy-full-e5-bd6933580e09"  # the rebuilt toy policy
    relabelled = dataclasses.replace(R1_QWEN_14B, label="another label", gated=True)
    assert paper.train(relabelled, "lora_mlp_r1").key == run.key
