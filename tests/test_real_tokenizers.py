"""The paper models' real tokenizer and config files (tests/real_tokenizers): they are the published bytes, the one
loader reads every one of them right, and prompts, training examples, judge prompts and end tokens come out as the
paper's models see them."""

from __future__ import annotations

import hashlib
import json

import pytest
from real_files import HERE, MANIFEST, POLICIES, WITH_TOKENIZER, tiny_model_on

from repro.assets import registry
from repro.assets.datasets import load_rows
from repro.assets.tokenizers import ROUNDTRIP_PROBE, load_tokenizer, save_tokenizer
from repro.benchmarks import get_benchmark
from repro.profiles import get_profile
from repro.train.formatting import QWEN_ASSISTANT_MARKER, R1_ASSISTANT, format_row, tokenize_example

GOLDEN = HERE.parent / "golden" / "prompts" / "real"
FAMILY = {"DeepSeek-R1-Distill-Qwen-7B": "r1", "DeepSeek-R1-Distill-Qwen-14B": "r1",
          "DeepSeek-R1-Distill-Llama-8B": "r1", "Qwen2-1.5B-Instruct": "qwen2_instruct"}
REGISTRY = {"DeepSeek-R1-Distill-Qwen-7B": registry.R1_QWEN_7B, "DeepSeek-R1-Distill-Qwen-14B": registry.R1_QWEN_14B,
            "DeepSeek-R1-Distill-Llama-8B": registry.R1_LLAMA_8B, "Qwen2-1.5B-Instruct": registry.QWEN2_1_5B_INSTRUCT,
            "Llama-Guard-3-8B": registry.LLAMA_GUARD_3_8B, "Qwen2.5-32B-Instruct": registry.QWEN25_32B_INSTRUCT}
TEXTS = (ROUNDTRIP_PROBE, "  leading and trailing  ", "x\r\ny\n\n\nz", "12345678901234567890", "ü ß é ñ 中文 🙂",
         "def f(x):\n    return x  # two\tspaces", "<think>\nplan\n</think>\n\n\\boxed{204}")


def test_shipped_bytes_are_the_published_ones(real_tokenizer_dirs):
    """Each unpacked file has the size and sha256 its manifest records (PROVENANCE.md says which are byte-verified
    against public records at the pinned revision), and each model is the registry's pinned revision."""
    for model, entry in MANIFEST.items():
        assert REGISTRY[model].revision.startswith(entry["revision"]), model
        for name, info in entry["files"].items():
            data = (real_tokenizer_dirs[model] / name).read_bytes()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (info["bytes"], info["sha256"]), (model, name)
            assert info["status"] in ("verified", "constructed")
    for name in ("PROVENANCE.md", "NOTICE", "LICENSE-Llama-3.1.txt"):
        assert (HERE / name).is_file()


@pytest.mark.parametrize("model", WITH_TOKENIZER)
def test_load_tokenizer_round_trips_text(real_tokenizer_dirs, model):
    tok = load_tokenizer(real_tokenizer_dirs[model])
    for text in TEXTS:
        assert tok.decode(tok(text, add_special_tokens=False)["input_ids"]) == text, (model, text)


def test_autotokenizer_is_why_the_loader_reads_the_file(real_tokenizer_dirs):
    """transformers 5's AutoTokenizer rebuilds R1-Distill-Llama-8B's tokenizer as a SentencePiece-style one over its
    byte-level vocabulary, which loses spaces and newlines; the same file read as written is right."""
    from transformers import AutoTokenizer

    d = real_tokenizer_dirs["DeepSeek-R1-Distill-Llama-8B"]
    auto = AutoTokenizer.from_pretrained(d)
    assert auto.decode(auto("a b\nc  d 123 hello", add_special_tokens=False)["input_ids"]) == "abcd123hello"
    ours = load_tokenizer(d)
    assert ours.decode(ours("a b\nc  d 123 hello", add_special_tokens=False)["input_ids"]) == "a b\nc  d 123 hello"


