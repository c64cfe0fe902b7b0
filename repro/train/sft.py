"""Supervised fine-tuning on DirectRefusal with TRL's SFTTrainer, LoRA through peft.

Settings come from a ``TrainSpec`` and are asserted after the trainer is built (docs/README.md#pitfalls-the-package-guards-against: a renamed argument must not silently fall back to a default). Checkpoints are saved
at every epoch; a rerun resumes from the last whole checkpoint (optimizer, scheduler and RNG
states included).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from repro import faults
from repro.errors import ReproError
from repro.specs import TrainSpec
from repro.train.checkpoints import epoch_checkpoints, latest_whole_checkpoint
from repro.train.formatting import format_row, tokenize_example


@dataclass(frozen=True)
class TrainResult:
    checkpoints: dict[int, Path]  # epoch -> checkpoint directory
    report: dict  # effective settings and loss history
    resumed_from: str | None


def _torch_dtype(precision: str):
    import torch

    return {"fp32": torch.float32, "pure_bf16": torch.bfloat16, "bf16_base_fp16_autocast": torch.bfloat16}[precision]


def expected_lora_modules(model, spec: TrainSpec) -> set[str]:
    """Names of the Linear modules a mode must adapt, from the model's own module tree."""
    mode = spec.parsed
    layers = set(mode.layer_indices(model.config.num_hidden_layers))
    out = set()
    for name, _ in model.named_modules():
        parts = name.split(".")
        if len(parts) >= 2 and parts[-1] in mode.target_modules and "layers" in parts:
            idx = int(parts[parts.index("layers") + 1])
            if idx in layers:
                out.add(name)
    return out


def adapted_modules(peft_model) -> set[str]:
    """Names (relative to the base model) of the modules peft actually wrapped with LoRA."""
    prefix = "base_model.model."
    return {name.removeprefix(prefix) for name, module in peft_model.named_modules()
            if hasattr(module, "lora_A") and len(getattr(module, "lora_A", {})) > 0}


def apply_lora(model, spec: TrainSpec):
    """Wrap ``model`` with the mode's LoRA and check the exact set of adapted modules."""
    from peft import LoraConfig, get_peft_model

    mode = spec.parsed
    mode.check_layers(model.config.num_hidden_layers, spec.model.name)
    config = LoraConfig(
        r=mode.rank, lora_alpha=spec.lora_alpha, lora_dropout=spec.lora_dropout, bias="none",
        task_type="CAUSAL_LM", target_modules=list(mode.target_modules),
        layers_to_transform=None if mode.layers is None else mode.layer_indices(model.config.num_hidden_layers),
    )
    expected = expected_lora_modules(model, spec)
    peft_model = get_peft_model(model, config)
    got = adapted_modules(peft_model)
    if got != expected:
        raise ReproError(f"LoRA for {spec.mode} adapted {len(got)} modules, expected {len(expected)}: "
                         f"missing {sorted(expected - got)[:3]}, extra {sorted(got - expected)[:3]}",
                         "check the mode string against the model's module names")
    return peft_model


def build_dataset(spec: TrainSpec, tokenizer, rows: list[dict]):
    from datasets import Dataset

    examples = [tokenize_example(tokenizer, format_row(spec.model.family, row, i, tokenizer))
                for i, row in enumerate(rows)]
    too_long = [i for i, ex in enumerate(examples) if len(ex["input_ids"]) > spec.max_length]
    if too_long:
        raise ReproError(f"{len(too_long)} training examples exceed max_length {spec.max_length} (first: row {too_long[0]})",
                         "the authors' data never binds the 1024 limit; check the dataset")
    return Dataset.from_list(examples)


def per_device_batch_size(spec: TrainSpec, world_size: int) -> int:
    """The per-process batch that keeps the recipe's effective batch ``spec.batch_size`` over
    ``world_size`` data-parallel processes (the authors ran one process: docs/settings.md#training)."""
    if world_size < 1 or spec.batch_size % world_size:
        raise ReproError(
            f"batch {spec.batch_size} of {spec.key} cannot be split evenly over {world_size} data-parallel processes",
            "train it in one process (a model too big for one GPU is spread over all visible GPUs by "
            "device_map='auto'), or use a process count that divides the batch")
    return spec.batch_size // world_size


