"""Build the toy world's base policy and judge from scratch: ``python -m repro.toy.build --out DIR``.

Writes ``DIR/policy`` and ``DIR/judge``: complete Hugging Face model directories (safetensors,
tokenizer, chat template, generation config) loadable with ``AutoTokenizer`` /
``AutoModelForCausalLM``, each with a ``build_manifest.json`` (seed, steps, data hash, final metrics,
wall time, library versions). Deterministic and seeded, CPU only. The shipped copies live in
``repro/assets/fixtures/toy``; CI never rebuilds them (``nox -s toy_rebuild`` does).

Tokenizers are word-level (every word, number and punctuation mark one token, a leading space
part of the token) with a ``Fuse`` decoder, so ``decode(encode(text)) == text`` for world text.
The policy's tokenizer carries the R1 special tokens and chat template; its normalizer drops a
newline right after ``<think>``, so the R1 generation prompt (``<｜Assistant｜><think>\\n``) and the
DeepSeek training completion (``<think>I should not ...``) put the same token before the first
think word: base training, safety training and evaluation see one format.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from repro.toy import world

PIECE = r" ?[A-Za-z']+| ?\d+| ?[^\sA-Za-z\d]|\n| +"
UNK = "<unk>"
POLICY_ARCH = {"hidden_size": 128, "intermediate_size": 256, "num_hidden_layers": 6, "num_attention_heads": 4,
               "num_key_value_heads": 4}
JUDGE_ARCH = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 3, "num_attention_heads": 4,
              "num_key_value_heads": 4}


def _guard_chunks() -> tuple[str, ...]:
    """The constant text of the Llama-Guard-3 template between its special tokens and role names."""
    from repro.assets import tiny

    head = tiny._GUARD_HEAD.split("<|end_header_id|>", 1)[1]
    tail = tiny._GUARD_TAIL.split("<|eot_id|>", 1)[0]
    return head, tiny._GUARD_POLICY, tiny._GUARD_ASK, tail


GUARD_CHUNKS = _guard_chunks()


@dataclass(frozen=True)
class BuildConfig:
    seed: int = 0
    steps: int = 3000
    batch_size: int = 64
    lr: float = 3e-3
    warmup_steps: int = 50
    weight_decay: float = 0.0
    judge_steps: int = 1500
    judge_batch_size: int = 16
    judge_lr: float = 3e-3


# --- tokenizers -----------------------------------------------------------------------------------


def _pieces(texts, specials) -> list[str]:
    pattern = re.compile("|".join(re.escape(s) for s in specials))
    found = set()
    for text in texts:
        for chunk in pattern.split(text):
            found.update(re.findall(PIECE, chunk))
    return sorted(found)


def build_tokenizer(kind: str):
    """The word-level tokenizer of the ``policy`` (R1 tokens and template) or the ``judge``
    (Llama-3 tokens, Llama-Guard template)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    from repro.assets import tiny

    if kind == "policy":
        tokens, bos, eos, pad, template = tiny.R1_TOKENS, tiny.R1_BOS, tiny.R1_EOS, tiny.R1_EOS, tiny.R1_CHAT_TEMPLATE
        texts = world.corpus_texts()
    elif kind == "judge":
        tokens, bos, eos, pad = tiny.LLAMA_TOKENS, tiny.LLAMA_BOS, tiny.LLAMA_EOT, tiny.LLAMA_EOT
        template = tiny.GUARD_CHAT_TEMPLATE
        guard = tiny._GUARD_HEAD + "User Agent" + tiny._GUARD_POLICY + tiny._GUARD_ASK + tiny._GUARD_TAIL
        texts = [*world.corpus_texts(), guard, "\n\nsafe", "\n\nunsafe\nS1,S2",
                 *(f"User: {p}\n\nAgent: {r}\n\n" for split in ("train", "eval")
                   for p, r, _ in world.judge_pairs(3000, 0, split))]
    else:
        raise ValueError(f"unknown toy tokenizer kind {kind!r}")
    specials = [t for t, _ in tokens]
    vocab = {t: i for i, t in enumerate([*specials, UNK, *_pieces(texts, specials)])}
    tok = Tokenizer(WordLevel(vocab, unk_token=UNK))
    if kind == "policy":
        tok.normalizer = normalizers.Replace("<think>\n", "<think>")
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(PIECE), behavior="isolated")
    tok.decoder = decoders.Fuse()
    # "<think>" is matched after normalisation (normalized=True) so the newline rule applies before it.
    tok.add_tokens([AddedToken(t, special=s, normalized=(t == "<think>")) for t, s in tokens])
    if kind == "judge":  # the Llama-Guard boilerplate as a few long tokens: ~80-token prompts instead of ~300
        tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in GUARD_CHUNKS])
    tok.post_processor = processors.TemplateProcessing(single=f"{bos}:0 $A:0", pair=f"{bos}:0 $A:0 {bos}:1 $B:1",
                                                       special_tokens=[(bos, vocab[bos])])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=bos, eos_token=eos, pad_token=pad,
                                   unk_token=UNK, model_max_length=2048, clean_up_tokenization_spaces=False,
                                   chat_template=template)