def test_bos_where_the_family_has_one(real_tokenizer_dirs):
    """The R1 configs say add_bos_token (their tokenizer.json adds nothing itself): a string prompt gets one BOS, as
    under the authors' transformers 4. Qwen2-Instruct has no BOS. Llama-Guard's tokenizer adds none: its chat
    template writes the one BOS of a judge prompt."""
    for model in WITH_TOKENIZER:
        tok = load_tokenizer(real_tokenizer_dirs[model])
        ids = tok("hello")["input_ids"]
        if FAMILY.get(model) == "r1":
            assert ids[0] == tok.bos_token_id and ids.count(tok.bos_token_id) == 1, model
        else:
            assert ids == tok("hello", add_special_tokens=False)["input_ids"], model


def _items():
    smoke = get_profile("smoke")
    return {b: get_benchmark(b).items(load_rows(smoke.benchmark(b).data), 0)[0]
            for b in ("aime24", "gpqa_diamond", "humaneval", "mbpp")}


@pytest.mark.parametrize("model", POLICIES)
def test_benchmark_prompts_through_the_real_templates(real_tokenizer_dirs, model):
    """The AIME, GPQA, HumanEval and MBPP prompts through each policy's real chat template, byte for byte; the
    rendered text tokenizes with exactly one BOS where the family has one."""
    from repro.generate.base import Request, render_prompt_ids

    tok = load_tokenizer(real_tokenizer_dirs[model])
    for bench, item in _items().items():
        messages = ({"role": "user", "content": item.user},)
        text = tok.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True)
        want = (GOLDEN / f"{FAMILY[model]}.{bench}.txt").read_bytes().decode()
        assert text == want, (model, bench)
        ids = render_prompt_ids(tok, Request(item.id, messages))
        if tok.bos_token_id is not None:
            assert ids[0] == tok.bos_token_id and ids.count(tok.bos_token_id) == 1
        assert tok.decode(ids) == want


@pytest.mark.parametrize("model", POLICIES)
def test_directrefusal_examples_on_the_real_tokenizers(real_tokenizer_dirs, model):
    """A DirectRefusal row as the trainer sees it: one BOS where the family has one, the loss starting right after
    the assistant marker, the completion ending in the EOS, which is trained."""
    spec_model = REGISTRY[model]
    tok = load_tokenizer(real_tokenizer_dirs[model])
    row = load_rows(get_profile("smoke").train(spec_model, "lora_mlp_r1").data)[0]
    ex = tokenize_example(tok, format_row(spec_model.family, row, 0, tok))
    ids, mask = ex["input_ids"], ex["completion_mask"]
    start = mask.index(1)
    marker = R1_ASSISTANT if FAMILY[model] == "r1" else QWEN_ASSISTANT_MARKER
    assert tok.decode(ids[:start]).endswith(marker)
    assert mask == [0] * start + [1] * (len(ids) - start)
    assert ids[-1] == tok.eos_token_id
    if FAMILY[model] == "r1":
        assert ids[0] == tok.bos_token_id and ids.count(tok.bos_token_id) == 1
        assert ids.count(tok.eos_token_id) == 1  # the R1 pad is its EOS: never in the prompt
        assert tok.decode(ids[start:]).startswith("<think>I should not answer this question!</think>")
    else:
        assert tok.bos_token_id is None
        # the authors' Qwen path: the template's <|im_end|>\n, then the EOS appended once more (TRL), both trained
        assert tok.decode(ids[start:]).endswith("<|im_end|>\n<|im_end|>")


def test_llama_guard_prompt_through_its_real_template(real_tokenizer_dirs):
    """The judge prompt for a StrongREJECT (prompt, response) pair, as the score step builds it, byte for byte; it
    holds one BOS, written by the template (the tokenizer adds none, so passing it as a string adds none either)."""
    from repro.generate.base import Request, render_prompt_ids

    tok = load_tokenizer(real_tokenizer_dirs["Llama-Guard-3-8B"])
    item = get_benchmark("strongreject").items(load_rows(get_profile("smoke").benchmark("strongreject").data), 0)[0]
    messages = ({"role": "user", "content": item.user}, {"role": "assistant", "content": "I can't help with that."})
    text = tok.apply_chat_template(list(messages), tokenize=False)
    assert text == (GOLDEN / "llama_guard.strongreject.txt").read_bytes().decode()
    ids = render_prompt_ids(tok, Request("0", messages))
    assert ids.count(tok.bos_token_id) == 1
    assert tok(text)["input_ids"] == tok(text, add_special_tokens=False)["input_ids"]