def sft_config(spec: TrainSpec, output_dir: Path, use_cpu: bool):
    from trl import SFTConfig

    return SFTConfig(
        output_dir=str(output_dir),
        num_train_epochs=spec.epochs,
        # Effective batch = per-device batch x processes x accumulation = spec.batch_size, whatever the GPU count.
        # WORLD_SIZE: the data-parallel processes accelerate/torchrun started (1 for one process).
        per_device_train_batch_size=per_device_batch_size(spec, int(os.environ.get("WORLD_SIZE", "1"))),
        # Loss = sum over every rank's completion tokens / their total count, as one process with the whole batch.
        average_tokens_across_devices=True,
        ddp_find_unused_parameters=False,  # every trainable parameter is used in every forward pass
        gradient_accumulation_steps=spec.grad_accum,
        learning_rate=spec.learning_rate,
        weight_decay=spec.weight_decay,
        lr_scheduler_type=spec.lr_scheduler,
        warmup_steps=spec.warmup_steps,
        optim=spec.optimizer,
        adam_beta1=spec.adam_beta1,
        adam_beta2=spec.adam_beta2,
        adam_epsilon=spec.adam_epsilon,
        max_grad_norm=spec.max_grad_norm,
        seed=spec.seed,
        max_length=spec.max_length,
        packing=False,
        completion_only_loss=spec.completion_only_loss,
        fp16=spec.precision == "bf16_base_fp16_autocast",
        bf16=spec.precision == "pure_bf16",
        # Off, as in the authors' TRL 0.17 (TRL >= 0.20 turns it on by default): it changes memory and speed, not
        # the math, and the paper's runs fit without it (docs/compute.md#compute: 14B full FT, batch 1, one H200).
        gradient_checkpointing=False,
        save_strategy="epoch",
        logging_steps=10 if not use_cpu else 1,
        report_to="none",
        use_cpu=use_cpu,
        disable_tqdm=True,
        dataloader_num_workers=0,
    )


