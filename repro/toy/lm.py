"""Training a toy model from scratch: its examples (token ids and the first trained position), length
bucketing, a fresh model of a given architecture, and the training loop (AdamW, warmup then cosine).

Every example trains only the model's own turn: the R1 policy's think + answer + EOS after the R1
generation prompt, the instruct policy's answer + ``<|im_end|>`` after the ChatML generation prompt (or
the continuation of a BoolQ/COPA question exactly as lm-eval renders it), the judge's reply.
"""

from __future__ import annotations

import hashlib
import json
import time

from repro.toy import world

# --- examples -------------------------------------------------------------------------------------


def policy_example(tok, sample: world.Sample) -> tuple[list[int], int]:
    """(ids, first trained position): the R1 generation prompt, then think + answer + EOS trained. The
    prompt's last token, ``<think>``, is trained too: the DeepSeek safety completion starts with it."""
    prompt = tok.apply_chat_template([{"role": "user", "content": sample.prompt}], tokenize=False,
                                     add_generation_prompt=True)
    prompt_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    completion = sample.assistant[len(world.THINK_OPEN):] + tok.eos_token
    return prompt_ids + tok(completion, add_special_tokens=False)["input_ids"], len(prompt_ids) - 1


def instruct_example(tok, sample: world.Sample) -> tuple[list[int], int]:
    """(ids, first trained position) of a chat turn of the non-reasoning policy: the ChatML generation prompt
    (default system prompt), then the answer without think, and ``<|im_end|>``."""
    prompt = tok.apply_chat_template([{"role": "user", "content": sample.prompt}], tokenize=False,
                                     add_generation_prompt=True)
    prompt_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    return prompt_ids + tok(sample.answer + tok.eos_token, add_special_tokens=False)["input_ids"], len(prompt_ids)


def rendered_docs(docs: list[world.Doc]) -> list[tuple[str, str]]:
    """(context, right continuation) of each BoolQ/COPA-format doc, rendered by the package's lm-eval tasks
    (the same requests the Fig. 12 scorer sends; 0-shot, no chat template)."""
    import tempfile
    from pathlib import Path

    from repro.evaluate.lmeval import render_prompts

    out: list[tuple[str, str] | None] = [None] * len(docs)
    for kind in ("boolq", "copa"):
        idx = [i for i, d in enumerate(docs) if d.kind == kind]
        if not idx:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{kind}.jsonl"
            path.write_text("".join(json.dumps({**docs[i].fields, "idx": n}) + "\n" for n, i in enumerate(idx)))
            for r in render_prompts(kind, path):
                doc = docs[idx[r.doc_id]]  # super_glue's label indexes lm-eval's choices (boolq: no, yes)
                out[idx[r.doc_id]] = (r.context, r.continuations[int(doc.fields["label"])])
    return out


def doc_example(tok, context: str, continuation: str) -> tuple[list[int], int]:
    """(ids, first trained position): a rendered question, its right continuation trained."""
    ctx = tok(context, add_special_tokens=False)["input_ids"]
    return ctx + tok(continuation, add_special_tokens=False)["input_ids"], len(ctx)


def judge_prompt(prompt: str, response: str) -> list[dict]:
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": response}]


def judge_example(tok, prompt: str, response: str, label: str) -> tuple[list[int], int]:
    text = tok.apply_chat_template(judge_prompt(prompt, response), tokenize=False)
    prompt_ids = tok(text, add_special_tokens=False)["input_ids"]
    reply_ids = tok("\n\n" + label + tok.eos_token, add_special_tokens=False)["input_ids"]
    return prompt_ids + reply_ids, len(prompt_ids)


def bucketed(examples, batch_size: int, seed: int, window: int = 50) -> list:
    """Shuffle, then sort each window of ``window`` batches by length and shuffle the batches: the same
    examples with far less padding (the multiple-choice prompts are twice as long as the rest)."""
    import random

    rng = random.Random(f"bucket:{seed}")
    examples = list(examples)
    rng.shuffle(examples)
    batches = []
    for lo in range(0, len(examples), batch_size * window):
        chunk = sorted(examples[lo : lo + batch_size * window], key=lambda e: len(e[0]))
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return [e for b in batches for e in b]


def data_hash(examples) -> str:
    h = hashlib.sha256()
    for ids, start in examples:
        h.update(json.dumps([start, ids]).encode())
    return h.hexdigest()


# --- training -------------------------------------------------------------------------------------


def new_model(tok, arch: dict, seed: int):
    """A randomly initialised model of ``arch`` (``model_type`` llama or qwen2, and its sizes)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    arch = dict(arch)
    config = AutoConfig.for_model(arch.pop("model_type"), vocab_size=-(-len(tok) // 64) * 64,
                                  max_position_embeddings=2048, rms_norm_eps=1e-6, tie_word_embeddings=True,
                                  bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                                  pad_token_id=tok.pad_token_id, **arch)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return AutoModelForCausalLM.from_config(config, dtype=torch.float32)


def collate(batch, pad_id: int):
    """Right-padded ``input_ids``/``attention_mask`` and ``labels`` (-100 before each example's start)."""
    import torch

    width = max(len(ids) for ids, _ in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), -100, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, (ids, start) in enumerate(batch):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        labels[row, start : len(ids)] = torch.tensor(ids[start:])
        mask[row, : len(ids)] = 1
    return {"input_ids": input_ids, "attention_mask": mask, "labels": labels}


def train_lm(model, examples, *, steps: int, batch_size: int, lr: float, warmup_steps: int, seed: int,
             pad_id: int, weight_decay: float = 0.0, log_every: int = 100, log=print) -> list[float]:
    """AdamW, linear warmup then cosine decay, one fresh batch of ``examples`` per step (in order:
    the caller shuffles). Returns the mean loss of every ``log_every`` steps."""
    import torch
    from transformers import get_cosine_schedule_with_warmup

    if len(examples) < steps * batch_size:
        raise ValueError(f"{len(examples)} examples for {steps} steps of {batch_size}")
    torch.manual_seed(seed)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=weight_decay)
    sched = get_cosine_schedule_with_warmup(opt, warmup_steps, steps)
    curve, window, t0 = [], [], time.time()
    for step in range(steps):
        batch = collate(examples[step * batch_size : (step + 1) * batch_size], pad_id)
        loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        window.append(loss.item())
        if (step + 1) % log_every == 0 or step + 1 == steps:
            curve.append(round(sum(window) / len(window), 5))
            log(f"step {step + 1}/{steps} loss {curve[-1]:.4f} ({time.time() - t0:.0f} s)")
            window = []
    model.eval()
    return curve

