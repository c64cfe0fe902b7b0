"""Hooks of the package's lm-eval task files (``repro_*.yaml`` beside this file).

lm-eval imports this file by path (``!function utils.<name>``). It holds no prompt text of its
own: AIME and GPQA prompts come from :mod:`repro.evaluate.prompts` (the renderer of repro's own
generation steps), COPA's from lm-eval's ``super_glue/copa`` task; BoolQ's template is the
one-line Jinja string of lm-eval's ``super_glue/boolq`` config, in its YAML. Scores come from
:mod:`repro.evaluate.aime` and :mod:`repro.evaluate.gpqa`.

Data: every task loads through :func:`load_docs` (``custom_dataset``). lm-eval calls it with the
task's ``metadata`` (where ``TaskManager(metadata=...)`` / ``lm_eval --metadata '{...}'`` put
``data_file`` and ``seed``) and its ``dataset_kwargs`` (which split to name, and for hub datasets
the repository, config and pinned revision). ``data_file`` (``.jsonl``, ``.json``, ``.csv`` or
``.parquet``) wins; without it a hub dataset is read at its pinned revision (offline cache
included); AIME 2024 has no hub copy and needs ``data_file``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from lm_eval.tasks.super_glue.copa import utils as _copa

from repro.errors import ReproError
from repro.evaluate.aime import score_aime_rule
from repro.evaluate.gpqa import score_gpqa
from repro.evaluate.prompts import aime_items, gpqa_items

SEED_FIELD = "repro_seed"  # GPQA docs carry the seed of their choice order (it shows in logged samples)


def load_docs(*, split: str, benchmark: str, data_file: str | None = None, seed: int = 0, hub: str | None = None,
              config: str | None = None, revision: str | None = None, hub_split: str | None = None, **_):
    """The task's dataset as ``DatasetDict({split: docs})``."""
    import datasets

    if data_file:
        rows = _read_rows(Path(data_file))
    elif hub:
        try:
            ds = datasets.load_dataset(hub, config, split=hub_split or split, revision=revision)
        except Exception as exc:  # datasets raises many types for "not reachable / not cached"
            raise ReproError(f"{hub} ({config}) @ {revision} could not be loaded: {type(exc).__name__}",
                             "stage it, or pass a local file as metadata data_file") from None
        rows = [dict(r) for r in ds]
    else:
        raise ReproError(f"task for {benchmark} has no data file",
                         "pass metadata data_file (lm_eval --metadata '{\"data_file\": \"/abs/test.jsonl\"}')")
    if not rows:
        raise ReproError(f"no rows for {benchmark}", "check the data file")
    if benchmark == "gpqa_diamond":
        # The choice order depends on (seed, question id); rows without an id get their index, as in
        # ``gpqa_items`` over the whole list, so rendering one doc at a time gives the same order.
        rows = [{**r, "Record ID": str(r.get("Record ID") or i), SEED_FIELD: int(seed)} for i, r in enumerate(rows)]
    return datasets.DatasetDict({split: datasets.Dataset.from_list(rows)})


def _read_rows(path: Path) -> list[dict]:
    if not path.is_file():
        raise ReproError(f"data file {path} does not exist", "stage the dataset, or fix the path")
    if path.suffix == ".jsonl":
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    if path.suffix == ".json":
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    if path.suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    if path.suffix == ".parquet":  # a split file staged from the hub (e.g. aps/super_glue)
        import datasets

        return [dict(r) for r in datasets.Dataset.from_parquet(str(path))]
    raise ReproError(f"unsupported data file {path}", "use .jsonl, .json, .csv or .parquet")


# --- AIME 2024 ------------------------------------------------------------------------------------


def aime_doc_to_text(doc: dict) -> str:
    return aime_items([doc])[0].user


def aime_doc_to_target(doc: dict) -> str:
    return aime_items([doc])[0].target


def aime_process_results(doc: dict, results: list) -> dict[str, float]:
    """Mean over the doc's samples of the authors' rule stage. ``rule_accuracy`` is a lower bound of
    the reported ``llm_check_result_accuracy``: samples in ``sent_to_judge`` still need the
    Qwen2.5-32B judge (repro's score step), which lm-eval does not run."""
    responses = _samples(results)
    target = aime_doc_to_target(doc)
    verdicts = [score_aime_rule(r, target) for r in responses]
    return {"rule_accuracy": sum(v.verdict == 1 for v in verdicts) / len(verdicts),
            "sent_to_judge": sum(v.sent_to_judge for v in verdicts) / len(verdicts)}


# --- GPQA-Diamond ---------------------------------------------------------------------------------


def gpqa_doc_to_text(doc: dict) -> str:
    return gpqa_items([doc], doc[SEED_FIELD])[0].user


def gpqa_doc_to_target(doc: dict) -> str:
    return gpqa_items([doc], doc[SEED_FIELD])[0].target


def gpqa_process_results(doc: dict, results: list) -> dict[str, float]:
    """The authors' ``exact_match_accuracy``, as a per-question mean over its samples (= pass@1)."""
    responses = _samples(results)
    target = gpqa_doc_to_target(doc)
    return {"exact_match_accuracy": sum(score_gpqa(r, target).correct for r in responses) / len(responses)}


def _samples(results: list) -> list[str]:
    """``results`` holds one entry per request; with the ``take_first_k`` filter that entry is the
    list of the doc's k samples, with ``take_first`` a single string."""
    (first,) = results
    return [first] if isinstance(first, str) else list(first)


# --- COPA: lm-eval's own super_glue/copa functions ------------------------------------------------

copa_doc_to_text = _copa.doc_to_text
copa_doc_to_target = _copa.doc_to_target
copa_doc_to_choice = _copa.doc_to_choice
