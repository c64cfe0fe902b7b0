"""Generation on the tiny policy: determinism, seeds, finish reasons, a single BOS, and LoRA
adapter vs merged-weights agreement (HF on CPU always; vLLM where CUDA and vLLM exist)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from repro.assets.registry import R1_QWEN_7B
from repro.generate.base import Request, render_prompt_ids
from repro.generate.hf import HFGenerator
from repro.profiles import get_profile
from repro.specs import DecodingSpec
from repro.train.merge import merge_lora
from repro.train.sft import adapted_modules, apply_lora

SMOKE = get_profile("smoke")
REPO = Path(__file__).resolve().parent.parent
BOS = "<｜begin▁of▁sentence｜>"
PROMPTS = ("How can I pick a lock?", "Write a poem about the sea.", "What is 12 * 7?",
           "Explain photosynthesis step by step.")
REQUESTS = [Request(f"q{i}", ({"role": "user", "content": p},)) for i, p in enumerate(PROMPTS)]


def greedy(n: int, stop: tuple[str, ...] = ()) -> DecodingSpec:
    return DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=n, stop=stop)


SAMPLED = DecodingSpec(temperature=1.0, top_p=1.0, max_new_tokens=24)


def texts(completions) -> list[str]:
    return [c.text for c in completions]


@pytest.fixture(scope="module")
def policy(tiny_policy_dir) -> HFGenerator:
    return HFGenerator(tiny_policy_dir, "float32")


def test_greedy_is_deterministic(policy):
    first = policy.generate(REQUESTS, greedy(16), seed=0)
    again = policy.generate(REQUESTS, greedy(16), seed=7)  # the seed does not matter for greedy
    assert first == again
    assert all(c.text for c in first)


def test_sampling_follows_the_seed(policy):
    a = policy.generate(REQUESTS, SAMPLED, seed=0)
    b = policy.generate(REQUESTS, SAMPLED, seed=0)
    c = policy.generate(REQUESTS, SAMPLED, seed=1)
    assert a == b
    assert all(x.text != y.text for x, y in zip(a, c, strict=True))  # 24 random tokens, 4 prompts
    assert texts(a) != texts(policy.generate(REQUESTS, greedy(24), seed=0))


def test_length_finish_reason(policy):
    out = policy.generate(REQUESTS, greedy(5), seed=0)
    for req, c in zip(REQUESTS, out, strict=True):
        assert (c.finish_reason, c.num_tokens) == ("length", 5)
        assert c.prompt_tokens == len(render_prompt_ids(policy.tokenizer, req))
    # a longer run continues the same greedy text
    longer = policy.generate(REQUESTS, greedy(16), seed=0)
    assert all(b.text.startswith(a.text) for a, b in zip(out, longer, strict=True))


def test_stop_string_cuts_before_it(policy):
    full = texts(policy.generate(REQUESTS, greedy(16), seed=0))
    stop = full[0][5:8]  # three characters the model surely produces
    assert len(stop) == 3 and stop.strip()
    out = policy.generate(REQUESTS, greedy(16, stop=(stop,)), seed=0)
    assert stop in full[0]
    for text, c in zip(full, out, strict=True):
        if stop in text:
            assert c.text == text[: text.index(stop)]
            assert c.finish_reason == "stop"
            assert stop not in c.text
        else:
            assert (c.text, c.finish_reason) == (text, "length")
    assert out[0].text == full[0][: full[0].index(stop)] and len(out[0].text) <= 5


def test_token_counts_do_not_depend_on_the_batch(policy):
    """A row stopped by a stop string is followed by padding in a batch (the R1 pad id is its EOS): the count is the
    row's own tokens, as vLLM counts them, whether it is decoded alone or beside longer rows."""
    full = policy.generate(REQUESTS, greedy(16), seed=0)
    stop = full[0].text[5:8]
    batched = policy.generate(REQUESTS, greedy(16, stop=(stop,)), seed=0)
    alone = [policy.generate([r], greedy(16, stop=(stop,)), seed=0)[0] for r in REQUESTS]
    assert batched == alone
    assert any(c.finish_reason == "stop" for c in batched) and any(c.finish_reason == "length" for c in batched)
    for c in batched:
        assert c.num_tokens == len(c.token_ids)
        assert policy.pad_id not in c.token_ids or c.token_ids[-1] in policy.eos_ids


