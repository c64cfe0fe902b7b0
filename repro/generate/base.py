"""The generation interface shared by both backends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from repro.errors import ReproError
from repro.specs import DecodingSpec


@dataclass(frozen=True)
class Request:
    """One prompt: chat ``messages`` rendered with the model's template (generation prompt on), or a
    ``raw`` prompt string used as is (the AIME judge receives a hand-built ChatML string)."""

    id: str
    messages: tuple[dict, ...] = ()
    raw: str | None = None

    def __post_init__(self):
        if bool(self.messages) == (self.raw is not None):
            raise ValueError(f"request {self.id!r}: give exactly one of messages and raw")


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str  # "stop" (EOS or a stop string) | "length" (hit max_new_tokens: truncated)
    num_tokens: int  # generated tokens, as vLLM counts them: an EOS that ended it, never padding
    prompt_tokens: int
    token_ids: tuple[int, ...] = ()  # the generated ids (len == num_tokens), to compare backends token for token


class Generator(Protocol):
    def generate(self, requests: list[Request], decoding: DecodingSpec, seed: int,
                 progress_cb=None) -> list[Completion]: ...

    def facts(self) -> dict:
        """The backend, its version and how it runs, for the manifest of every step it serves."""

    def close(self) -> None: ...


def render_prompt_ids(tokenizer, request: Request) -> list[int]:
    """Chat template with generation prompt, tokenized with exactly one BOS. A raw prompt is
    tokenized as vLLM tokenizes a string prompt (special tokens added: a BOS where the tokenizer has one)."""
    if request.raw is not None:
        return tokenizer(request.raw)["input_ids"]
    text = tokenizer.apply_chat_template(list(request.messages), tokenize=False, add_generation_prompt=True)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    bos = tokenizer.bos_token_id
    if bos is not None and len(ids) > 1 and ids[0] == bos and ids[1] == bos:
        raise ReproError("double BOS in a rendered prompt", "the chat template must add BOS once")
    return ids


def cut_at_stop(text: str, stop: tuple[str, ...]) -> tuple[str, bool]:
    """Cut ``text`` before the earliest stop string (vLLM's default: the stop string is excluded)."""
    cut = min((i for i in (text.find(s) for s in stop) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)