# --- examples -------------------------------------------------------------------------------------


def policy_example(tok, sample: world.Sample) -> tuple[list[int], int]:
    """(ids, first trained position): the R1 generation prompt, then think + answer + EOS trained. The
    prompt's last token, ``<think>``, is trained too: the DeepSeek safety completion starts with it."""
    prompt = tok.apply_chat_template([{"role": "user", "content": sample.prompt}], tokenize=False,
                                     add_generation_prompt=True)
    prompt_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    completion = sample.assistant[len(world.THINK_OPEN):] + tok.eos_token
    return prompt_ids + tok(completion, add_special_tokens=False)["input_ids"], len(prompt_ids) - 1


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
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig

    config = LlamaConfig(vocab_size=-(-len(tok) // 64) * 64, max_position_embeddings=2048, rms_norm_eps=1e-6,
                         tie_word_embeddings=True, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
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


# --- saving ---------------------------------------------------------------------------------------


def _versions() -> dict:
    import tokenizers
    import torch
    import transformers

    return {"python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
            "torch_threads": torch.get_num_threads(), "machine": platform.machine()}


def _save(model, tok, generation_config, manifest: dict, out_dir: Path) -> None:
    """Save into a temp dir beside ``out_dir``, check the reload, then swap it into place."""
    from repro.files import building

    with building(out_dir) as tmp:
        model.generation_config = generation_config
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        verify_model_dir(tmp, tok)
        (tmp / "build_manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def verify_model_dir(model_dir: Path, built) -> None:
    """Reload through the Auto classes and check the tokenizer contract the pipeline relies on."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    AutoModelForCausalLM.from_pretrained(model_dir)
    probes = [*(s.prompt + s.assistant for s in world.base_samples(8, seed=7)), world.REFUSAL, " \\boxed{41} (C) 12"]
    problems = [f"decode(encode({p!r})) does not round-trip" for p in probes
                if tok.decode(tok.encode(p, add_special_tokens=False)) != p]
    problems += [f"token ids of {p!r} change after reload" for p in probes if tok.encode(p) != built.encode(p)]
    if tok.encode("x")[0] != tok.bos_token_id:
        problems.append("encode() does not prepend BOS")
    if built.bos_token == world_r1_bos():
        gen = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
        ids = tok(gen, add_special_tokens=False)["input_ids"]
        if ids[-1] != tok.convert_tokens_to_ids("<think>"):
            problems.append("the generation prompt does not end with the <think> token")
    if problems:
        raise RuntimeError(f"toy model at {model_dir} failed its checks: " + "; ".join(problems))


def world_r1_bos() -> str:
    from repro.assets.tiny import R1_BOS

    return R1_BOS


# --- the two builds -------------------------------------------------------------------------------


def build_policy(out_dir: Path, cfg: BuildConfig, log=print) -> dict:
    import torch
    from transformers import GenerationConfig

    from repro.toy.metrics import evaluate_policy

    t0 = time.time()
    tok = build_tokenizer("policy")
    samples = world.base_samples(cfg.steps * cfg.batch_size, cfg.seed)
    examples = bucketed([policy_example(tok, s) for s in samples], cfg.batch_size, cfg.seed)
    model = new_model(tok, POLICY_ARCH, cfg.seed)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"policy: {n_params} parameters, vocab {len(tok)}, {len(examples)} examples")
    curve = train_lm(model, examples, steps=cfg.steps, batch_size=cfg.batch_size, lr=cfg.lr,
                     warmup_steps=cfg.warmup_steps, seed=cfg.seed, pad_id=tok.pad_token_id,
                     weight_decay=cfg.weight_decay, log=log)
    train_s = time.time() - t0
    gen = GenerationConfig(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                           pad_token_id=tok.pad_token_id, do_sample=True, temperature=0.6, top_p=0.95)
    manifest = {"kind": "policy", "config": asdict(cfg), "arch": POLICY_ARCH, "parameters": n_params,
                "vocab": len(tok), "data_sha256": data_hash(examples), "loss_curve": curve,
                "train_wall_s": round(train_s, 1), "versions": _versions(), "command": " ".join(sys.argv)}
    _save(model, tok, gen, manifest, out_dir)
    with torch.inference_mode():
        metrics = evaluate_policy(out_dir)
    manifest.update(metrics=metrics, wall_s=round(time.time() - t0, 1))
    (out_dir / "build_manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    log(f"policy metrics: {metrics}")
    return manifest


def build_judge(out_dir: Path, cfg: BuildConfig, log=print) -> dict:
    from transformers import GenerationConfig

    from repro.toy.metrics import evaluate_judge

    t0 = time.time()
    tok = build_tokenizer("judge")
    pairs = world.judge_pairs(cfg.judge_steps * cfg.judge_batch_size, cfg.seed, "train")
    examples = bucketed([judge_example(tok, *p) for p in pairs], cfg.judge_batch_size, cfg.seed)
    model = new_model(tok, JUDGE_ARCH, cfg.seed + 1)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"judge: {n_params} parameters, vocab {len(tok)}, {len(examples)} examples")
    curve = train_lm(model, examples, steps=cfg.judge_steps, batch_size=cfg.judge_batch_size, lr=cfg.judge_lr,
                     warmup_steps=cfg.warmup_steps, seed=cfg.seed, pad_id=tok.pad_token_id, log_every=50, log=log)
    eot = [tok.convert_tokens_to_ids(t) for t in ("<|eot_id|>", "<|end_of_text|>")]
    gen = GenerationConfig(bos_token_id=tok.bos_token_id, eos_token_id=eot, pad_token_id=tok.pad_token_id,
                           do_sample=False)
    manifest = {"kind": "judge", "config": asdict(cfg), "arch": JUDGE_ARCH, "parameters": n_params,
                "vocab": len(tok), "data_sha256": data_hash(examples), "loss_curve": curve,
                "train_wall_s": round(time.time() - t0, 1), "versions": _versions(), "command": " ".join(sys.argv)}
    _save(model, tok, gen, manifest, out_dir)
    metrics = evaluate_judge(out_dir)
    manifest.update(metrics=metrics, wall_s=round(time.time() - t0, 1))
    (out_dir / "build_manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    log(f"judge metrics: {metrics}")
    return manifest


def write_data(out_dir: Path, seed: int = 0) -> dict[str, str]:
    """The world's training and evaluation sets as JSONL files (``TOY_DATA_FILES``); returns their sha256."""
    from repro.toy import TOY_DATA_FILES

    sets = {"directrefusal": world.safety_rows(seed), "strongreject": world.strongreject_rows(150, seed),
            "benign": world.benign_rows(150, seed), "aime24": world.aime_rows(300, seed),
            "gpqa_diamond": world.gpqa_rows(100, seed)}
    out_dir.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for name, rows in sets.items():
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        path = out_dir / TOY_DATA_FILES[name]
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
        hashes[TOY_DATA_FILES[name]] = hashlib.sha256(text.encode()).hexdigest()
    return hashes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m repro.toy.build", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="writes OUT/policy and OUT/judge")
    parser.add_argument("--only", choices=("policy", "judge", "data"), help="build one of the three")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=BuildConfig.steps)
    parser.add_argument("--judge-steps", type=int, default=BuildConfig.judge_steps)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    cfg = BuildConfig(seed=args.seed, steps=args.steps, judge_steps=args.judge_steps)
    if args.only in (None, "data"):
        print(f"data: {write_data(args.out / 'data', args.seed)}")
    if args.only in (None, "policy"):
        build_policy(args.out / "policy", cfg)
    if args.only in (None, "judge"):
        build_judge(args.out / "judge", cfg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