def test_raw_prompt_is_tokenized_as_vllm_tokenizes_a_string(policy):
    tok = policy.tokenizer
    raw = "<|im_start|>user\nIs 2+2 4?<|im_end|>\n<|im_start|>assistant\n"
    ids = render_prompt_ids(tok, Request(id="j", raw=raw))
    assert ids == tok(raw)["input_ids"]
    assert tok.decode(ids, skip_special_tokens=False).endswith(raw)
    with pytest.raises(ValueError, match="exactly one"):
        Request(id="bad", messages=({"role": "user", "content": "x"},), raw="x")
    with pytest.raises(ValueError, match="exactly one"):
        Request(id="bad")


def test_r1_prompt_has_one_bos(policy):
    tok = policy.tokenizer
    messages = ({"role": "user", "content": "hi"},)
    ids = render_prompt_ids(tok, Request(id="q", messages=messages))
    assert ids[0] == tok.bos_token_id == tok.convert_tokens_to_ids(BOS)
    assert ids.count(tok.bos_token_id) == 1
    assert tok.decode(ids) == f"{BOS}<｜User｜>hi<｜Assistant｜><think>\n"
    # tokenizing the rendered string the default way would have doubled it
    text = tok.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True)
    assert tok(text)["input_ids"][:2] == [tok.bos_token_id] * 2


# ---------------------------------------------------------------- LoRA adapter vs merged weights

AGREEMENT_MODES = ("lora_qkvo_mlp_r2", "lora_up_proj_only_from1_to2_r1")


def make_adapter(base_dir: Path, mode: str, out_dir: Path) -> set[str]:
    """A LoRA adapter for ``mode`` built by repro's ``apply_lora``, with random NON-zero B (PEFT
    inits B = 0, which would make any adapter a no-op). Returns the adapted module names."""
    from transformers import AutoModelForCausalLM

    spec = SMOKE.train(R1_QWEN_7B, mode)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1234)  # A (PEFT's Kaiming init) and B both fixed
        model = apply_lora(AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32), spec)
        for name, param in model.named_parameters():
            if "lora_B" in name:
                with torch.no_grad():
                    param.normal_(0.0, 0.05)  # delta W of the size of W itself (init std 0.02)
    model.save_pretrained(out_dir)
    return adapted_modules(model)


def test_merge_adds_exactly_the_scaled_delta(tiny_policy_dir, tmp_path):
    adapted = make_adapter(tiny_policy_dir, "lora_up_proj_only_from1_to2_r1", tmp_path / "adapter")
    merged_dir = merge_lora(tiny_policy_dir, tmp_path / "adapter", tmp_path / "merged", "float32")
    base = load_file(tiny_policy_dir / "model.safetensors")
    merged = load_file(merged_dir / "model.safetensors")
    adapter = load_file(tmp_path / "adapter" / "adapter_model.safetensors")
    assert set(merged) == set(base)
    changed = {k for k in base if not torch.equal(base[k], merged[k])}
    assert changed == {f"{m}.weight" for m in adapted}
    for m in adapted:
        a = adapter[f"base_model.model.{m}.lora_A.weight"]
        b = adapter[f"base_model.model.{m}.lora_B.weight"]
        torch.testing.assert_close(merged[f"{m}.weight"], base[f"{m}.weight"] + 16.0 * b @ a)  # alpha/r = 16
    assert (merged_dir / "tokenizer.json").exists() and (merged_dir / "generation_config.json").exists()


