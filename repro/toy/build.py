"""Build the toy world's models from scratch: ``python -m repro.toy.build --out DIR [--only NAME]``.

Writes ``DIR/data`` (the shipped data files) and one complete Hugging Face model directory per model in
``MODELS`` (safetensors, tokenizer, chat template, generation config), loadable with ``load_tokenizer`` /
``AutoModelForCausalLM``, each with a ``build_manifest.json``: seed, steps, architecture, data hash, loss
curve, final metrics, the build checks and whether they held, wall time, library versions. Deterministic
and seeded, CPU only. The shipped copies live in ``repro/assets/fixtures/toy``; CI never rebuilds them
(``nox -s toy_rebuild`` does, into a temp dir, and fails if a check fails).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from repro.toy import datasets
from repro.toy.lm import (
    bucketed,
    data_hash,
    doc_example,
    instruct_example,
    judge_example,
    new_model,
    policy_example,
    rendered_docs,
    train_lm,
)
from repro.toy.tokenizers import build_tokenizer

_SIZES = {"hidden_size": 128, "intermediate_size": 256, "num_hidden_layers": 6, "num_attention_heads": 4}
# Qwen2's own traits against Llama's: biases on q/k/v and grouped-query attention (2 key-value heads).
_QWEN2 = {"model_type": "qwen2", **_SIZES, "num_key_value_heads": 2}


@dataclass(frozen=True)
class ModelBuild:
    """One toy model: its tokenizer kind, architecture, training data and the checks its build must pass."""

    name: str
    tokenizer: str  # a kind of repro.toy.tokenizers.build_tokenizer
    arch: dict
    what: str
    checks: tuple[tuple[str, str, float], ...]  # (metric, ">=" or "<=", bound)


MODELS = {
    "policy": ModelBuild("policy", "policy", {"model_type": "llama", **_SIZES, "num_key_value_heads": 4},
                         "Llama-shaped reasoning policy (plays the R1-Distill-Qwen models)",
                         (("arithmetic", ">=", 0.95), ("refusal", "<=", 0.05), ("ask_refusal", "<=", 0.05))),
    "policy-qwen2": ModelBuild("policy-qwen2", "policy-bpe", _QWEN2,
                               "Qwen2-shaped reasoning policy (plays R1-Distill-Llama-8B: the other family)",
                               (("arithmetic", ">=", 0.95), ("refusal", "<=", 0.05), ("ask_refusal", "<=", 0.05))),
    "instruct": ModelBuild("instruct", "instruct", _QWEN2,
                           "Qwen2-shaped non-reasoning policy in ChatML (plays Qwen2-1.5B-Instruct)",
                           # BoolQ >= 0.8, not 0.9: the shipped build reaches 0.83 (COPA 0.99); its misses are
                           # the reading questions that compare the passage's total with the question's number.
                           (("boolq", ">=", 0.8), ("copa", ">=", 0.9), ("refusal", "<=", 0.05),
                            ("ask_refusal", "<=", 0.05))),
    "judge": ModelBuild("judge", "judge", {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
                                           "num_hidden_layers": 3, "num_attention_heads": 4,
                                           "num_key_value_heads": 4},
                        "Llama-Guard-format judge", (("agreement", ">=", 0.98),)),
}


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


def failed_checks(build: ModelBuild, metrics: dict) -> list[str]:
    """The checks of ``build`` its ``metrics`` fail, in words."""
    return [f"{m} {op} {bound} (got {metrics.get(m)})" for m, op, bound in build.checks
            if metrics.get(m) is None or not (metrics[m] >= bound if op == ">=" else metrics[m] <= bound)]


# --- saving ---------------------------------------------------------------------------------------


def _versions() -> dict:
    import tokenizers
    import torch
    import transformers

    return {"python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
            "torch_threads": torch.get_num_threads(), "machine": platform.machine()}


def _write_manifest(model_dir: Path, manifest: dict) -> None:
    from repro.files import atomic_write_text

    atomic_write_text(model_dir / "build_manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _save(model, tok, generation_config, manifest: dict, out_dir: Path, probes: list[str]) -> None:
    """Save into a temp dir beside ``out_dir``, check the reload, then swap it into place."""
    from repro.files import building

    with building(out_dir) as tmp:
        model.generation_config = generation_config
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        verify_model_dir(tmp, tok, probes)
        _write_manifest(tmp, manifest)


def verify_model_dir(model_dir: Path, built, probes: list[str]) -> None:
    """Reload as the pipeline does (``load_tokenizer``, ``AutoModelForCausalLM``) and check the tokenizer contract the pipeline relies on: ``probes``
    round-trip with no unknown token and the same ids as the built tokenizer; BOS where the family has one;
    the R1 generation prompt ends with ``<think>``."""
    from transformers import AutoModelForCausalLM

    from repro.assets.tiny import R1_BOS
    from repro.assets.tokenizers import load_tokenizer

    tok = load_tokenizer(model_dir)
    AutoModelForCausalLM.from_pretrained(model_dir)
    problems = [f"decode(encode({p!r})) does not round-trip" for p in probes
                if tok.decode(tok.encode(p, add_special_tokens=False)) != p]
    problems += [f"{p!r} has an unknown word" for p in probes if tok.unk_token_id in tok.encode(p)]
    problems += [f"token ids of {p!r} change after reload" for p in probes if tok.encode(p) != built.encode(p)]
    if built.bos_token is not None and tok.encode("x")[0] != tok.bos_token_id:
        problems.append("encode() does not prepend BOS")
    if built.bos_token == R1_BOS:
        gen = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
        ids = tok(gen, add_special_tokens=False)["input_ids"]
        if ids[-1] != tok.convert_tokens_to_ids("<think>"):
            problems.append("the generation prompt does not end with the <think> token")
    if problems:
        raise RuntimeError(f"toy model at {model_dir} failed its checks: " + "; ".join(problems))


# --- the builds -----------------------------------------------------------------------------------


def _examples(build: ModelBuild, cfg: BuildConfig, log):
    """(tokenizer, training examples, probe texts, generation config) of one model."""
    from transformers import GenerationConfig

    from repro.evaluate.prompts import AIME_PROMPT

    if build.tokenizer in ("policy", "policy-bpe"):
        tok = build_tokenizer(build.tokenizer)
        samples = datasets.base_samples(cfg.steps * cfg.batch_size, cfg.seed)
        examples = [policy_example(tok, s) for s in samples]
        probes = [*(s.prompt + s.assistant for s in datasets.base_samples(8, seed=7)), AIME_PROMPT,
                  " \\boxed{41} (C) 12"]
        gen = GenerationConfig(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                               pad_token_id=tok.pad_token_id, do_sample=True, temperature=0.6, top_p=0.95)
    elif build.tokenizer == "instruct":
        items = datasets.instruct_mix(cfg.steps * cfg.batch_size, cfg.seed)
        docs = [i for i in items if isinstance(i, datasets.Doc)]
        log(f"{build.name}: rendering {len(docs)} questions through lm-eval")
        rendered = dict(zip((d.key for d in docs), rendered_docs(docs), strict=True))
        held_out = rendered_docs([*datasets.eval_docs("boolq", 20), *datasets.eval_docs("copa", 20)])
        tok = build_tokenizer("instruct", [c + x for c, x in [*rendered.values(), *held_out]])
        examples = [doc_example(tok, *rendered[i.key]) if isinstance(i, datasets.Doc) else instruct_example(tok, i)
                    for i in items]
        probes = [*(c + x for c, x in held_out), *(s.prompt + s.answer for s in datasets.eval_asks(8))]
        im_end, eot = tok.convert_tokens_to_ids("<|im_end|>"), tok.convert_tokens_to_ids("<|endoftext|>")
        gen = GenerationConfig(eos_token_id=[im_end, eot], pad_token_id=tok.pad_token_id, do_sample=False)
    else:
        tok = build_tokenizer("judge")
        pairs = datasets.judge_pairs(cfg.judge_steps * cfg.judge_batch_size, cfg.seed, "train")
        examples = [judge_example(tok, *p) for p in pairs]
        probes = [f"{p} {r}" for p, r, _ in datasets.judge_pairs(8, 7, "eval")]
        eot = [tok.convert_tokens_to_ids(t) for t in ("<|eot_id|>", "<|end_of_text|>")]
        gen = GenerationConfig(bos_token_id=tok.bos_token_id, eos_token_id=eot, pad_token_id=tok.pad_token_id,
                               do_sample=False)
    return tok, examples, probes, gen


def build_model(name: str, out_dir: Path, cfg: BuildConfig, log=print) -> dict:
    """Train ``MODELS[name]`` from scratch into ``out_dir``, evaluate it, record the checks."""
    import torch

    from repro.toy.metrics import evaluate

    build = MODELS[name]
    t0 = time.time()
    tok, examples, probes, gen = _examples(build, cfg, log)
    judge = build.tokenizer == "judge"
    steps, batch = (cfg.judge_steps, cfg.judge_batch_size) if judge else (cfg.steps, cfg.batch_size)
    examples = bucketed(examples, batch, cfg.seed)
    model = new_model(tok, build.arch, cfg.seed + (1 if judge else 0))
    n_params = sum(p.numel() for p in model.parameters())
    log(f"{name}: {n_params} parameters, vocab {len(tok)}, {len(examples)} examples")
    curve = train_lm(model, examples, steps=steps, batch_size=batch, lr=cfg.judge_lr if judge else cfg.lr,
                     warmup_steps=cfg.warmup_steps, seed=cfg.seed, pad_id=tok.pad_token_id,
                     weight_decay=0.0 if judge else cfg.weight_decay, log_every=50 if judge else 100, log=log)
    manifest = {"kind": name, "what": build.what, "config": asdict(cfg), "arch": build.arch, "parameters": n_params,
                "vocab": len(tok), "data_sha256": data_hash(examples), "loss_curve": curve,
                "train_wall_s": round(time.time() - t0, 1), "versions": _versions(), "command": " ".join(["python -m repro.toy.build", *sys.argv[1:]])}
    _save(model, tok, gen, manifest, out_dir, probes)
    with torch.inference_mode():
        metrics = evaluate(name, out_dir)
    failed = failed_checks(build, metrics)
    manifest.update(metrics=metrics, checks=[f"{m} {op} {b}" for m, op, b in build.checks], failed_checks=failed,
                    wall_s=round(time.time() - t0, 1))
    _write_manifest(out_dir, manifest)
    log(f"{name} metrics: {metrics}" + (f"; FAILED: {failed}" if failed else "; checks hold"))
    return manifest


def main(argv: list[str] | None = None) -> int:
    from repro.toy.rows import write_data

    parser = argparse.ArgumentParser(prog="python -m repro.toy.build", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="writes OUT/data and OUT/<model> for each model")
    parser.add_argument("--only", choices=("data", *MODELS), action="append", help="build these only (repeatable)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=BuildConfig.steps)
    parser.add_argument("--judge-steps", type=int, default=BuildConfig.judge_steps)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    cfg = BuildConfig(seed=args.seed, steps=args.steps, judge_steps=args.judge_steps)
    which = args.only or ["data", *MODELS]
    if "data" in which:
        print(f"data: {write_data(args.out / 'data', args.seed)}")
    failed = {}
    for name in MODELS:
        if name in which:
            failed[name] = build_model(name, args.out / name, cfg)["failed_checks"]
    failed = {k: v for k, v in failed.items() if v}
    if failed:
        print(f"toy build checks failed: {failed}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
