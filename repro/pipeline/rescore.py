"""``repro score BENCHMARK FILE.jsonl``: score responses that were generated elsewhere.

Each line is ``{"id": ..., "response": ...}`` with the benchmark's own ids (those its items carry), optionally
``"target"`` (overrides the gold answer), ``"seed"`` (the sample's seed; for GPQA it also fixes the choice order,
so a GPQA line needs a seed or a target) and ``"finish_reason"`` (``"length"`` counts as truncated). Gold answers,
problems and prompts come from the profile's copy of the benchmark data (its object's ``with_gold``), so scoring
needs no generation and no GPU (judges aside).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from repro.benchmarks import BENCHMARKS, get_benchmark
from repro.errors import ReproError
from repro.evaluate.scoring import Scored
from repro.specs import DecodingSpec

if TYPE_CHECKING:
    from repro.profiles.base import Profile

_JSON_WHITESPACE = " \t\r"  # JSON's whitespace, less the line end


def read_responses(path: Path) -> list[dict]:
    """The lines of a responses file, each checked: a JSON object with a string id and response."""
    if not path.is_file():
        raise ReproError(f"no responses file at {path}", "give the path of a .jsonl file, one response per line")
    rows = []
    seen: dict[tuple[str, object], int] = {}
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        lineno = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise ReproError(f"{path}:{lineno} is not UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})",
                         "write the file in UTF-8 (JSON's own encoding)") from None
    # JSON Lines ends a line at "\n" only: str.splitlines() would also cut at U+2028, U+0085, \x0c and
    # others, which JSON strings may hold raw (a valid line would read as two invalid ones).
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip(_JSON_WHITESPACE):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            # json's messages end in "at" where a position follows ("Unterminated string starting at")
            where = f"column {exc.colno}" if exc.msg.endswith(" at") else f"at column {exc.colno}"
            raise ReproError(f"{path}:{n} is not valid JSON ({exc.msg} {where})",
                             'write one object per line: {"id": ..., "response": ...}') from None
        if not isinstance(row, dict) or not isinstance(row.get("id"), str | int) \
                or not isinstance(row.get("response"), str):
            raise ReproError(f'{path}:{n} lacks a string "id" and a string "response"',
                             'write one object per line: {"id": ..., "response": ...}')
        row["id"] = str(row["id"])
        sample = (row["id"], row.get("seed"))
        if sample in seen:
            raise ReproError(f"{path}:{n} repeats id {row['id']!r}" + (f" with seed {row['seed']}" if "seed" in row
                             else "") + f" of line {seen[sample]}",
                             'give each sample of a question its own "seed" (several samples of one id), or '
                             "remove the duplicate")
        seen[sample] = n
        rows.append(row)
    if not rows:
        raise ReproError(f"{path} holds no responses", "write one JSON object per line")
    return rows


def local_judge(model_path: Path, backend: str, decoding: DecodingSpec,
                dtype: str = "bfloat16") -> Callable[[list], list]:
    """A judge callable over a local model directory (Llama-Guard-3-8B, Qwen2.5-32B-Instruct, or a stand-in),
    its model loaded when the first prompts arrive."""
    from functools import cache

    from repro.generate import load_generator
    from repro.pipeline.runners.score import judge_callable

    return judge_callable(cache(lambda: load_generator(backend, model_path, dtype, decoding)), decoding)


def scorable() -> tuple[str, ...]:
    """The benchmarks whose responses can be scored from a file (those that generate text)."""
    return tuple(name for name, b in BENCHMARKS.items() if not b.loglikelihood)


def rescore(benchmark: str, path: Path, profile: Profile, judge_path: Path | None = None, backend: str = "hf",
            judge_dtype: str = "bfloat16") -> Scored:
    """The benchmark's scorer on the responses in ``path``, their gold from the profile's copy of its data."""
    if benchmark not in scorable():
        raise ReproError(f"cannot score benchmark {benchmark!r}", f"choose one of: {', '.join(scorable())}")
    bench = get_benchmark(benchmark)
    rows = read_responses(path)
    judge_spec = profile.judge_for(benchmark)
    judge = None if judge_path is None or judge_spec is None else \
        local_judge(judge_path, backend, judge_spec.decoding, judge_dtype)
    return bench.rescore(rows, profile.benchmark(benchmark).data, judge)
