"""The orthogonality regularizers reg-col and reg-both, as the authors coded them (docs/geometry.md#regularizers-as-coded-figure-8).

For every LoRA-adapted MLP module with base weight W_I (out x in) and update delta = B A (no alpha/r:
it cancels in the normalization), with a randomized rank-k SVD W_I ~ U S V^T (``torch.svd_lowrank``):

    spans   c = bf16(S U^T) / ||bf16(S U^T)||_F  (k x out),   r = bf16(V S) / ||bf16(V S)||_F  (in x k)
    reg-col   ||c delta||_F^2   / (||delta||_F^2 + 1e-8)   = (||W_k^T dW||_F / (||W_k||_F ||dW||_F))^2
    reg-both  ||c delta r||_F^2 / (||delta||_F^2 + 1e-8)   (one sandwich term, not the paper's sum)
    loss      CE + beta * (sum over modules, not the mean)

The authors' k: their loop that builds the spans visits every module whose name holds gate_proj/up_proj/
down_proj and that has a weight: the LoRA wrapper, its base layer, its lora_A and lora_B Linears, and
unadapted MLP Linears too, and sets ``k = min(k, *weight.shape)`` each time. After the first lora_A,
k is therefore r: only the first adapted module (layer 0's first MLP projection) gets the mode's k.
``k_policy="authors"`` replays that loop call for call (the same ``svd_lowrank`` calls in the same
order, so the same seed gives bit-identical spans); ``"nominal"`` uses the mode's k for every module.

Arithmetic: the authors' penalty runs in the ambient autocast (their bf16 spans against an fp32
delta raise without one; fp16 autocast turns 0/(0+1e-8) into NaN at B = 0, the PEFT init).
``arithmetic="fp32"`` (training, every profile) computes the same formula in fp32 with autocast off,
through r x r and k x r products instead of the out x in delta, and is finite at B = 0;
``arithmetic="authors"`` evaluates their expression in whatever autocast is active, for parity tests.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from repro.errors import ReproError
from repro.specs.modes import MLP_MODULES, Mode

K_POLICIES = ("authors", "nominal")
EPS = 1e-8  # the authors' constant in the denominator


@dataclass
class ModuleSpan:
    """The spans of one adapted module and the k they were computed with."""

    name: str  # module name in the peft model
    module: object  # the peft LoRA layer (lora_A / lora_B live on it)
    k: int
    c: object  # torch.Tensor (k x out), bf16
    r: object | None  # torch.Tensor (in x k), bf16; reg-both only

    def factors(self):
        """(A, B) of the adapter, fp32 (PEFT keeps adapter weights in fp32)."""
        return self.module.lora_A["default"].weight, self.module.lora_B["default"].weight


def _is_lora_layer(module) -> bool:
    lora_a = getattr(module, "lora_A", None)
    return lora_a is not None and hasattr(lora_a, "keys") and "default" in lora_a.keys()


def _normalized_bf16(x):
    import torch

    x = x.to(torch.bfloat16)
    return x / x.norm()


def _span(name: str, module, weight, k: int, variant: str) -> ModuleSpan:
    import torch

    u, s, v = torch.svd_lowrank(weight.float(), q=k)
    c = _normalized_bf16(s[:, None] * u.T)  # S U^T
    r = _normalized_bf16(v * s[None, :]) if variant == "both" else None  # V S
    return ModuleSpan(name=name, module=module, k=k, c=c, r=r)


@contextlib.contextmanager
def _seeded(seed: int | None, model):
    """Seed torch's RNGs for the SVD replay without disturbing the caller's; ``None`` = the global RNG
    as it stands (the authors' behaviour: it then depends on everything that ran before)."""
    import torch

    if seed is None:
        yield
        return
    cuda = sorted({p.device.index for p in model.parameters() if p.device.type == "cuda"})
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        yield


def build_spans(peft_model, variant: str, k: int, k_policy: str = "authors", seed: int | None = None,
                targets: tuple[str, ...] = MLP_MODULES) -> list[ModuleSpan]:
    """The spans of every LoRA-adapted module whose name contains one of ``targets``, in module order."""
    import torch

    if variant not in ("col", "both"):
        raise ReproError(f"unknown orthogonality regularizer {variant!r}", "use 'col' (reg-col) or 'both' (reg-both)")
    if k_policy not in K_POLICIES:
        raise ReproError(f"unknown regularizer k policy {k_policy!r}", f"use one of {', '.join(K_POLICIES)}")
    spans: list[ModuleSpan] = []
    with torch.no_grad(), _seeded(seed, peft_model):
        for name, module in peft_model.named_modules():
            if not any(t in name for t in targets):
                continue
            weight = getattr(module, "weight", None)  # a LoRA layer's weight is its base layer's
            if not isinstance(weight, torch.Tensor):
                continue
            if k_policy == "authors":
                k = min(k, *weight.shape)  # shadowed for every later module, as in their loop
                if _is_lora_layer(module):
                    spans.append(_span(name, module, weight, k, variant))
                else:  # their call still runs (and draws from the RNG); its result is never used
                    torch.svd_lowrank(weight.float(), q=k)
            elif _is_lora_layer(module):
                spans.append(_span(name, module, weight, min(k, *weight.shape), variant))
    if not spans:
        raise ReproError(f"no LoRA-adapted module matches {', '.join(targets)}",
                         "the orthogonality regularizers need LoRA on MLP projections")
    return spans


def module_penalty(span: ModuleSpan, arithmetic: str = "fp32"):
    """The penalty of one module (a 0-d tensor); see the module docstring for the two arithmetics."""
    import torch

    a, b = span.factors()
    if arithmetic == "authors":
        delta = b @ a
        x = span.c @ delta
        if span.r is not None:
            x = x @ span.r
        return torch.norm(x) ** 2 / (torch.norm(delta) ** 2 + EPS)
    if arithmetic != "fp32":
        raise ReproError(f"unknown penalty arithmetic {arithmetic!r}", "use 'fp32' or 'authors'")
    with torch.autocast(device_type=b.device.type, enabled=False):
        a, b = a.float(), b.float()
        if span.c.device != b.device:
            span.c = span.c.to(b.device)
            span.r = None if span.r is None else span.r.to(b.device)
        cb = span.c.float() @ b  # k x r
        x = cb @ a if span.r is None else cb @ (a @ span.r.float())  # k x in, or k x k
        delta_sq = ((b.T @ b) * (a @ a.T)).sum()  # ||B A||_F^2 through r x r products
        return (x * x).sum() / (delta_sq + EPS)


class OrthogonalPenalty:
    """``beta * sum of module penalties``, the term the regularized trainer adds to the loss."""

    def __init__(self, spans: list[ModuleSpan], variant: str, beta: float, k: int, k_policy: str,
                 seed: int | None, arithmetic: str = "fp32"):
        self.spans, self.variant, self.beta, self.k, self.k_policy = spans, variant, beta, k, k_policy
        self.seed, self.arithmetic = seed, arithmetic

    def __call__(self):
        """The unweighted sum over modules (multiply by ``beta`` for the loss)."""
        total = None
        for span in self.spans:
            p = module_penalty(span, self.arithmetic)
            total = p if total is None else total + p.to(total.device)
        return total

    def per_module(self) -> dict[str, float]:
        import torch

        with torch.no_grad():
            return {s.name: float(module_penalty(s, self.arithmetic)) for s in self.spans}

    def describe(self) -> dict:
        ks: dict[int, int] = {}
        for s in self.spans:
            ks[s.k] = ks.get(s.k, 0) + 1
        return {"variant": f"reg-{self.variant}", "beta": self.beta, "k_in_mode": self.k, "k_policy": self.k_policy,
                "effective_k_counts": {str(k): n for k, n in sorted(ks.items())}, "modules": len(self.spans),
                "first_module": self.spans[0].name, "first_module_k": self.spans[0].k,
                "svd": "torch.svd_lowrank(W_I fp32, q=k), spans stored in bf16", "svd_seed": self.seed,
                "arithmetic": self.arithmetic, "reduction": "sum over modules"}


def build_penalty(peft_model, mode: Mode, k_policy: str | None, seed: int | None) -> OrthogonalPenalty:
    """The penalty of an orthogonality-regularizer mode (``lora_mlp_orthogonal_norm[_both]_r*_beta*_k*``)."""
    if mode.regularizer is None:
        raise ReproError(f"mode {mode.name!r} has no orthogonality regularizer",
                         "use lora_mlp_orthogonal_norm[_both]_r{r}_beta{b}_k{k}")
    policy = k_policy or "authors"
    spans = build_spans(peft_model, mode.regularizer, mode.reg_k, policy, seed)
    return OrthogonalPenalty(spans, mode.regularizer, mode.beta, mode.reg_k, policy, seed)


def regularized_trainer_class(base):
    """``base`` (TRL's SFTTrainer) with ``beta * penalty`` added to the training loss and logged."""

    class OrthogonallyRegularizedTrainer(base):
        orthogonal_penalty: OrthogonalPenalty

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            result = super().compute_loss(model, inputs, return_outputs=return_outputs,
                                          num_items_in_batch=num_items_in_batch)
            loss, outputs = result if return_outputs else (result, None)
            if model.training:
                penalty = self.orthogonal_penalty()
                # Like TRL's MoE aux loss: with num_items_in_batch the Trainer leaves gradient accumulation to
                # the loss, so a per-micro-batch term is averaged over the accumulation steps.
                steps = self.current_gradient_accumulation_steps if num_items_in_batch is not None else 1
                loss = loss + self.orthogonal_penalty.beta * penalty.to(loss.device) / steps
                self._metrics["train"]["orthogonal_penalty"].append(float(penalty.detach()))
            return (loss, outputs) if return_outputs else loss

    return OrthogonallyRegularizedTrainer
