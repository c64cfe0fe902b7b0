"""lm-eval 0.4.13 over the package's own task files (``repro/evaluate/tasks``).

Four versioned tasks: ``repro_aime24`` and ``repro_gpqa_diamond`` (generate_until, n=8 samples per
question through ``repeats`` + a ``take_first_k`` filter, prompts from
:mod:`repro.evaluate.prompts`), ``repro_boolq`` and ``repro_copa`` (lm-eval's super_glue
loglikelihood configs, 0-shot, ``acc``). Data reaches a task as ``metadata`` ``data_file`` (a
fixture, a staged file); GPQA's choice order takes metadata ``seed``. The same files serve lm-eval's
``hf`` and ``vllm`` models and its CLI::

    lm_eval --model vllm --model_args pretrained=DIR,max_model_len=32768,seed=S --apply_chat_template \\
        --include_path repro/evaluate/tasks --tasks repro_gpqa_diamond --metadata '{"seed": S}' --log_samples

Notes for the vLLM model: do not pass ``think_end_token`` (lm-eval would then apply the AIME stop
"Problem:" only after stripping the reasoning, whereas the authors' run stopped inside it), and do
not put ``seed`` in ``gen_kwargs`` together with ``repeats`` (every repeat of a doc would get the same
per-request seed and the same sample); the engine-level ``seed`` model argument is the one to set.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repro.errors import ReproError

TASK_DIR = Path(__file__).parent / "tasks"
TASKS = {"aime24": "repro_aime24", "gpqa_diamond": "repro_gpqa_diamond", "boolq": "repro_boolq",
         "copa": "repro_copa"}
MULTIPLE_CHOICE = ("boolq", "copa")


def task_name(benchmark: str) -> str:
    if benchmark not in TASKS:
        raise ReproError(f"no lm-eval task for benchmark {benchmark!r}", f"known: {', '.join(TASKS)}")
    return TASKS[benchmark]


def task_yaml(benchmark: str) -> Path:
    return TASK_DIR / f"{task_name(benchmark)}.yaml"


def task_manager(data_file: Path | str | None = None, seed: int = 0):
    """A TaskManager over the package's task dir only, with the run's ``data_file`` and ``seed``
    as task metadata (what ``lm_eval --metadata`` sets on the CLI)."""
    from lm_eval.tasks import TaskManager

    metadata: dict[str, Any] = {"seed": int(seed)}
    if data_file is not None:
        path = Path(data_file).resolve()
        if not path.is_file():
            raise ReproError(f"data file {path} does not exist", "stage the dataset, or fix the path")
        metadata["data_file"] = str(path)
    return TaskManager(include_path=str(TASK_DIR), include_defaults=False, metadata=metadata)


def load_task(benchmark: str, data_file: Path | str | None = None, *, seed: int = 0, repeats: int | None = None):
    """The lm-eval Task object, data loaded. ``repeats`` overrides the task's sample count (and
    its ``take_first_k`` filter with it); otherwise the YAML is loaded by name, as the CLI does."""
    return task_manager(data_file, seed).load([_task_spec(benchmark, repeats)])["tasks"][task_name(benchmark)]


def _task_spec(benchmark: str, repeats: int | None) -> str | dict:
    return task_name(benchmark) if repeats is None else _with_repeats(benchmark, repeats)


def _with_repeats(benchmark: str, repeats: int) -> dict:
    # lm-eval's own YAML loader (resolves `!function` against the task dir); 0.4.13 keeps it in a
    # private module, and lm-eval is pinned exactly.
    from lm_eval.tasks._yaml_loader import load_yaml

    if benchmark in MULTIPLE_CHOICE or repeats < 1:
        raise ReproError(f"repeats={repeats} for {benchmark}", "repeats >= 1, for aime24 and gpqa_diamond only")
    cfg = load_yaml(task_yaml(benchmark), resolve_func=True)
    cfg["repeats"] = repeats
    cfg["filter_list"] = [{"name": "take_first_k", "filter": [{"function": "take_first_k", "k": repeats}]}]
    return cfg


# --- prompts as lm-eval renders them ----------------------------------------------------------------


@dataclass(frozen=True)
class RenderedPrompt:
    """One doc's request(s) as lm-eval builds them: the context string and, for loglikelihood
    tasks, the continuation of each choice (context + continuation is what gets scored)."""

    doc_id: int
    context: str
    continuations: tuple[str, ...]
    target: Any
    repeats: int


def render_prompts(benchmark: str, data_file: Path | str | None = None, *, seed: int = 0,
                   tokenizer_dir: Path | str | None = None, limit: int | None = None) -> list[RenderedPrompt]:
    """Build the task's requests through lm-eval without a model. ``tokenizer_dir=None``: the chat
    template is off and ``context`` is the user message; otherwise the contexts are rendered with
    that tokenizer's chat template and generation prompt, as lm-eval's ``hf`` model does."""
    task = load_task(benchmark, data_file, seed=seed)
    chat_template = None if tokenizer_dir is None else _chat_template(tokenizer_dir)
    task.build_all_requests(limit=limit, rank=0, world_size=1, apply_chat_template=chat_template is not None,
                            chat_template=chat_template)
    by_doc: dict[int, list] = {}
    for inst in task.instances:
        by_doc.setdefault(inst.doc_id, []).append(inst)
    out = []
    for doc_id, insts in sorted(by_doc.items()):
        context = insts[0].args[0]
        if any(i.args[0] != context for i in insts):
            raise ReproError(f"{benchmark} doc {doc_id}: choices with different contexts",
                             "lm-eval task files must give one context per doc")
        continuations = tuple(i.args[1] for i in insts) if task.OUTPUT_TYPE == "multiple_choice" else ()
        out.append(RenderedPrompt(doc_id, context, continuations, task.doc_to_target(insts[0].doc),
                                  insts[0].repeats))
    return out


def _chat_template(tokenizer_dir: Path | str):
    """The chat-template callable lm-eval's HFLM hands to its tasks (same arguments)."""
    from repro.assets.tokenizers import load_tokenizer

    tokenizer = load_tokenizer(tokenizer_dir)

    def apply(history: list[dict[str, str]], add_generation_prompt: bool = True) -> str:
        return tokenizer.apply_chat_template(history, tokenize=False, add_generation_prompt=add_generation_prompt,
                                             continue_final_message=not add_generation_prompt)

    return apply


