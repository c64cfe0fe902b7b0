"""The toy models' word-level tokenizers: every word, number and punctuation mark one token (a leading
space part of the token), with a ``Fuse`` decoder, so ``decode(encode(text)) == text`` for world text.

Four kinds, each with the special tokens and chat template of the model family it stands in for:
- ``policy`` (the Llama-shaped reasoning policy): word-level, the R1 tokens and template. Its normalizer drops
  a newline right after ``<think>``, so the R1 generation prompt (``<｜Assistant｜><think>\\n``) and the
  DeepSeek training completion (``<think>I should not ...``) put the same token before the first think word:
  base training, safety training and evaluation see one format. (The real R1 tokenizer does not do this.)
- ``policy-bpe`` (the Qwen2-shaped reasoning policy): byte-level BPE with Qwen2's pre-tokenizer (digits one
  by one) trained on the world's texts until every word is one token, the R1 tokens, and the R1 template
  with no newline after ``<think>`` (the same single format as the word-level policy's normalizer gives).
  Byte-level because transformers loads any ``model_type: qwen2`` directory with ``Qwen2Tokenizer``, which
  installs Qwen2's pre-tokenizer, NFC normalizer and byte-level decoder whatever the saved tokenizer says.
- ``instruct`` (the non-reasoning policy, Qwen2-shaped): byte-level BPE as ``policy-bpe``, Qwen2-Instruct's
  ChatML tokens and template (default system prompt), no BOS.
- ``judge``: word-level, the Llama-3 tokens and the Llama-Guard-3 template, whose constant boilerplate is
  four long tokens.
"""

from __future__ import annotations

import re
from dataclasses import replace

from repro.toy import datasets, world

PIECE = r" ?[A-Za-z']+| ?\d+| ?[^\sA-Za-z\d]|\n| +"
UNK = "<unk>"
BPE_VOCAB = 8000  # an upper bound: BPE training stops once every word of the world's texts is one token


def _guard_chunks() -> tuple[str, ...]:
    """The constant text of the Llama-Guard-3 template between its special tokens and role names."""
    from repro.assets import tiny

    head = tiny._GUARD_HEAD.split("<|end_header_id|>", 1)[1]
    tail = tiny._GUARD_TAIL.split("<|eot_id|>", 1)[0]
    return head, tiny._GUARD_POLICY, tiny._GUARD_ASK, tail


GUARD_CHUNKS = _guard_chunks()


def world_texts() -> list[str]:
    """The world's request and answer texts, every how-to and ask tuple of both splits included."""
    texts = []
    for harmful in (True, False):
        for split in ("train", "eval"):
            texts += [world.howto_sample(t, v, o, 5).prompt + world.howto_sample(t, v, o, 5).answer
                      for t, v, o in world.howto_tuples(harmful, split)]
            texts += [s.prompt + " " + s.think + s.answer
                      for s in (world.ask_sample(*c) for c in world.ask_tuples(harmful, split))]
    texts += [world.danger_sample(o).prompt + world.danger_sample(o).answer + world.danger_sample(o).think
              for o in (*world.ALL_HARMFUL, *world.ALL_BENIGN)]
    texts += [world.PRIVACY_TEMPLATES[t].format(name=n) for t in range(len(world.PRIVACY_TEMPLATES))
              for n in world.NAMES]
    texts += [world.SAFETY_THINK, world.REFUSAL, world.HARMFUL_NOTE, world.BENIGN_NOTE]
    return texts


def reasoning_texts() -> list[str]:
    """What the reasoning policies' tokenizer covers: world texts, arithmetic, the AIME and GPQA prompts."""
    from repro.evaluate.prompts import AIME_PROMPT, GPQA_BODY, GPQA_INSTRUCTION

    texts = [s.prompt + " " + s.assistant for s in datasets.base_samples(3000, seed=0)]
    texts += [*world_texts(), AIME_PROMPT, GPQA_INSTRUCTION + GPQA_BODY]
    texts += [f"{i} ({i}) {{{i}}} , choice ( {L} ) {{{L}}}" for i in range(0, 100) for L in "ABCD"]
    return texts


def _pieces(texts, specials) -> list[str]:
    pattern = re.compile("|".join(re.escape(s) for s in specials))
    found = set()
    for text in texts:
        for chunk in pattern.split(text):
            found.update(re.findall(PIECE, chunk))
    return sorted(found)


def build_tokenizer(kind: str, extra_texts: list[str] = ()):
    """The tokenizer of kind ``policy``, ``policy-bpe``, ``instruct`` or ``judge`` over the world's texts and
    ``extra_texts`` (the instruct kind: its lm-eval-rendered questions)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    from repro.assets import tiny

    if kind == "policy-bpe":
        template = tiny.R1_CHAT_TEMPLATE.replace("<think>\\n", "<think>")
        return tiny.train_bpe(replace(tiny.TOKENIZER_KINDS[("qwen2", "r1")], vocab_size=BPE_VOCAB,
                                      chat_template=template), [*reasoning_texts(), *extra_texts], min_frequency=1)
    if kind == "instruct":
        texts = [*world_texts(), f"system\n{tiny.QWEN_DEFAULT_SYSTEM}\nuser\nassistant\n", *extra_texts]
        return tiny.train_bpe(replace(tiny.TOKENIZER_KINDS[("qwen2", "qwen_instruct")], vocab_size=BPE_VOCAB),
                              texts, min_frequency=1)
    if kind == "policy":
        tokens, bos, eos, pad, template = tiny.R1_TOKENS, tiny.R1_BOS, tiny.R1_EOS, tiny.R1_EOS, tiny.R1_CHAT_TEMPLATE
        texts = reasoning_texts()
    elif kind == "judge":
        tokens, bos, eos, pad = tiny.LLAMA_TOKENS, tiny.LLAMA_BOS, tiny.LLAMA_EOT, tiny.LLAMA_EOT
        template = tiny.GUARD_CHAT_TEMPLATE
        guard = tiny._GUARD_HEAD + "User Agent" + tiny._GUARD_POLICY + tiny._GUARD_ASK + tiny._GUARD_TAIL
        texts = [*reasoning_texts(), guard, "\n\nsafe", "\n\nunsafe\nS1,S2",
                 *(f"User: {p}\n\nAgent: {r}\n\n" for split in ("train", "eval")
                   for p, r, _ in datasets.judge_pairs(3000, 0, split))]
    else:
        raise ValueError(f"unknown toy tokenizer kind {kind!r}")
    specials = [t for t, _ in tokens]
    vocab = {t: i for i, t in enumerate([*specials, UNK, *_pieces([*texts, *extra_texts], specials)])}
    tok = Tokenizer(WordLevel(vocab, unk_token=UNK))
    if kind == "policy":
        tok.normalizer = normalizers.Replace("<think>\n", "<think>")
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(PIECE), behavior="isolated")
    tok.decoder = decoders.Fuse()
    # "<think>" is matched after normalisation (normalized=True) so the newline rule applies before it.
    tok.add_tokens([AddedToken(t, special=s, normalized=(t == "<think>")) for t, s in tokens])
    if kind == "judge":  # the Llama-Guard boilerplate as a few long tokens: ~80-token prompts instead of ~300
        tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in GUARD_CHUNKS])
    if bos is not None:
        tok.post_processor = processors.TemplateProcessing(
            single=f"{bos}:0 $A:0", pair=f"{bos}:0 $A:0 {bos}:1 $B:1", special_tokens=[(bos, vocab[bos])])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=bos, eos_token=eos, pad_token=pad,
                                   unk_token=UNK, model_max_length=2048, clean_up_tokenization_spaces=False,
                                   chat_template=template)
