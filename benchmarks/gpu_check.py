"""The GPU check: what the paper profile's GPU code does on a real GPU, in one short run (a few minutes on one
H100/H200 with torch, transformers and peft; no vLLM, no network needed).

  training    the project's trainer (repro.train.sft.build_trainer: TRL SFTTrainer, peft) on a random-init model
              with DeepSeek-R1-Distill-Qwen-14B's layer shapes (hidden 5120, MLP 13824, 40 heads, 8 KV heads,
              vocab 152064) but only a few layers: LoRA r=1 on the MLP (bf16 base under fp16 autocast) and full
              fine-tuning (pure bf16), the paper's two precisions, batch 2 as the paper. Tokens/s, model FLOPs
              utilisation, peak GPU memory, and the precision settings the trainer asserted.
  geometry    the Fig. 1 stable-rank pass (repro.geometry.analysis.stable_rank_pass) on a DeepSeek-R1-Distill-
              Qwen-7B-shaped checkpoint pair (a few layers), on the GPU and on the CPU.
  generation  HF transformers generation (repro.generate.hf.HFGenerator) on the GPU with the 14B-shaped model.

    python benchmarks/gpu_check.py --json gpu_check.json            # on the GPU machine
    python benchmarks/gpu_check.py --tiny --json /tmp/tiny.json     # the same code on tiny shapes, on CPU

``--tiny`` runs every part on tiny shapes on the CPU (the test suite runs it, so this script cannot rot).
Numbers print as one table; nothing is asserted beyond the trainer's own checks.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from geometry_bench import SHAPES, tensor_shapes, write_pair  # noqa: E402

# R1-Distill-Qwen-14B's shapes; the layer count is the check's choice.
R1_14B = {"hidden_size": 5120, "intermediate_size": 13824, "num_heads": 40, "num_kv_heads": 8, "vocab": 152064}
TINY = {"hidden_size": 64, "intermediate_size": 128, "num_heads": 2, "num_kv_heads": 1, "vocab": None}  # its own
# Dense bf16/fp16 tensor-core peak (FLOP/s) of the cards the check expects, from the vendor's data sheets (SXM).
PEAK_FLOPS = {"H100": 989e12, "H200": 989e12, "A100": 312e12}


def build_model(shape: dict, layers: int, out: Path, device: str) -> Path:
    """A random-init Qwen2 with ``shape`` and the R1 chat template: the smoke profile's tiny tokenizer and template
    (built by repro.assets.tiny), then weights of the wanted width, depth and vocabulary, saved in bf16."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from repro.assets.registry import R1_QWEN_14B
    from repro.assets.tiny import build_tiny_model
    from repro.profiles import get_profile

    spec = get_profile("smoke").model(R1_QWEN_14B)
    build_tiny_model(dataclasses.replace(spec, tiny=dataclasses.replace(spec.tiny, num_layers=layers)), out)
    config = AutoConfig.from_pretrained(out)
    config.update({"hidden_size": shape["hidden_size"], "intermediate_size": shape["intermediate_size"],
                   "num_attention_heads": shape["num_heads"], "num_key_value_heads": shape["num_kv_heads"],
                   "head_dim": shape["hidden_size"] // shape["num_heads"], "num_hidden_layers": layers,
                   "vocab_size": shape["vocab"] or config.vocab_size, "dtype": "bfloat16"})
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.save_pretrained(out)
    return out