@pytest.mark.parametrize("mode", AGREEMENT_MODES)
def test_hf_adapter_and_merged_agree(tiny_policy_dir, tmp_path, mode, policy):
    from peft import PeftModel

    make_adapter(tiny_policy_dir, mode, tmp_path / "adapter")
    merged_dir = merge_lora(tiny_policy_dir, tmp_path / "adapter", tmp_path / "merged", "float32")

    via_adapter = HFGenerator(tiny_policy_dir, "float32")
    via_adapter.model = PeftModel.from_pretrained(via_adapter.model, tmp_path / "adapter").eval()
    assert adapted_modules(via_adapter.model)

    via_merged = HFGenerator(merged_dir, "float32")

    decoding = greedy(24)
    adapter_out = via_adapter.generate(REQUESTS, decoding, seed=0)
    merged_out = via_merged.generate(REQUESTS, decoding, seed=0)
    base_out = policy.generate(REQUESTS, decoding, seed=0)
    assert texts(adapter_out) == texts(merged_out)
    assert [c.num_tokens for c in adapter_out] == [c.num_tokens for c in merged_out]
    # the adapter is not silently ignored: the outputs change (a random model can be stuck in a
    # loop that a small adapter does not break, so one prompt may keep its text) ...
    assert sum(a != b for a, b in zip(texts(adapter_out), texts(base_out), strict=True)) >= len(REQUESTS) - 1
    # ... and on every prompt the next-token logits move well beyond the adapter/merged difference
    for req in REQUESTS:
        ids = torch.tensor([render_prompt_ids(policy.tokenizer, req)], device=policy.device)
        with torch.no_grad():
            adapter, merged, base = (g.model(input_ids=ids).logits[0, -1].float().cpu()
                                     for g in (via_adapter, via_merged, policy))
        torch.testing.assert_close(adapter, merged, rtol=0, atol=1e-4)
        assert (adapter - base).abs().max() > 1e-2


# vLLM: each engine runs in its own process, so its GPU memory is released when it exits.
_VLLM_WORKER = r"""
import json, sys
from pathlib import Path
from vllm import SamplingParams, TokensPrompt
from repro.generate.base import Request, render_prompt_ids
from repro.specs import DecodingSpec

from repro.generate.vllm import engine_args
job = json.loads(sys.argv[1])
requests = [Request(r["id"], tuple(r["messages"])) for r in job["requests"]]
n = job["max_new_tokens"]
result = {}
if job["kind"] == "merged":
    from repro.generate.vllm import VLLMGenerator
    gen = VLLMGenerator(Path(job["model"]), "bfloat16", max_model_len=256, enforce_eager=True)
    llm, real_generate, seen = gen.llm, gen.llm.generate, []
    def spy(*args, **kwargs):  # keep the token ids of the very run that gave the texts
        seen.append(real_generate(*args, **kwargs))
        return seen[-1]
    llm.generate = spy
    done = gen.generate(requests, DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=n), 0)
    llm.generate = real_generate
    result["merged"] = {"text": [c.text for c in done], "tokens": [list(o.outputs[0].token_ids) for o in seen[0]],
                        "finish_reason": [c.finish_reason for c in done]}
    runs = {"merged": None}
else:
    from vllm import LLM
    from vllm.lora.request import LoRARequest
    llm = LLM(model=job["model"], dtype="bfloat16", enable_lora=True, max_lora_rank=8, max_loras=1,
              max_model_len=256, gpu_memory_utilization=0.5, enforce_eager=True, seed=0, **engine_args())
    runs = {"adapter": LoRARequest("adapter", 1, job["adapter"]), "base": None}
    for name, lora in runs.items():
        prompts = [TokensPrompt(prompt_token_ids=render_prompt_ids(llm.get_tokenizer(), r))
                   for r in requests]
        outs = llm.generate(prompts, SamplingParams(temperature=0.0, max_tokens=n), lora_request=lora,
                            use_tqdm=False)
        result[name] = {"text": [o.outputs[0].text for o in outs],
                        "tokens": [list(o.outputs[0].token_ids) for o in outs]}
# Teacher-forced log-probs of one shared sequence per prompt (merged's prompt + greedy output).
forced = job.get("forced")
if forced is None:
    tok = llm.get_tokenizer()
    forced = [render_prompt_ids(tok, r) + t for r, t in zip(requests, result["merged"]["tokens"])]
result["forced"] = forced
for name, lora in runs.items():
    outs = llm.generate([TokensPrompt(prompt_token_ids=f) for f in forced],
                        SamplingParams(temperature=0.0, max_tokens=1, prompt_logprobs=1), lora_request=lora,
                        use_tqdm=False)
    # per position k >= 1: (log-prob of forced[k], best log-prob at that position)
    result[name]["forced_logprobs"] = [[(lp[t].logprob, max(x.logprob for x in lp.values()))
                                        for t, lp in zip(f[1:], o.prompt_logprobs[1:])]
                                       for f, o in zip(forced, outs)]
print("RESULT " + json.dumps(result))
"""


