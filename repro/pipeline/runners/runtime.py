"""What runners share during one execution: the store, a progress hook, loaded models."""

from __future__ import annotations

import os
from pathlib import Path

from repro.pipeline.store import ArtifactStore


def quiet_libraries() -> None:
    """Our rich progress replaces the libraries' own bars and per-step prints."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


class Runtime:
    """What runners share during one execution: the store, a progress hook, loaded models."""

    def __init__(self, store: ArtifactStore, progress_cb=None):
        quiet_libraries()
        self.store = store
        self.progress_cb = progress_cb  # (done, total) for the current step
        self._generators: dict[tuple, object] = {}

    def generator(self, backend: str, path: Path, dtype: str, max_model_len: int | None = None):
        from repro.generate import load_generator

        key = (backend, str(path), dtype, max_model_len)
        if key not in self._generators:
            # Keep at most one policy and one judge resident: close the oldest beyond two.
            while len(self._generators) >= 2:
                self._generators.pop(next(iter(self._generators))).close()
            self._generators[key] = load_generator(backend, path, dtype, max_model_len)
        return self._generators[key]

    def close(self) -> None:
        for g in self._generators.values():
            g.close()
        self._generators.clear()


