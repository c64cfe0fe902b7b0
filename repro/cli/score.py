"""`repro score BENCHMARK FILE`: score responses generated elsewhere with the benchmark's own ids and gold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from repro.cli.app import app
from repro.cli.common import ProfileOpt, write_json
from repro.errors import ReproError
from repro.pipeline.rescore import scorable


@app.command()
def score(
    benchmark: Annotated[str, typer.Argument(help=" | ".join(scorable()))],
    responses: Annotated[Path, typer.Argument(help='JSONL file, one {"id": ..., "response": ...} per line')],
    profile: str = ProfileOpt,
    verdicts: Annotated[Path | None, typer.Option("--verdicts", help="also write per-sample verdicts (JSONL) here")] = None,
    judge: Annotated[Path | None, typer.Option("--judge", help="local judge model dir (Llama-Guard-3-8B for safety; "
                                               "Qwen2.5-32B-Instruct for AIME mismatches, else left unjudged)")] = None,
    backend: Annotated[str, typer.Option("--backend", help="judge backend: hf | vllm")] = "hf",
) -> None:
    """Score responses generated elsewhere; print a JSON summary (no generation, no GPU for most)."""
    from repro.files import atomic_write_text
    from repro.pipeline.rescore import rescore
    from repro.profiles import get_profile

    if verdicts is not None and verdicts.exists():
        raise ReproError(f"{verdicts} already exists", "choose a new --verdicts path; nothing was overwritten")
    scored = rescore(benchmark, responses, get_profile(profile), judge, backend)
    if verdicts is not None:
        atomic_write_text(verdicts, "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in scored.verdicts))
    write_json({"benchmark": benchmark, "file": str(responses), **scored.summary})
