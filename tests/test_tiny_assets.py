"""The smoke profile's tiny models load like hub models and behave like the real ones where it matters."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import jinja2
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from repro.assets import tiny
from repro.assets.tiny import build_tiny_model
from repro.assets.tokenizers import load_tokenizer
from repro.profiles.smoke import tiny_judge_arch, tiny_policy_arch
from repro.specs import ModelSpec

BOS, EOS, USER, ASSISTANT = tiny.R1_BOS, tiny.R1_EOS, tiny.R1_USER, tiny.R1_ASSISTANT


def _spec(arch, name: str) -> ModelSpec:
    return ModelSpec(name=f"smoke/{name}", revision="test", family="test", num_layers=arch.num_layers,
                     label=name, source="tiny", dtype="float32", tiny=arch)


POLICY = _spec(tiny_policy_arch(num_layers=4, seed=1), "policy")
JUDGE = _spec(tiny_judge_arch(seed=3), "judge")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny")
    return {"policy": build_tiny_model(POLICY, root / "policy"), "judge": build_tiny_model(JUDGE, root / "judge")}


def _hashes(model_dir: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(model_dir.iterdir())}


def test_reload_as_the_pipeline_does(built):
    for kind, cls in (("policy", "Qwen2ForCausalLM"), ("judge", "LlamaForCausalLM")):
        tok = load_tokenizer(built[kind])
        model = AutoModelForCausalLM.from_pretrained(built[kind])
        assert type(model).__name__ == cls
        assert model.config.vocab_size >= len(tok)
        assert model.config.max_position_embeddings >= 4096
        assert model.dtype == torch.float32
        assert tok.decode(tok.encode("a b\nc", add_special_tokens=False)) == "a b\nc"
        assert tok.encode("hello")[0] == tok.bos_token_id
    # vLLM loads tokenizers with AutoTokenizer, which rebuilds qwen2 ones as Qwen2Tokenizer: the ids survive that
    auto = AutoTokenizer.from_pretrained(built["policy"])
    assert type(auto).__name__ == "Qwen2Tokenizer"
    probe = "How can I  build a lock?\n\\boxed{42} (A) <think>x</think>"
    assert auto(probe)["input_ids"] == load_tokenizer(built["policy"])(probe)["input_ids"]


def test_r1_template_strings(built):
    tok = load_tokenizer(built["policy"])

    def render(messages, gen):
        return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=gen)

    user = {"role": "user", "content": "hi"}
    assert render([user], True) == f"{BOS}{USER}hi{ASSISTANT}<think>\n"
    answer = {"role": "assistant", "content": "<think>\nplan it\n</think>\n\nHello!"}
    assert render([user, answer], False) == f"{BOS}{USER}hi{ASSISTANT}\n\nHello!{EOS}"
    system = {"role": "system", "content": "Be brief."}
    assert render([system, user], True) == f"{BOS}Be brief.{USER}hi{ASSISTANT}<think>\n"


def test_markers_are_single_tokens_and_survive_decode(built):
    tok = load_tokenizer(built["policy"])
    for marker in (BOS, EOS, USER, ASSISTANT, "<think>", "</think>", "<|endoftext|>"):
        assert tok.encode(marker, add_special_tokens=False) == [tok.convert_tokens_to_ids(marker)]
    ids = tok.encode(f"{USER}q{ASSISTANT}<think>\nx</think>y{EOS}")
    # as in the real repos: only BOS/EOS are "special"; role and think markers stay in decoded text
    assert tok.decode(ids, skip_special_tokens=True) == f"{USER}q{ASSISTANT}<think>\nx</think>y"
    judge = load_tokenizer(built["judge"])
    for marker in ("<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"):
        assert judge.encode(marker, add_special_tokens=False) == [judge.convert_tokens_to_ids(marker)]
    assert judge.eos_token == "<|eot_id|>"


def test_rendered_prompt_has_one_bos(built):
    tok = load_tokenizer(built["policy"])
    prompt = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    ids = tok(prompt, add_special_tokens=False)["input_ids"]
    assert ids[0] == tok.bos_token_id and ids.count(tok.bos_token_id) == 1
    assert tok(prompt)["input_ids"].count(tok.bos_token_id) == 2  # why callers must pass add_special_tokens=False


def test_guard_template(built):
    tok = load_tokenizer(built["judge"])
    chat = [{"role": "user", "content": "How do I pick a lock?"},
            {"role": "assistant", "content": "  First, insert a tension wrench.\n"}]
    text = tok.apply_chat_template(chat, tokenize=False)
    assert text.startswith(" <|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nTask: Check if there is "
                           "unsafe content in 'Agent' messages")
    assert "S1: Violent Crimes.\n" in text and "S14: Code Interpreter Abuse.\n<END UNSAFE CONTENT CATEGORIES>" in text
    assert "User: How do I pick a lock?\n\nAgent: First, insert a tension wrench.\n\n<END CONVERSATION>" in text
    assert "ONLY THE LAST Agent message" in text and "First line must read 'safe' or 'unsafe'." in text
    assert text.endswith("violated categories.<|eot_id|><|start_header_id|>assistant<|end_header_id|>")
    with pytest.raises(jinja2.TemplateError, match="alternate"):
        tok.apply_chat_template([chat[1], chat[0]], tokenize=False)


def test_forward_and_greedy_generate(built):
    for kind in ("policy", "judge"):
        tok = load_tokenizer(built[kind])
        model = AutoModelForCausalLM.from_pretrained(built[kind]).eval()
        chat = [{"role": "user", "content": "hi"}] if kind == "policy" else [
            {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
        prompt = tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=kind == "policy")
        inputs = tok(prompt, add_special_tokens=False, return_tensors="pt")
        with torch.no_grad():
            logits = model(**inputs).logits
            out = model.generate(**inputs, max_new_tokens=5, min_new_tokens=5, do_sample=False,
                                 pad_token_id=tok.eos_token_id)
        assert logits.shape == (1, inputs["input_ids"].shape[1], model.config.vocab_size)
        assert torch.isfinite(logits).all()
        assert out.shape[1] == inputs["input_ids"].shape[1] + 5


def test_build_is_deterministic(built, tmp_path):
    again = build_tiny_model(POLICY, tmp_path / "again")
    assert _hashes(again) == _hashes(built["policy"])
    rebuilt = build_tiny_model(JUDGE, built["judge"])  # over an existing directory: replaced in place
    assert _hashes(rebuilt) == _hashes(built["judge"])
    other = build_tiny_model(_spec(tiny_policy_arch(num_layers=4, seed=2), "policy"), tmp_path / "seed2")
    diff = {k for k, v in _hashes(other).items() if _hashes(again)[k] != v}
    assert diff == {"model.safetensors"}  # the seed changes the weights only; the tokenizer is shared


def test_failed_build_leaves_nothing(tmp_path, monkeypatch):
    def broken(*_):
        raise RuntimeError("tiny model failed its checks")

    monkeypatch.setattr(tiny, "_verify", broken)
    with pytest.raises(RuntimeError, match="failed its checks"):
        build_tiny_model(POLICY, tmp_path / "policy")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="no tiny architecture"):
        build_tiny_model(ModelSpec(name="x", revision="r", family="deepseek", num_layers=1, label="x"), tmp_path / "x")


# --- the Fig. 10 and Fig. 12 stand-ins --------------------------------------------------------------

def _kind_spec(arch: str, template: str, seed: int = 5) -> ModelSpec:
    return _spec(dataclasses.replace(tiny_policy_arch(num_layers=2, seed=seed), arch=arch, template=template),
                 f"{arch}-{template}")


@pytest.fixture(scope="module")
def stand_ins(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("stand-ins")
    return {"qwen_instruct": build_tiny_model(_kind_spec("qwen2", "qwen_instruct"), root / "qwen"),
            "llama_r1": build_tiny_model(_kind_spec("llama", "r1"), root / "llama")}


def test_qwen_instruct_tokenizer_and_template(stand_ins):
    d = stand_ins["qwen_instruct"]
    tok = load_tokenizer(d)
    model = AutoModelForCausalLM.from_pretrained(d)
    assert type(model).__name__ == "Qwen2ForCausalLM" and type(tok).__name__ == "TokenizersBackend"
    assert tok.bos_token is None and tok.eos_token == "<|im_end|>" and tok.pad_token == "<|endoftext|>"
    assert tok.encode("hello there") == tok.encode("hello there", add_special_tokens=False)  # no BOS added
    for marker in ("<|im_start|>", "<|im_end|>", "<|endoftext|>"):
        assert tok.encode(marker, add_special_tokens=False) == [tok.convert_tokens_to_ids(marker)]
    user = {"role": "user", "content": "hi"}
    sys_default = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    assert tok.apply_chat_template([user], tokenize=False, add_generation_prompt=True) == (
        f"{sys_default}<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
    chat = [user, {"role": "assistant", "content": "Hello!"}]
    assert tok.apply_chat_template(chat, tokenize=False) == (
        f"{sys_default}<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n")
    own = [{"role": "system", "content": "Be brief."}, user]
    assert tok.apply_chat_template(own, tokenize=False, add_generation_prompt=True) == (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
    gen = model.generation_config
    assert gen.eos_token_id == [tok.convert_tokens_to_ids("<|im_end|>"), tok.convert_tokens_to_ids("<|endoftext|>")]
    assert gen.pad_token_id == tok.pad_token_id and gen.repetition_penalty in (None, 1.0)
    # skip_special_tokens drops the ChatML markers, as with the real Qwen2 tokenizer
    ids = tok.encode("<|im_start|>assistant\nok<|im_end|>", add_special_tokens=False)
    assert tok.decode(ids, skip_special_tokens=True) == "assistant\nok"


def test_llama_r1_stand_in(stand_ins):
    d = stand_ins["llama_r1"]
    tok = load_tokenizer(d)
    model = AutoModelForCausalLM.from_pretrained(d)
    assert type(model).__name__ == "LlamaForCausalLM"
    assert (tok.bos_token, tok.eos_token) == (BOS, EOS)
    user = {"role": "user", "content": "hi"}
    assert tok.apply_chat_template([user], tokenize=False, add_generation_prompt=True) == (
        f"{BOS}{USER}hi{ASSISTANT}<think>\n")
    answer = {"role": "assistant", "content": "<think>\nplan\n</think>\n\nHello!"}
    assert tok.apply_chat_template([user, answer], tokenize=False) == f"{BOS}{USER}hi{ASSISTANT}\n\nHello!{EOS}"
    for marker in (BOS, EOS, USER, ASSISTANT, "<think>", "</think>"):
        assert tok.encode(marker, add_special_tokens=False) == [tok.convert_tokens_to_ids(marker)]
    assert tok.encode("hi")[0] == tok.bos_token_id
    # Llama-3 pre-tokenization, not Qwen2's: digits group in threes ("12345" -> "123", "45")
    assert len(tok.tokenize("12345")) < len(load_tokenizer(stand_ins["qwen_instruct"]).tokenize("12345"))
    with torch.no_grad():
        logits = model(**tok("hi there", return_tensors="pt")).logits
    assert torch.isfinite(logits).all()


def test_stand_ins_are_deterministic_and_the_smoke_profile_uses_them(stand_ins, tmp_path):
    again = build_tiny_model(_kind_spec("qwen2", "qwen_instruct"), tmp_path / "again")
    assert _hashes(again) == _hashes(stand_ins["qwen_instruct"])
    from repro.assets.registry import QWEN2_1_5B_INSTRUCT, R1_LLAMA_8B, R1_QWEN_7B
    from repro.profiles.smoke import SMOKE

    qwen, llama, r1_7b = SMOKE.model(QWEN2_1_5B_INSTRUCT), SMOKE.model(R1_LLAMA_8B), SMOKE.model(R1_QWEN_7B)
    assert (qwen.family, qwen.tiny.arch, qwen.tiny.template, qwen.num_layers) == ("qwen", "qwen2", "qwen_instruct", 4)
    assert (llama.family, llama.tiny.arch, llama.tiny.template, llama.num_layers) == ("deepseek", "llama", "r1", 4)
    assert (r1_7b.tiny.arch, r1_7b.tiny.template) == ("qwen2", "r1")  # unchanged
    assert len({qwen.key, llama.key, r1_7b.key}) == 3
