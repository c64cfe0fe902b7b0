"""A short safety training of a toy policy on DirectRefusal-format rows, through the pipeline's own
DeepSeek formatting (``repro.train.formatting``): used by the tests and the rebuild check, not by
the pipeline (which trains through ``repro.train``)."""

from __future__ import annotations

from pathlib import Path


def safety_examples(tok, rows: list[dict]) -> list[tuple[list[int], int]]:
    """(ids, first trained position) per row, exactly as the DeepSeek training path tokenizes it."""
    from repro.train.formatting import format_deepseek, tokenize_example

    out = []
    for i, row in enumerate(rows):
        enc = tokenize_example(tok, format_deepseek(row, i))
        out.append((enc["input_ids"], enc["completion_mask"].index(1)))
    return out


def lora_safety_train(policy_dir: Path, rows: list[dict], *, layers=(2, 3), rank: int = 1, alpha: int = 16,
                      modules=("up_proj",), epochs: int = 10, batch_size: int = 16, lr: float = 3e-3,
                      seed: int = 0, log=None):
    """Load the policy, add a LoRA adapter (rank ``rank`` on ``modules`` of ``layers``), train it for
    ``epochs`` over ``rows`` (shuffled per epoch, seeded); return (peft model in eval mode, tokenizer, losses)."""
    import random

    import torch
    from peft import LoraConfig, get_peft_model

    from repro.toy.build import train_lm
    from repro.toy.metrics import load

    model, tok = load(policy_dir)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = get_peft_model(model, LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=0.0,
                                                 target_modules=list(modules), layers_to_transform=list(layers)))
    examples = safety_examples(tok, rows)
    rng = random.Random(f"toy-safety-train:{seed}")
    stream = []
    for _ in range(epochs):
        order = list(examples)
        rng.shuffle(order)
        stream += order
    steps = len(stream) // batch_size
    curve = train_lm(model, stream, steps=steps, batch_size=batch_size, lr=lr, warmup_steps=max(1, steps // 20),
                     seed=seed, pad_id=tok.pad_token_id, log_every=max(1, steps // 5),
                     log=log or (lambda _msg: None))
    return model, tok, curve
