"""Where one toy training run's time goes: `python benchmarks/toy_train_step.py [--mode full]`.

Builds the real trainer of a toy run (repro.train.sft.build_trainer: the toy profile's spec, the shipped
policy, the safety-training set) and measures, on one thread as the toy's workers run:

- the Trainer's whole run (every epoch, checkpoint saves included), per optimizer step;
- the bare loop on the same batches (forward, backward, AdamW step), per step, under each attention
  implementation transformers offers on CPU (sdpa, the default, and eager);
- torch.profiler's self time of that loop by operator group: matrix products, attention, LoRA dropout's
  random masks, the rest of the element-wise work, the optimizer.

The difference between the first two is the Trainer's own overhead (data collation, logging, callbacks,
checkpoints). Printed, never asserted; nothing is written outside a temp dir unless --json is given.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

GROUPS = {  # operator-name substrings -> group, first match wins
    "matrix products": ("aten::mm", "aten::addmm", "aten::bmm", "aten::linear", "aten::matmul"),
    "attention": ("scaled_dot_product",),
    "dropout masks (RNG)": ("bernoulli",),
    "optimizer": ("Optimizer.step", "_foreach", "adam"),
}


def _trainer(mode: str, run_dir: Path):
    from repro.assets.datasets import load_rows
    from repro.assets.models import fixture_model_path
    from repro.pipeline.executors.determinism import seed_everything
    from repro.profiles.toy import TOY, TOY_POLICY
    from repro.train.sft import build_trainer

    spec = TOY.train(TOY_POLICY, mode)
    seed_everything(spec.seed)
    trainer, report = build_trainer(spec, fixture_model_path(TOY_POLICY), load_rows(spec.data), run_dir)
    return spec, trainer, report


def _attention(model, attn: str) -> None:
    """Switch the attention kernel of a model, or of the model under a peft wrapper."""
    (model.get_base_model() if hasattr(model, "get_base_model") else model).set_attn_implementation(attn)


def _train_steps(model, attn: str):
    """A function that runs one forward, backward and AdamW step of ``model`` (train mode, kernel ``attn``)."""
    import torch

    _attention(model, attn)
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)

    def step(batch):
        model(**batch).loss.backward()
        opt.step()
        opt.zero_grad()

    return step


def _bare_loop(model, batches, attn: str) -> float:
    """Seconds per step of forward, backward and an AdamW step on ``batches`` (after two warm-up steps)."""
    step = _train_steps(model, attn)
    for b in batches[:2]:
        step(b)
    t0 = time.perf_counter()
    for b in batches:
        step(b)
    return (time.perf_counter() - t0) / len(batches)


def _op_groups(model, batches) -> dict[str, float]:
    from torch.profiler import ProfilerActivity, profile

    step = _train_steps(model, "sdpa")
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for b in batches:
            step(b)
    out = dict.fromkeys([*GROUPS, "other element-wise"], 0.0)
    for ev in prof.key_averages():
        group = next((g for g, keys in GROUPS.items() if any(k in ev.key for k in keys)),
                     "other element-wise")
        out[group] += ev.self_cpu_time_total / 1e6 / len(batches)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="lora_mlp_r1", help="a toy training mode (default: Fig. 2's LoRA)")
    parser.add_argument("--steps", type=int, default=10, help="batches in the bare-loop and profiler measurements")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the toy's workers use 1)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()

    import torch
    from rich.console import Console
    from rich.table import Table

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        spec, trainer, report = _trainer(args.mode, Path(tmp) / "run")
        batches = [b for _, b in zip(range(args.steps), trainer.get_train_dataloader(), strict=False)]
        t0 = time.perf_counter()
        trainer.train()
        trainer_step = (time.perf_counter() - t0) / trainer.state.global_step
        bare = {attn: _bare_loop(trainer.model, batches, attn) for attn in ("sdpa", "eager")}
        groups = _op_groups(trainer.model, batches)
    tokens = sum(int(b["input_ids"].numel()) for b in batches) / len(batches)
    result = {"mode": spec.mode, "threads": args.threads, "optimizer_steps": report["total_steps"],
              "batch_rows": spec.batch_size, "tokens_per_batch_padded": tokens,
              "trainer_s_per_step": trainer_step, "bare_s_per_step": bare, "profiled_s_per_step": groups}

    console = Console()
    console.print(f"{spec.mode}: {report['total_steps']} optimizer steps of {spec.batch_size} rows "
                  f"({tokens:.0f} padded tokens a batch), {args.threads} thread(s)")
    table = Table("measure", "ms / step", "share")
    table.add_row("Trainer, whole run (saves included)", f"{trainer_step * 1e3:.0f}", "100%")
    for attn, s in bare.items():
        table.add_row(f"bare loop, attention {attn}", f"{s * 1e3:.0f}", f"{s / trainer_step:.0%}")
    profiled = sum(groups.values())
    for group, s in groups.items():
        table.add_row(f"  profiled (sdpa): {group}", f"{s * 1e3:.0f}", f"{s / profiled:.0%} of profiled")
    console.print(table)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
