"""What runners share during one execution: the store, a progress hook, loaded models."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from repro.generate.base import Generator
from repro.pipeline.store import ArtifactStore
from repro.specs import DecodingSpec


def quiet_libraries() -> None:
    """Our rich progress replaces the libraries' own bars and per-step prints."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


class Runtime:
    """What runners share during one execution: the store, a progress hook, loaded models.

    A loaded generator stays resident for the next step that needs the same model directory (the plan puts a
    checkpoint's generations next to each other, and scorings by judge), so each model is loaded once per
    process. HF keeps two resident (a policy and a judge); vLLM one, since an engine takes most of a GPU.
    ``engine_starts`` counts the generators this process has started, by backend."""

    RESIDENT = {"hf": 2, "vllm": 1}

    def __init__(self, store: ArtifactStore, progress_cb: Callable[[int, int], None] | None = None):
        quiet_libraries()
        self.store = store
        self.progress_cb = progress_cb  # (done, total) for the current step
        self._generators: dict[tuple, Generator] = {}
        self.engine_starts: dict[str, int] = {}
        self._step: dict = {}

    def begin_step(self) -> None:
        self._step = {"served": {}, "starts": {}, "start_s": {}}

    def step_facts(self) -> dict:
        """For the manifest of the step just run: each generator that served it (backend, version, settings),
        the engines it started and the seconds their starts took, by backend; empty for a step that generated
        nothing."""
        if not self._step.get("served"):
            return {}
        return {"generators": list(self._step["served"].values()), "engine_starts": dict(self._step["starts"]),
                "engine_start_s": {k: round(v, 3) for k, v in self._step["start_s"].items()}}

    def generator(self, backend: str, path: Path, dtype: str, decoding: DecodingSpec) -> Generator:
        """The ``backend`` generator of the model at ``path``, started unless resident."""
        from repro.generate import load_generator

        key = (backend, str(path), dtype, decoding.enforce_eager)
        if key in self._generators and not _serves(self._generators[key], decoding):
            self._generators.pop(key).close()
        if key not in self._generators:
            while len(self._generators) >= self.RESIDENT.get(backend, 1):
                self._generators.pop(next(iter(self._generators))).close()
            if backend == "vllm":  # a vLLM engine needs the device to itself
                self.close()
            t0 = time.perf_counter()
            self._generators[key] = load_generator(backend, path, dtype, decoding)
            seconds = self._step.setdefault("start_s", {})
            seconds[backend] = seconds.get(backend, 0.0) + time.perf_counter() - t0
            for counts in (self.engine_starts, self._step.setdefault("starts", {})):
                counts[backend] = counts.get(backend, 0) + 1
        gen = self._generators[key]
        self._step.setdefault("served", {})[key] = {"model_dir": str(path), **gen.facts()}
        return gen

    def close(self) -> None:
        for g in self._generators.values():
            g.close()
        self._generators.clear()


def _serves(gen: Generator, decoding: DecodingSpec) -> bool:
    """Whether a resident generator's context cap admits ``decoding``'s (None: the model's whole context). The plan
    puts a checkpoint's generation with the largest cap first, so one engine serves all of them."""
    cap = getattr(gen, "max_model_len", None)
    return cap is None or (decoding.max_model_len is not None and decoding.max_model_len <= cap)
