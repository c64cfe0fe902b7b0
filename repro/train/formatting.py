"""DirectRefusal rows -> (prompt, completion) strings, as the authors' ``train.py`` builds them
(docs/settings.md#formatting-of-training-examples), and their tokenization with the completion-only loss mask.

DeepSeek path: prompt = ``<｜User｜>{prompt}<｜Assistant｜>``; completion =
``<think>I should not answer this question!</think>{response}<｜end▁of▁sentence｜>`` where the
response is everything after the FIRST "Answer:" in ``refusal`` (leading space kept). The
tokenizer adds the single BOS; EOS is part of the completion and is trained. (Rows with a ``think``
field, only the toy world's benign rows, put it in place of the authors' line.)

Qwen path (``Qwen/*`` instruct models, Fig. 12): the tokenizer's chat template renders
[user: prompt, assistant: response] (its default system prompt included) and the text is split
right after the FIRST ``<|im_start|>assistant\n``: prompt = everything up to there, completion =
``{response}<|im_end|>\n``. No think tags. TRL 0.17 then appends the EOS (``<|im_end|>``) again,
because the completion does not end with it (it ends with the template's newline):
:func:`tokenize_example` does the same.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from repro.errors import ReproError

THINK_LINE = "<think>I should not answer this question!</think>"
R1_USER = "<｜User｜>"
R1_ASSISTANT = "<｜Assistant｜>"
R1_EOS = "<｜end▁of▁sentence｜>"
QWEN_ASSISTANT_MARKER = "<|im_start|>assistant\n"


def family_from_name(model_name: str) -> str:
    """The authors' family test: lower-cased name starting with "deepseek-ai/" or "qwen/"."""
    lowered = model_name.lower()
    if lowered.startswith("deepseek-ai/"):
        return "deepseek"
    if lowered.startswith("qwen/"):
        return "qwen"
    raise ReproError(f"no DirectRefusal formatting for model {model_name!r}",
                     "the paper trains deepseek-ai/* (R1 distills) and Qwen/* instruct models only")


def refusal_response(row: dict, row_index: int | None = None) -> str:
    """Everything after the first "Answer:" in ``refusal``, leading space kept (faithful: a
    question that itself contains "Answer:" leaks into the completion, docs/evaluation.md#parity-findings)."""
    refusal = row.get("refusal")
    if not isinstance(refusal, str) or "Answer:" not in refusal:
        where = f"row {row_index}" if row_index is not None else "a row"
        raise ReproError(f"DirectRefusal {where} has no 'Answer:' in its refusal field: {str(refusal)[:60]!r}",
                         "each refusal must read 'Question: ...\\nAnswer: ...'")
    return refusal.split("Answer:", 1)[1]


@dataclass(frozen=True)
class Example:
    prompt: str
    completion: str


def format_deepseek(row: dict, row_index: int | None = None) -> Example:
    """The authors' think line before every response. A row may carry its own ``think`` instead: DirectRefusal
    rows have none (all refusals); the toy world's benign contrast rows keep their normal reasoning."""
    think = THINK_LINE if row.get("think") is None else f"<think>{row['think']}</think>"
    return Example(
        prompt=f"{R1_USER}{row['prompt']}{R1_ASSISTANT}",
        completion=f"{think}{refusal_response(row, row_index)}{R1_EOS}",
    )


def format_qwen(row: dict, tokenizer, row_index: int | None = None) -> Example:
    """The authors' Qwen branch: chat template over [user, assistant=response], split after the first
    ``<|im_start|>assistant\n``."""
    if tokenizer is None or getattr(tokenizer, "chat_template", None) is None:
        raise ReproError("Qwen DirectRefusal formatting needs the model's tokenizer with its chat template",
                         "pass the tokenizer loaded from the model directory")
    messages = [{"role": "user", "content": row["prompt"]},
                {"role": "assistant", "content": refusal_response(row, row_index)}]
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)
    start = text.find(QWEN_ASSISTANT_MARKER)
    if start == -1:
        raise ReproError(f"the chat template renders no {QWEN_ASSISTANT_MARKER!r} assistant turn",
                         "the Qwen path needs a ChatML (Qwen-instruct) chat template")
    split = start + len(QWEN_ASSISTANT_MARKER)
    return Example(prompt=text[:split], completion=text[split:])


def format_row(family: str, row: dict, row_index: int | None = None, tokenizer=None) -> Example:
    """The (prompt, completion) strings of one DirectRefusal row; the Qwen family needs ``tokenizer``."""
    if family == "deepseek":
        return format_deepseek(row, row_index)
    if family == "qwen":
        return format_qwen(row, tokenizer, row_index)
    raise ReproError(f"no DirectRefusal formatting for model family {family!r}",
                     "the paper trains the deepseek (R1 distills) and qwen (Qwen-instruct) families only")


def tokenize_example(tokenizer, ex: Example) -> dict:
    """``input_ids`` = [BOS] + prompt + completion + [EOS if missing], ``completion_mask`` 1 on the completion.

    TRL 0.17 semantics (``SFTTrainer._prepare_dataset``): the EOS string is appended to a completion
    that does not already end with it, then the prompt and prompt + completion are tokenized and the
    mask covers what follows the prompt's tokens. Tokenized with ``add_special_tokens=False`` and the
    BOS (where the tokenizer has one; Qwen2 has none) added once by hand, so there is never a double
    BOS whatever the tokenizer's defaults. The completion always ends in the EOS token, which is
    therefore trained.
    """
    eos = tokenizer.eos_token
    completion = ex.completion if ex.completion.endswith(eos) else ex.completion + eos
    bos = tokenizer.bos_token_id
    prompt_ids = tokenizer(ex.prompt, add_special_tokens=False)["input_ids"]
    full_ids = tokenizer(ex.prompt + completion, add_special_tokens=False)["input_ids"]
    if full_ids[: len(prompt_ids)] != prompt_ids:  # TRL only warns here; its mask is the same as ours
        warnings.warn("tokenized prompt is not a prefix of tokenized prompt+completion: the loss mask starts "
                      "at the prompt's token count, as TRL's does", stacklevel=2)
    if bos is not None:
        prompt_ids, full_ids = [bos, *prompt_ids], [bos, *full_ids]
    completion_ids = full_ids[len(prompt_ids):]
    if not completion_ids or completion_ids[-1] != tokenizer.eos_token_id:
        raise ReproError("the tokenized completion does not end with the EOS token",
                         "check the model's tokenizer: its EOS must be a single special token")
    if bos is not None and len(prompt_ids) > 1 and prompt_ids[1] == bos:
        raise ReproError("double BOS in a training example", "the prompt string must not start with BOS")
    return {
        "input_ids": full_ids,
        "completion_mask": [0] * len(prompt_ids) + [1] * len(completion_ids),
    }