def check_effective_settings(trainer, spec: TrainSpec, n_rows: int) -> dict:
    """Assert what the trainer will really do; return it for the run's report."""
    args = trainer.args
    world = args.world_size
    effective_batch = args.per_device_train_batch_size * args.gradient_accumulation_steps * world
    steps_per_epoch = math.ceil(n_rows / effective_batch)
    checks = {
        "effective_batch_size": (effective_batch, spec.batch_size * spec.grad_accum),
        "learning_rate": (args.learning_rate, spec.learning_rate),
        "weight_decay": (args.weight_decay, spec.weight_decay),
        "lr_scheduler": (str(args.lr_scheduler_type.value), spec.lr_scheduler),
        "warmup_steps": (args.warmup_steps, spec.warmup_steps),
        "adam_betas": ((args.adam_beta1, args.adam_beta2), (spec.adam_beta1, spec.adam_beta2)),
        "adam_epsilon": (args.adam_epsilon, spec.adam_epsilon),
        "max_grad_norm": (args.max_grad_norm, spec.max_grad_norm),
        "seed": (args.seed, spec.seed),
        "completion_only_loss": (trainer.completion_only_loss, spec.completion_only_loss),
        "per_device_batch_size": (args.per_device_train_batch_size, spec.batch_size // world),
        "average_tokens_across_devices": (args.average_tokens_across_devices, True),
        "gradient_checkpointing": (args.gradient_checkpointing, False),
        "mixed_precision": (args.mixed_precision, {"bf16_base_fp16_autocast": "fp16", "pure_bf16": "bf16",
                                                   "fp32": "no"}[spec.precision]),
    }
    bad = {k: v for k, v in checks.items() if v[0] != v[1]}
    if bad:
        raise ReproError(f"the trainer would not use the recipe's settings: {bad}", "report this as a bug")
    return {
        "world_size": world,
        "effective_batch_size": effective_batch,
        "steps_per_epoch": steps_per_epoch,
        "total_steps": steps_per_epoch * spec.epochs,
        "n_train_rows": n_rows,
        **{k: v[0] for k, v in checks.items()},
    }


def _callbacks(progress_cb):
    from transformers import TrainerCallback

    class Hooks(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if progress_cb is not None:
                progress_cb(state.global_step, state.max_steps)
            faults.point("train.step")  # the fault-injection tests' hard crash, as a pre-empted job would see

    return [Hooks()]


def build_trainer(spec: TrainSpec, model_path: Path, rows: list[dict], run_dir: Path, progress_cb=None):
    """The SFTTrainer ``train`` runs (model loaded, LoRA applied, data tokenized, settings
    checked), not yet trained. Returns ``(trainer, report)``."""
    import datasets
    import torch
    from transformers import AutoModelForCausalLM, PrinterCallback
    from trl import SFTTrainer

    from repro.assets.tokenizers import load_tokenizer

    datasets.disable_progress_bars()  # TRL's dataset passes over a few hundred rows: rich shows the step's progress
    use_cpu = not torch.cuda.is_available()
    if use_cpu and spec.precision == "bf16_base_fp16_autocast":
        raise ReproError(f"precision {spec.precision} needs a CUDA GPU", "use --profile smoke on a CPU machine")
    tokenizer = load_tokenizer(model_path)
    model = AutoModelForCausalLM.from_pretrained(
        model_path, dtype=_torch_dtype(spec.precision), device_map=None if use_cpu else "auto",
    )
    if spec.parsed.is_lora:
        model = apply_lora(model, spec)
    penalty = None
    if spec.parsed.regularizer is not None:  # reg-col / reg-both: loss = CE + beta * sum of penalties
        from repro.train.regularizer import build_penalty, regularized_trainer_class

        penalty = build_penalty(model, spec.parsed, spec.reg_k_policy, seed=spec.seed)
    trainer_cls = SFTTrainer if penalty is None else regularized_trainer_class(SFTTrainer)
    dataset = build_dataset(spec, tokenizer, rows)
    trainer = trainer_cls(model=model, args=sft_config(spec, run_dir, use_cpu), train_dataset=dataset,
                          processing_class=tokenizer, callbacks=_callbacks(progress_cb))
    if penalty is not None:
        trainer.orthogonal_penalty = penalty
    # With tqdm off the Trainer prints every log dict; the loss history goes to train_report.json instead.
    trainer.remove_callback(PrinterCallback)
    report = check_effective_settings(trainer, spec, len(rows))
    if penalty is not None:
        report["regularizer"] = penalty.describe()
    return trainer, report


def train(spec: TrainSpec, model_path: Path, rows: list[dict], run_dir: Path, progress_cb=None) -> TrainResult:
    """Train ``spec`` from ``model_path`` on ``rows``; checkpoints go to ``run_dir/checkpoint-*``."""
    trainer, report = build_trainer(spec, model_path, rows, run_dir, progress_cb)
    model = trainer.model
    resume = latest_whole_checkpoint(run_dir)
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    if trainer.state.global_step != report["total_steps"]:
        raise ReproError(f"training stopped at step {trainer.state.global_step} of {report['total_steps']}",
                         "rerun the same command to resume")
    ckpts = epoch_checkpoints(run_dir)
    if sorted(ckpts) != list(range(1, spec.epochs + 1)):
        raise ReproError(f"expected one checkpoint per epoch 1..{spec.epochs}, found epochs {sorted(ckpts)}",
                         "delete the run directory and retrain")
    report["loss_history"] = [{"step": h["step"], "loss": h["loss"], "learning_rate": h.get("learning_rate")}
                              for h in trainer.state.log_history if "loss" in h]
    report["trainable_parameters"] = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return TrainResult(checkpoints=ckpts, report=report, resumed_from=resume.name if resume else None)