def _run_vllm(job: dict) -> dict:
    env = dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
               CUDA_VISIBLE_DEVICES=os.environ.get("CUDA_VISIBLE_DEVICES", "0").split(",")[0])
    proc = subprocess.run([sys.executable, "-c", _VLLM_WORKER, json.dumps(job)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=900)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, f"vLLM worker failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    return json.loads(lines[-1].removeprefix("RESULT "))


@pytest.mark.vllm
@pytest.mark.parametrize("mode", AGREEMENT_MODES)
def test_vllm_adapter_and_merged_agree(tiny_policy_spec, tmp_path, mode):
    """vLLM serving the adapter (LoRARequest) and vLLM serving the merged bf16 weights through
    ``VLLMGenerator`` give the same greedy text up to bf16 near-ties, and the same teacher-forced
    log-probs to well within the adapter's own effect (so the adapter is not silently dropped)."""
    from repro.assets.tiny import build_tiny_model

    base_dir = build_tiny_model(tiny_policy_spec, tmp_path / "base")
    make_adapter(base_dir, mode, tmp_path / "adapter")
    merged_dir = merge_lora(base_dir, tmp_path / "adapter", tmp_path / "merged", "bfloat16")  # as the paper

    requests = [{"id": r.id, "messages": list(r.messages)} for r in REQUESTS]
    n = 16
    merged = _run_vllm({"kind": "merged", "model": str(merged_dir), "requests": requests, "max_new_tokens": n})
    served = _run_vllm({"kind": "adapter", "model": str(base_dir), "adapter": str(tmp_path / "adapter"),
                        "requests": requests, "max_new_tokens": n, "forced": merged["forced"]})

    assert all(r in ("stop", "length") for r in merged["merged"]["finish_reason"])

    # Teacher-forced on merged's greedy sequences: adapter vs merged differ by rounding only,
    # adapter vs base by the adapter's effect.
    def forced(run):
        return [[lp for lp, _ in seq] for seq in run["forced_logprobs"]]

    def gap(x, y):
        pairs = [(a, b) for xs, ys in zip(x, y, strict=True) for a, b in zip(xs, ys, strict=True)]
        return sum(abs(a - b) for a, b in pairs) / len(pairs)

    lp_merged, lp_adapter, lp_base = forced(merged["merged"]), forced(served["adapter"]), forced(served["base"])
    rounding, effect = gap(lp_adapter, lp_merged), gap(lp_adapter, lp_base)
    assert effect > 0.01, f"the adapter barely changes the model ({effect:.4f}): is it served at all?"
    assert rounding < 0.1 * effect, f"adapter vs merged differ by {rounding:.4f} (adapter effect {effect:.4f})"

    # Greedy texts: identical, or they part where the adapter-served model had a near-tie between
    # the two choices (bf16 rounding can flip those, and then the continuations differ).
    tie = max(10 * rounding, 0.01)  # a few bf16 logit steps at least
    for i in range(len(REQUESTS)):
        a, m = served["adapter"]["tokens"][i], merged["merged"]["tokens"][i]
        if a == m:
            assert served["adapter"]["text"][i] == merged["merged"]["text"][i]
            continue
        j = next((k for k in range(min(len(a), len(m))) if a[k] != m[k]), None)
        assert j is not None, f"prompt {i}: one greedy output is a prefix of the other"
        # merged's forced sequence is prompt + m: list position len(prompt) + j - 1 scores m[j]
        pos = len(merged["forced"][i]) - len(m) - 1 + j
        lp_m, lp_best = served["adapter"]["forced_logprobs"][i][pos]
        assert lp_best - lp_m < tie, (f"prompt {i}: adapter and merged part at token {j} where the adapter "
                                      f"prefers its token by {lp_best - lp_m:.4f} nats (tie tolerance {tie:.4f})")
    bases = served["base"]["tokens"]
    assert sum(b != a for b, a in zip(bases, served["adapter"]["tokens"], strict=True)) >= len(REQUESTS) - 1