# --- running a task -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LMEvalRun:
    """What one lm-eval run returned: the task's metrics (``"acc,none"``-style keys), the docs it
    saw, and lm-eval's per-sample log (one record per doc and filter)."""

    benchmark: str
    task: str
    version: Any
    metrics: dict[str, Any]
    n_docs: int
    samples: list[dict]
    config: dict


def run_task(benchmark: str, model_dir: Path | str, data_file: Path | str | None = None, *, seed: int = 0,
             repeats: int | None = None, gen_kwargs: dict | None = None, limit: int | None = None,
             apply_chat_template: bool = True, model: str = "hf", model_args: dict | None = None,
             batch_size: int | str = 8, device: str | None = None, dtype: str = "auto", lm=None) -> LMEvalRun:
    """``lm_eval.simple_evaluate`` of one package task on a local model directory. ``model`` is
    lm-eval's ``hf`` (default) or ``vllm``; ``seed`` seeds lm-eval's RNGs and GPQA's choice order.
    Loglikelihood tasks ignore ``apply_chat_template`` (0-shot plain prompts, as lm-eval's own
    super_glue tasks are run). ``lm``: an lm-eval model already built on ``model_dir`` (then
    ``model``, ``model_args``, ``device`` and ``dtype`` are not used)."""
    import lm_eval

    model_dir = Path(model_dir)
    if not (model_dir / "config.json").is_file():
        raise ReproError(f"{model_dir} is not a Hugging Face model directory", "pass a merged or full model dir")
    manager = task_manager(data_file, seed)
    spec = _task_spec(benchmark, repeats)
    args = {"pretrained": str(model_dir), "dtype": dtype, **(model_args or {})}
    if lm is not None:
        model, args = lm, None
    elif model == "hf":
        args.setdefault("device", device or _default_device())
    elif model == "vllm":
        args.setdefault("seed", seed)
    else:
        raise ReproError(f"unknown lm-eval model {model!r}", "use 'hf' or 'vllm'")
    generative = benchmark not in MULTIPLE_CHOICE
    out = lm_eval.simple_evaluate(
        model=model, model_args=args, tasks=[spec], task_manager=manager, batch_size=batch_size, limit=limit,
        apply_chat_template=apply_chat_template and generative, gen_kwargs=gen_kwargs if generative else None,
        log_samples=True, random_seed=seed, numpy_random_seed=seed, torch_random_seed=seed,
        bootstrap_iters=0 if generative else 1000,
    )
    name = task_name(benchmark)
    return LMEvalRun(benchmark=benchmark, task=name, version=out["versions"][name],
                     metrics={k: v for k, v in out["results"][name].items() if k != "alias"},
                     n_docs=int(out["n-samples"][name]["effective"]), samples=list(out["samples"][name]),
                     config=out["configs"][name])


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


