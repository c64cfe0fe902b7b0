"""A figure's fully resolved recipe as plain data: every run, checkpoint, generation and scoring
with every setting, for ``repro show`` (and reviewers diffing it against docs/settings.md)."""

from __future__ import annotations

import math

from repro.figures.recipe import FigureRecipe
from repro.specs import GeometrySpec, ScoreSpec, TrainSpec, to_jsonable


def describe_train(t: TrainSpec) -> dict:
    mode = t.parsed
    n = t.data.limit if t.data.limit is not None else t.data.n_rows
    steps = math.ceil(n / (t.batch_size * t.grad_accum)) if n else None
    d = {
        "key": t.key,
        "model": {"name": t.model.name, "revision": t.model.revision, "num_layers": t.model.num_layers},
        "mode": t.mode,
        "method": mode.kind,
        "lora": None if not mode.is_lora else {
            "r": mode.rank, "alpha": t.lora_alpha, "dropout": t.lora_dropout, "target_modules": list(mode.target_modules),
            "layers": "all" if mode.layers is None else {"first": mode.layers[0], "last": mode.layers[1],
                                                         "indexing": "zero-based, inclusive"},
            "bias": "none", "init": "peft default (A kaiming-uniform, B = 0)",
        },
        "data": to_jsonable(t.data),
        "epochs": t.epochs,
        "batch_size": t.batch_size,
        "gradient_accumulation_steps": t.grad_accum,
        "effective_batch_size": t.batch_size * t.grad_accum,
        "optimizer": {"name": t.optimizer, "betas": [t.adam_beta1, t.adam_beta2], "eps": t.adam_epsilon,
                      "weight_decay": t.weight_decay, "max_grad_norm": t.max_grad_norm},
        "learning_rate": t.learning_rate,
        "lr_schedule": {"type": t.lr_scheduler, "warmup_steps": t.warmup_steps, "decays_to": 0.0,
                        "over": "the whole run"},
        "precision": t.precision,
        "max_length": t.max_length,
        "loss": "completion only (prompt masked), EOS trained" if t.completion_only_loss else "whole sequence",
        "seed": t.seed,
        "regularizer": None if mode.regularizer is None else {
            "variant": f"reg-{mode.regularizer}", "beta": mode.beta, "k": mode.reg_k,
            "k_policy": t.reg_k_policy or "authors", "reduction": "sum over adapted MLP modules",
            "svd": "torch.svd_lowrank(W_I fp32, q=k), spans in bf16"},
        "steps_per_epoch": steps,
        "checkpoints": [{"epoch": e, "step": e * steps if steps else None} for e in range(1, t.epochs + 1)],
    }
    return d


def describe_score(s: ScoreSpec) -> dict:
    b = s.generation.benchmark
    return {
        "benchmark": b.name,
        "data": to_jsonable(b.data),
        "prompt_template": b.prompt,
        "decoding": {**to_jsonable(b.decoding), "n_samples": b.decoding.n, "greedy": b.decoding.greedy},
        "backend": s.generation.backend,
        "scorer": s.scorer,
        "metric": b.metric,
        "judge": None if s.judge is None else {"model": s.judge.model.name, "revision": s.judge.model.revision,
                                               "decoding": to_jsonable(s.judge.decoding)},
    }


def describe_analysis(a: GeometrySpec) -> dict:
    ckpt = a.checkpoint
    metrics = ("||dW||_F^2 / ||dW||_2^2" if a.analysis == "stable_rank" else
               f"m1-m4 ({a.norm} norms, top-{a.top_k} singular vectors of W_I)")
    return {"key": a.key, "analysis": a.analysis, "checkpoint": ckpt.label, "model": ckpt.model.name,
            "update": "(alpha/r) B A from the saved adapter" if ckpt.train.parsed.is_lora else "W_ft - W_I in fp32",
            "metrics": metrics, "per": "(layer, module)"}


def _only(values: set):
    return next(iter(values)) if len(values) == 1 else sorted(values)


def describe_recipe(rec: FigureRecipe) -> dict:
    evaluations: dict[str, dict] = {}
    for s in rec.scores():
        evaluations.setdefault(s.generation.benchmark.name, describe_score(s))
    return {
        "figure": rec.number,
        "title": rec.title,
        "claim": rec.claim,
        "profile": rec.profile,
        "runs": [describe_train(t) for t in rec.trains],
        "evaluations": list(evaluations.values()),
        "analyses": [describe_analysis(a) for a in rec.analyses],
        "panels": [
            {"title": p.title, "kind": p.kind, "pareto_front": p.front, "x": p.x_label, "y": p.y_label,
             "x_benchmark": _only({pt.x.generation.benchmark.name for s in p.series for pt in s.points}),
             "y_benchmark": _only({pt.y.generation.benchmark.name for s in p.series for pt in s.points}),
             "y_metric": _only({pt.y_key for s in p.series for pt in s.points}),
             "series": [{"name": s.name, "models": sorted({pt.checkpoint.model.name for pt in s.points}),
                         "checkpoints": [pt.label for pt in s.points]} for s in p.series]}
            for p in rec.panels
        ],
        "deviations": list(rec.deviations),
    }
