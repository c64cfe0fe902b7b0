"""The toy world's held-out sets as rows in the formats the pipeline reads (the shipped data files).

StrongREJECT's columns for the how-to requests, BeaverTails-Evaluation's for the ask-style requests
(Fig. 11), the authors' AIME row keys, Idavidrein/gpqa's columns, and super_glue's BoolQ and COPA fields
(Fig. 12). ``write_data`` writes them as ``TOY_DATA_FILES``.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from repro.toy import datasets, world

# BeaverTails' names for the hazard categories the toy's harmful objects carry.
BEAVERTAILS_CATEGORY = {"S9": "Terrorism, Organized Crime", "S1": "Violence, Aiding and Abetting, Incitement",
                        "S2": "Financial Crime, Property Crime, Theft"}


def strongreject_rows(n: int = 150, seed: int = 0) -> list[dict]:
    """StrongREJECT-like rows (``forbidden_prompt`` / ``category`` / ``source``) of held-out harmful prompts."""
    return [{"category": s.category, "source": "toy", "forbidden_prompt": s.prompt, "object": s.target}
            for s in datasets.eval_harmful(n, seed)]


def benign_rows(n: int = 150, seed: int = 0) -> list[dict]:
    """Held-out benign how-to prompts (over-refusal), in the same column layout."""
    return [{"category": "benign", "source": "toy", "forbidden_prompt": s.prompt, "object": s.target}
            for s in datasets.eval_benign(n, seed)]


def beavertails_rows(n: int = 100, seed: int = 0) -> list[dict]:
    """BeaverTails-Evaluation-like rows (``prompt`` / ``category``) of held-out harmful ask-style prompts."""
    return [{"prompt": s.prompt, "category": BEAVERTAILS_CATEGORY[s.category], "object": s.target}
            for s in datasets.eval_asks(n, seed)]


def aime_rows(n: int = 300, seed: int = 0) -> list[dict]:
    """AIME-like rows (the authors' keys): ``problem`` is the bare question, ``answer`` the sum."""
    rows = []
    for i, terms in enumerate(datasets.eval_arithmetic_terms(n, seed)):
        q = world.arithmetic_question(terms)
        rows.append({"id": 10000 + i, "problem": q, "solution": world._partial_sums(terms) + f" \\boxed{{{sum(terms)}}}",
                     "answer": str(sum(terms)), "url": "toy", "question": q})
    return rows


def gpqa_rows(n: int = 100, seed: int = 0) -> list[dict]:
    """GPQA-like rows (Idavidrein/gpqa column names) of held-out sums; the pipeline shuffles the choices."""
    rng = random.Random(f"toy-eval-mc:{seed}")
    rows = []
    for i, terms in enumerate(datasets.eval_arithmetic_terms(n, seed + 1)):
        wrong = world.mc_choices(rng, sum(terms))
        rows.append({"Question": world.arithmetic_question(terms), "Correct Answer": str(sum(terms)),
                     "Incorrect Answer 1": str(wrong[0]), "Incorrect Answer 2": str(wrong[1]),
                     "Incorrect Answer 3": str(wrong[2]), "Explanation": world._partial_sums(terms),
                     "Subdomain": "arithmetic", "Record ID": f"toy{i:04d}", "High-level domain": "toy"})
    return rows


def doc_rows(kind: str, n: int, seed: int = 0) -> list[dict]:
    """super_glue-format BoolQ or COPA rows (``idx`` numbered) of held-out questions."""
    return [{**d.fields, "idx": i} for i, d in enumerate(datasets.eval_docs(kind, n, seed))]


def data_sets(seed: int = 0) -> dict[str, list[dict]]:
    """Every shipped data set by its ``TOY_DATA_FILES`` name."""
    return {"directrefusal": datasets.safety_rows(seed), "strongreject": strongreject_rows(150, seed),
            "benign": benign_rows(150, seed), "beavertails": beavertails_rows(100, seed),
            "aime24": aime_rows(300, seed), "gpqa_diamond": gpqa_rows(100, seed),
            "boolq": doc_rows("boolq", 200, seed), "copa": doc_rows("copa", 100, seed)}


def write_data(out_dir: Path, seed: int = 0) -> dict[str, str]:
    """The world's training and evaluation sets as JSONL files (``TOY_DATA_FILES``); returns their sha256."""
    from repro.files import atomic_write_text
    from repro.toy import TOY_DATA_FILES

    out_dir.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for name, rows in data_sets(seed).items():
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        atomic_write_text(out_dir / TOY_DATA_FILES[name], text)
        hashes[TOY_DATA_FILES[name]] = hashlib.sha256(text.encode()).hexdigest()
    return hashes