def test_end_tokens_from_the_real_generation_configs(real_tokenizer_dirs):
    """The ids that end a generation on the HF backend: the tokenizer's EOS and every end token of the model's
    generation config (the model config's where the repository has none, as for Llama-Guard-3-8B)."""
    from transformers import AutoConfig, GenerationConfig

    from repro.generate.hf import end_token_ids

    want = {"DeepSeek-R1-Distill-Qwen-7B": [151643], "DeepSeek-R1-Distill-Qwen-14B": [151643],
            "DeepSeek-R1-Distill-Llama-8B": [128001], "Qwen2-1.5B-Instruct": [151645, 151643],
            "Llama-Guard-3-8B": [128009]}
    for model, ids in want.items():
        d = real_tokenizer_dirs[model]
        cfg = (GenerationConfig.from_pretrained(d) if (d / "generation_config.json").is_file()
               else GenerationConfig.from_model_config(AutoConfig.from_pretrained(d)))
        assert end_token_ids(load_tokenizer(d), cfg) == ids, model


def test_merged_directories_save_a_tokenizer_that_reloads_right(real_tokenizer_dirs, tmp_path):
    """What merge and OrthoMerge write (save_tokenizer) reloads with the same ids, through load_tokenizer and through
    AutoTokenizer (vLLM's loader): the R1 BOS included."""
    from transformers import AutoTokenizer

    for model in ("DeepSeek-R1-Distill-Llama-8B", "DeepSeek-R1-Distill-Qwen-7B", "Qwen2-1.5B-Instruct"):
        src = real_tokenizer_dirs[model]
        out = tmp_path / model
        out.mkdir()
        (out / "config.json").write_bytes((src / "config.json").read_bytes())
        tok = load_tokenizer(src)
        save_tokenizer(tok, out)
        assert "add_bos_token" not in json.loads((out / "tokenizer_config.json").read_text())
        for again in (load_tokenizer(out), AutoTokenizer.from_pretrained(out)):
            for text in TEXTS:
                assert again(text)["input_ids"] == tok(text)["input_ids"], (model, type(again).__name__, text)
                assert again.decode(again(text, add_special_tokens=False)["input_ids"]) == text
            assert again.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False,
                                             add_generation_prompt=True) == \
                tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)


def test_hf_backend_ignores_decoding_settings_of_a_generation_config(real_tokenizer_dirs, tmp_path):
    """Qwen2-1.5B-Instruct's generation_config.json sets repetition_penalty 1.1 (and top_k 20), which HF generate
    applies to unset arguments and vLLM's SamplingParams never read: the HF backend's greedy tokens are the plain
    argmax of the model's logits."""
    import torch

    from repro.generate.base import Request
    from repro.generate.hf import HFGenerator
    from repro.specs import DecodingSpec

    d = tiny_model_on(real_tokenizer_dirs["Qwen2-1.5B-Instruct"], tmp_path / "qwen2")
    gen = HFGenerator(d, "float32")
    request = Request("0", ({"role": "user", "content": "Count: one one one one"},))
    got = gen.generate([request], DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=24), seed=0)[0]
    from repro.generate.base import render_prompt_ids

    ids = render_prompt_ids(gen.tokenizer, request)
    with torch.no_grad():
        for _ in range(24):
            ids.append(int(gen.model(torch.tensor([ids])).logits[0, -1].argmax()))
    assert list(got.token_ids) == ids[-24:][:len(got.token_ids)]
    assert got.num_tokens == 24 or got.token_ids[-1] in gen.eos_ids