# --- BoolQ / COPA scoring (Fig. 12) -----------------------------------------------------------------


@dataclass(frozen=True)
class MultipleChoiceScore:
    """0-shot loglikelihood accuracy of one model on BoolQ or COPA, with lm-eval's per-doc records
    reduced to what a figure or an audit needs."""

    benchmark: str
    task: str
    version: Any
    acc: float
    acc_stderr: float | None
    n_docs: int
    # doc_id, label, context, continuations and their loglikelihoods and is-greedy flags (one per choice),
    # pred, acc (lm-eval's own), n_tokens (longest context + continuation) and truncated (lm-eval cut the
    # context's left end to fit max_length)
    records: list[dict]
    max_length: int | None = None  # the context window lm-eval's model scored with

    @property
    def n_truncated(self) -> int:
        return sum(bool(r.get("truncated")) for r in self.records)

    def to_json(self) -> dict:
        return {"benchmark": self.benchmark, "task": self.task, "version": self.version, "acc": self.acc,
                "acc_stderr": self.acc_stderr, "n_docs": self.n_docs, "max_length": self.max_length,
                "n_truncated": self.n_truncated, "records": self.records}


def hf_lm(model_dir: Path | str, *, batch_size: int | str = 8, device: str | None = None, dtype: str = "auto"):
    """lm-eval's ``hf`` model on a local directory, as ``lm_eval --model hf`` builds it."""
    from lm_eval.models.huggingface import HFLM

    return HFLM(pretrained=str(model_dir), dtype=dtype, device=device or _default_device(), batch_size=batch_size)


def score_multiple_choice(benchmark: str, model_dir: Path | str, data_file: Path | str | None = None, *,
                          limit: int | None = None, batch_size: int | str = 8, device: str | None = None,
                          dtype: str = "auto") -> MultipleChoiceScore:
    """BoolQ or COPA accuracy of the model in ``model_dir`` (a full or merged HF directory), on
    ``data_file`` (fixture or staged split file) or, without one, the pinned hub split. Runs lm-eval's
    ``hf`` model (GPU when there is one): see :func:`repro.pipeline.runners.generate.run_generate`."""
    if benchmark not in MULTIPLE_CHOICE:
        raise ReproError(f"{benchmark!r} is not a loglikelihood benchmark", f"use one of {MULTIPLE_CHOICE}")
    lm = hf_lm(model_dir, batch_size=batch_size, device=device, dtype=dtype)
    try:
        run = run_task(benchmark, model_dir, data_file, limit=limit, lm=lm)
        max_length = int(lm.max_length)
        records = []
        for s in sorted(run.samples, key=lambda s: s["doc_id"]):
            resps = [(float(r[0]), bool(r[1])) for r in s["filtered_resps"]]  # (loglikelihood, is_greedy) per choice
            lls = [ll for ll, _ in resps]
            context = s["arguments"][0][0]
            continuations = [arg[1] for arg in s["arguments"]]
            # lm-eval's HF model scores (context + continuation)[-(max_length + 1):]: longer pairs lose their start.
            n_tokens = max(sum(map(len, lm._encode_pair(context, c))) for c in continuations)
            records.append({"doc_id": s["doc_id"], "label": int(s["doc"]["label"]), "context": context,
                            "continuations": continuations, "loglikelihoods": lls,
                            "is_greedy": [g for _, g in resps],
                            "pred": max(range(len(lls)), key=lls.__getitem__), "acc": float(s["acc"]),
                            "n_tokens": n_tokens, "truncated": n_tokens > max_length + 1})
    finally:
        _release(lm)
    stderr = run.metrics.get("acc_stderr,none")
    return MultipleChoiceScore(benchmark=benchmark, task=run.task, version=run.version,
                               acc=float(run.metrics["acc,none"]),
                               acc_stderr=None if stderr in (None, "N/A") else float(stderr),
                               n_docs=run.n_docs, records=records, max_length=max_length)


def _release(lm) -> None:
    """Free an lm-eval HF model's weights now (the pipeline goes on to load the next checkpoint)."""
    import gc

    import torch

    lm._model = None
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