def matmul_params(model_dir: Path) -> int:
    """Parameters that take part in a matrix product per token: every linear layer and the LM head (the embedding
    lookup does not), from the config."""
    c = json.loads((model_dir / "config.json").read_text())
    h, m, layers = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"]
    kv = c["num_key_value_heads"] * c.get("head_dim", h // c["num_attention_heads"])
    return layers * (2 * h * h + 2 * h * kv + 3 * h * m) + c["vocab_size"] * h


def train_check(model_dir: Path, mode: str, precision: str, rows: list[dict], work: Path) -> dict:
    """Steps of the project's trainer on ``rows``, timed after two warm-up steps."""
    import torch
    from transformers import TrainerCallback

    from repro.specs import ModelSpec, TrainSpec
    from repro.train.sft import build_trainer

    model = ModelSpec(name="gpu-check/r1-qwen-14b-shaped", revision="random-init", family="deepseek",
                      num_layers=json.loads((model_dir / "config.json").read_text())["num_hidden_layers"],
                      label="gpu-check", source="tiny")
    spec = TrainSpec(model=model, mode=mode, data=_data(), epochs=1,
                     batch_size=2, precision=precision, learning_rate=5e-5)
    trainer, report = build_trainer(spec, model_dir, rows, work / mode)
    trainer.args.save_strategy = "no"  # timing only: no checkpoint written
    marks: list[tuple[int, float]] = []

    class Clock(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            marks.append((state.global_step, time.perf_counter()))

    trainer.add_callback(Clock())
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    trainer.train()
    steps = [s for s, _ in marks]
    (s0, t0), (s1, t1) = marks[min(2, len(marks) - 2)], marks[-1]
    lengths = [len(x["input_ids"]) for x in trainer.train_dataset]
    tokens_per_step = 2 * sum(lengths) / len(lengths)
    tok_s = (s1 - s0) * tokens_per_step / (t1 - t0)
    params = [p for p in trainer.model.parameters()]
    trainable = [p for p in params if p.requires_grad]
    # Model FLOPs per token: forward 2N, backward 2N for the activations' gradients, plus 2N for the weights'
    # gradients where every weight trains (full); LoRA's own matrices are negligible at r = 1.
    flops_per_token = (6 if mode == "full" else 4) * matmul_params(model_dir)
    out = {"mode": mode, "precision": precision, "steps_timed": s1 - s0, "total_steps": max(steps),
           "seconds_per_step": (t1 - t0) / (s1 - s0), "tokens_per_s": tok_s, "tokens_per_step": tokens_per_step,
           "model_tflops_per_s": tok_s * flops_per_token / 1e12,
           "asserted": {k: report[k] for k in ("mixed_precision", "effective_batch_size", "gradient_checkpointing",
                                               "learning_rate", "lr_scheduler")},
           "base_dtype": str(params[0].dtype).removeprefix("torch."),
           "trainable_dtype": str(trainable[0].dtype).removeprefix("torch."),
           "trainable_parameters": sum(p.numel() for p in trainable)}
    if torch.cuda.is_available():
        out["peak_gpu_gib"] = torch.cuda.max_memory_allocated() / 2**30
    del trainer
    return out


def _data():
    from repro.profiles.smoke import SMOKE_DIRECT_REFUSAL

    return dataclasses.replace(SMOKE_DIRECT_REFUSAL, limit=None)


def geometry_check(layers: int, work: Path, tiny: bool) -> list[dict]:
    """The stable-rank pass over a 7B-shaped pair (``layers`` layers), on the GPU where there is one and on CPU."""
    import torch

    from repro.geometry.analysis import stable_rank_pass

    shape = dataclasses.replace(SHAPES["r1-qwen-7b"], layers=layers)
    if tiny:
        shape = dataclasses.replace(shape, hidden=TINY["hidden_size"], intermediate=TINY["intermediate_size"],
                                    heads=TINY["num_heads"], kv_heads=TINY["num_kv_heads"], vocab=1024)
    write_pair(shape, work / "pair", shard_gb=2.0, seed=0)
    nbytes = sum(2 * n for n in (_numel(s) for k, s in tensor_shapes(shape).items() if "_proj.weight" in k))
    out = []
    for device in (["cuda"] if torch.cuda.is_available() else []) + ["cpu"]:
        t0 = time.perf_counter()
        rows, stats = stable_rank_pass(work / "pair" / "base", work / "pair" / "ft", lora=False, device=device)
        seconds = time.perf_counter() - t0
        out.append({"device": stats["device"], "matrices": stats["matrices"], "seconds": seconds,
                    "gib_read": stats["bytes_read"] / 2**30, "mb_per_s": stats["bytes_read"] / seconds / 1e6,
                    "projection_gib": nbytes / 2**30,
                    "stable_rank_median": sorted(r["stable_rank"] for r in rows)[len(rows) // 2]})
    return out


def _numel(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def generation_check(model_dir: Path, new_tokens: int, batch: int) -> dict:
    import torch

    from repro.generate.base import Request
    from repro.generate.hf import HFGenerator
    from repro.specs import DecodingSpec

    gen = HFGenerator(model_dir, "bfloat16", batch_size=batch)
    requests = [Request(f"q{i}", ({"role": "user", "content": f"How do I bake bread number {i}?"},))
                for i in range(batch)]
    decoding = DecodingSpec(temperature=0.6, top_p=0.95, max_new_tokens=new_tokens)
    gen.generate(requests[:2], DecodingSpec(temperature=0.0, top_p=1.0, max_new_tokens=4), seed=0)  # warm-up
    if torch.cuda.is_available():
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    out = gen.generate(requests, decoding, seed=0)
    seconds = time.perf_counter() - t0
    tokens = sum(c.num_tokens for c in out)
    res = {"device": gen.device, "batch": batch, "max_new_tokens": new_tokens, "generated_tokens": tokens,
           "seconds": seconds, "tokens_per_s": tokens / seconds}
    if torch.cuda.is_available():
        res["peak_gpu_gib"] = torch.cuda.max_memory_allocated() / 2**30
    gen.close()
    return res


def environment() -> dict:
    import peft
    import torch
    import transformers

    env = {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
           "cuda": torch.version.cuda, "cpus": os.cpu_count()}
    if torch.cuda.is_available():
        p = torch.cuda.get_device_properties(0)
        env.update(gpu=p.name, gpu_memory_gib=round(p.total_memory / 2**30, 1), gpus=torch.cuda.device_count())
    return env


def table(res: dict) -> str:
    lines = ["| part | what | result |", "|---|---|---|"]
    for t in res["training"]:
        mfu = f", MFU {t['mfu']:.0%}" if t.get("mfu") is not None else ""
        mem = f", peak {t['peak_gpu_gib']:.1f} GiB" if "peak_gpu_gib" in t else ""
        lines.append(f"| training | {t['mode']}, {t['precision']} (trainer mixed precision "
                     f"{t['asserted']['mixed_precision']}; base {t['base_dtype']}, trained {t['trainable_dtype']}) | {t['tokens_per_s']:,.0f} tokens/s, "
                     f"{t['seconds_per_step'] * 1e3:.0f} ms/step, {t['model_tflops_per_s']:.1f} TFLOP/s{mfu}{mem} |")
    for g in res["geometry"]:
        lines.append(f"| geometry | Fig. 1 pass, {g['matrices']} matrices on {g['device']} | {g['seconds']:.1f} s, "
                     f"{g['mb_per_s']:,.0f} MB/s, median stable rank {g['stable_rank_median']:.1f} |")
    g = res["generation"]
    mem = f", peak {g['peak_gpu_gib']:.1f} GiB" if "peak_gpu_gib" in g else ""
    lines.append(f"| generation | HF generate, {g['batch']} x {g['max_new_tokens']} tokens on {g['device']} | "
                 f"{g['tokens_per_s']:,.0f} tokens/s{mem} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="tiny shapes on the CPU (what the test suite runs)")
    ap.add_argument("--layers", type=int, default=None, help="decoder layers of the 14B-shaped model (default 2)")
    ap.add_argument("--json", type=Path, required=True, help="write the results here")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    import torch

    from repro.pipeline.runners.runtime import quiet_libraries

    quiet_libraries()
    if not args.tiny and not torch.cuda.is_available():
        sys.exit("error: no CUDA GPU here -- run with --tiny for the CPU version of the same check")
    device = "cuda" if torch.cuda.is_available() and not args.tiny else "cpu"
    work = Path(args.workdir or tempfile.mkdtemp(prefix="repro-gpu-check-"))
    t_start = time.time()
    res = {"tiny": args.tiny, "environment": environment()}
    model_dir = build_model(TINY if args.tiny else R1_14B, args.layers or 2, work / "model", device)
    from repro.assets.datasets import load_rows

    rows = (load_rows(_data()) * 3)[:64]
    peak = PEAK_FLOPS.get(next((k for k in PEAK_FLOPS if k in res["environment"].get("gpu", "")), ""), None)
    res["training"] = []
    for mode, precision in (("lora_mlp_r1", "bf16_base_fp16_autocast" if device == "cuda" else "fp32"),
                            ("full", "pure_bf16")):
        t = train_check(model_dir, mode, precision, rows, work)
        t["mfu"] = t["model_tflops_per_s"] * 1e12 / peak if peak else None
        res["training"].append(t)
        print(json.dumps(t), flush=True)
    res["geometry"] = geometry_check(2, work, args.tiny)
    print(json.dumps(res["geometry"]), flush=True)
    res["generation"] = generation_check(model_dir, 16 if args.tiny else 256, 4 if args.tiny else 16)
    res["wall_s"] = time.time() - t_start
    res["table"] = table(res)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(res, indent=2))
    print(f"\n{res['environment']}\n\n{res['table']}\n\nwall {res['wall_s']:.0f} s; written to {args.json}")


if __name__ == "__main__":
    main()
