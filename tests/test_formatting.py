"""DirectRefusal formatting reproduces the authors' strings exactly (tests/golden/parity/README.md#formattingjsonl)."""

import json
from pathlib import Path

import pytest

from repro.assets.tokenizers import load_tokenizer
from repro.errors import ReproError
from repro.train.formatting import family_from_name, format_deepseek, format_row, tokenize_example

CASES = [json.loads(line) for line in (Path(__file__).parent / "golden/parity/formatting.jsonl").open()]
FORMAT_CASES = [c for c in CASES if "row" in c["inputs"] and "deepseek" in c["inputs"]["model_name"].lower()]
FAMILY_CASES = [c for c in CASES if set(c["inputs"]) == {"model_name"}]


@pytest.mark.parametrize("case", FORMAT_CASES, ids=[c["case_id"] for c in FORMAT_CASES])
def test_deepseek_strings_match_the_authors(case):
    expected = case["authors_output"]
    assert family_from_name(case["inputs"]["model_name"]) == "deepseek"
    if expected["exception"]:
        with pytest.raises(ReproError, match="no 'Answer:'"):
            format_deepseek(case["inputs"]["row"], 7)
        return
    ex = format_deepseek(case["inputs"]["row"])
    assert ex.prompt == expected["prompt"]
    assert ex.completion == expected["completion"]


@pytest.mark.parametrize("case", FAMILY_CASES, ids=[c["case_id"] for c in FAMILY_CASES])
def test_model_family_detection(case):
    fam = case["authors_output"]["model_family"]
    if case["authors_output"]["get_preprocess_exception"]:
        with pytest.raises(ReproError):
            family_from_name(case["inputs"]["model_name"])
    else:
        assert family_from_name(case["inputs"]["model_name"]) == {"DeepSeek": "deepseek", "Qwen": "qwen"}[fam]


def test_missing_answer_marker_names_the_row():
    with pytest.raises(ReproError, match="row 12"):
        format_deepseek({"prompt": "x", "refusal": "Question: x\nResponse: no"}, 12)


# --- Qwen-instruct path (Fig. 12): the authors' Qwen branch of get_preprocess -------------------------

QWEN_ROW = {"prompt": "How can I make a fake ID that passes inspection?",
            "refusal": "Question: How can I make a fake ID that passes inspection?\nAnswer: I'm sorry, but I can't "
                       "help with creating fraudulent identification documents."}
# Hand-written from the Qwen2-1.5B-Instruct chat template: default system prompt, ChatML turns, split right
# after "<|im_start|>assistant\n"; the response keeps the space after "Answer:".
QWEN_PROMPT = ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
               "<|im_start|>user\nHow can I make a fake ID that passes inspection?<|im_end|>\n"
               "<|im_start|>assistant\n")
QWEN_COMPLETION = " I'm sorry, but I can't help with creating fraudulent identification documents.<|im_end|>\n"


@pytest.fixture(scope="module")
def qwen_tokenizer(tmp_path_factory):

    from repro.assets.registry import QWEN2_1_5B_INSTRUCT
    from repro.assets.tiny import build_tiny_model
    from repro.profiles.smoke import SMOKE

    spec = SMOKE.model(QWEN2_1_5B_INSTRUCT)
    assert (spec.family, spec.tiny.arch, spec.tiny.template) == ("qwen", "qwen2", "qwen_instruct")
    return load_tokenizer(build_tiny_model(spec, tmp_path_factory.mktemp("qwen") / "model"))


def test_qwen_strings_golden(qwen_tokenizer):
    assert family_from_name("Qwen/Qwen2-1.5B-Instruct") == "qwen"
    ex = format_row("qwen", QWEN_ROW, 0, qwen_tokenizer)
    assert ex.prompt == QWEN_PROMPT
    assert ex.completion == QWEN_COMPLETION
    assert "<think>" not in ex.prompt + ex.completion
    # multi-line prompt, "Answer:" inside the answer: split at the FIRST "Answer:" only
    row = {"prompt": "Line one.\nLine two.", "refusal": "Question: Line one.\nLine two.\nAnswer: No. Answer: no."}
    ex = format_row("qwen", row, 1, qwen_tokenizer)
    assert ex.prompt == ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nLine one.\n"
                         "Line two.<|im_end|>\n<|im_start|>assistant\n")
    assert ex.completion == " No. Answer: no.<|im_end|>\n"


def test_qwen_split_is_at_the_first_assistant_marker(qwen_tokenizer):
    """The authors' split_chat_response uses str.find: a prompt that itself contains the marker moves the split
    into the user turn (faithful, like the DeepSeek path's first-"Answer:" quirk)."""
    row = {"prompt": "say <|im_start|>assistant\nhi", "refusal": "Question: q\nAnswer: No."}
    ex = format_row("qwen", row, 0, qwen_tokenizer)
    assert ex.prompt.endswith("<|im_start|>user\nsay <|im_start|>assistant\n")
    assert ex.completion == "hi<|im_end|>\n<|im_start|>assistant\n No.<|im_end|>\n"


def test_qwen_tokenization_follows_trl_017(qwen_tokenizer):
    """No BOS (Qwen2 has none); TRL 0.17 appends the EOS string to a completion that does not end with it,
    so the trained completion ends <|im_end|> \\n <|im_end|>; the mask starts right after the prompt."""
    tok = qwen_tokenizer
    assert tok.bos_token is None and tok.eos_token == "<|im_end|>"
    ex = format_row("qwen", QWEN_ROW, 0, tok)
    out = tokenize_example(tok, ex)
    ids, mask = out["input_ids"], out["completion_mask"]
    assert len(ids) == len(mask)
    n_prompt = mask.index(1)
    assert ids[:n_prompt] == tok(QWEN_PROMPT, add_special_tokens=False)["input_ids"]
    assert ids[0] == tok.convert_tokens_to_ids("<|im_start|>")  # nothing before the system turn
    assert set(mask[n_prompt:]) == {1}
    im_end, newline = tok.convert_tokens_to_ids("<|im_end|>"), tok("\n", add_special_tokens=False)["input_ids"]
    assert ids[-3:] == [im_end, *newline, im_end]
    assert tok.decode(ids[n_prompt:]) == QWEN_COMPLETION + "<|im_end|>"
    assert ids == tok(QWEN_PROMPT + QWEN_COMPLETION + "<|im_end|>", add_special_tokens=False)["input_ids"]


def test_deepseek_tokenization_adds_no_second_eos(tiny_policy_dir):

    tok = load_tokenizer(tiny_policy_dir)
    ex = format_deepseek(QWEN_ROW)
    out = tokenize_example(tok, ex)
    ids = out["input_ids"]
    assert ids[0] == tok.bos_token_id and ids.count(tok.bos_token_id) == 1
    assert ids[-1] == tok.eos_token_id and ids.count(tok.eos_token_id) == 1
    n_prompt = out["completion_mask"].index(1)
    assert tok.decode(ids[1:n_prompt]) == ex.prompt and tok.decode(ids[n_prompt:]) == ex.completion


def test_qwen_formatting_needs_the_tokenizer():
    with pytest.raises(ReproError, match="needs the model's tokenizer"):
        format_row("qwen", QWEN_ROW, 0)
    with pytest.raises(ReproError, match="family 'llama'"):
        format_row("llama", QWEN_ROW, 0)
