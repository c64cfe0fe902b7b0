"""vLLM backend (paper profile, CUDA only). Imported lazily: CPU installs never have vLLM.

Prompts are passed as token ids rendered by the model's chat template with a single BOS (the
authors passed strings, so vLLM added a second BOS; REPRO_SPEC E15 records the choice).
"""

from __future__ import annotations

from pathlib import Path

from repro.errors import ReproError
from repro.generate.base import Completion, Request, render_prompt_ids
from repro.specs import DecodingSpec


class VLLMGenerator:
    def __init__(self, model_path: Path, dtype: str, max_model_len: int | None = None):
        try:
            import torch
            from vllm import LLM
        except ImportError:
            raise ReproError("vLLM is not installed", "install the gpu extra: pip install -e '.[gpu]'") from None
        self.llm = LLM(model=str(model_path), dtype=dtype, tensor_parallel_size=max(1, torch.cuda.device_count()),
                       max_model_len=max_model_len, seed=0, enforce_eager=False)
        self.tokenizer = self.llm.get_tokenizer()

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
                           num_tokens=len(o.outputs[0].token_ids), prompt_tokens=len(o.prompt_token_ids))
                for o in outputs]

    def close(self) -> None:
        del self.llm
