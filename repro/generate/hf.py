"""HF transformers backend (CPU and small GPUs): batched ``generate`` with left padding."""

from __future__ import annotations

from pathlib import Path

from repro.generate.base import Completion, Request, cut_at_stop, render_prompt_ids
from repro.specs import DecodingSpec

# Rows per generate() call: on CPU a small model's step costs the same at 16 rows as at 128 (Python overhead
# dominates), so models under SMALL_MODEL_PARAMS decode SMALL_MODEL_BATCH rows at once.
DEFAULT_BATCH, SMALL_MODEL_BATCH, SMALL_MODEL_PARAMS = 16, 128, 50_000_000


def end_token_ids(tokenizer, generation_config) -> list[int]:
    """The ids that end a generation: the tokenizer's EOS and every end token of the model's generation config
    (Llama-Guard and Qwen2-Instruct have two), in that order, once each."""
    cfg_eos = generation_config.eos_token_id
    cfg_eos = [] if cfg_eos is None else [cfg_eos] if isinstance(cfg_eos, int) else list(cfg_eos)
    return list(dict.fromkeys([tokenizer.eos_token_id, *cfg_eos]))


class HFGenerator:
    def __init__(self, model_path: Path, dtype: str, batch_size: int | None = None):
        import torch
        from transformers import AutoModelForCausalLM, GenerationConfig

        from repro.assets.tokenizers import load_tokenizer

        self.torch = torch
        self.tokenizer = load_tokenizer(model_path)
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model = AutoModelForCausalLM.from_pretrained(model_path, dtype=getattr(torch, dtype)).to(self.device)
        self.model.eval()
        if batch_size is None:
            small = sum(p.numel() for p in self.model.parameters()) < SMALL_MODEL_PARAMS
            batch_size = SMALL_MODEL_BATCH if small else DEFAULT_BATCH
        self.batch_size = batch_size
        self.eos_ids = end_token_ids(self.tokenizer, self.model.generation_config)
        # Every decoding setting comes from the call (``generate``), as vLLM's SamplingParams take them: a model's
        # generation_config.json may hold more (Qwen2-1.5B-Instruct: repetition_penalty 1.1, top_k 20), which HF
        # generate would apply to every argument left unset. The model keeps its token ids only.
        cfg = self.model.generation_config
        self.model.generation_config = GenerationConfig(bos_token_id=cfg.bos_token_id, eos_token_id=cfg.eos_token_id,
                                                        pad_token_id=cfg.pad_token_id)
        pad = self.tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else self.tokenizer.eos_token_id

    def generate(self, requests: list[Request], decoding: DecodingSpec, seed: int,
                 progress_cb=None) -> list[Completion]:
        torch = self.torch
        prompts = [render_prompt_ids(self.tokenizer, r) for r in requests]
        # Longest first so batches are compact; results are put back in request order.
        order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
        out: list[Completion | None] = [None] * len(prompts)
        for b, start in enumerate(range(0, len(order), self.batch_size)):
            idx = order[start:start + self.batch_size]
            width = max(len(prompts[i]) for i in idx)
            ids = torch.full((len(idx), width), self.pad_id, dtype=torch.long)
            mask = torch.zeros((len(idx), width), dtype=torch.long)
            for row, i in enumerate(idx):
                ids[row, width - len(prompts[i]):] = torch.tensor(prompts[i])
                mask[row, width - len(prompts[i]):] = 1
            torch.manual_seed(seed * 100_003 + b)  # deterministic per (seed, batch)
            kwargs = dict(max_new_tokens=decoding.max_new_tokens, pad_token_id=self.pad_id, eos_token_id=self.eos_ids)
            if decoding.stop:  # stop generating at a stop string, as vLLM does; the text is cut below
                kwargs.update(stop_strings=list(decoding.stop), tokenizer=self.tokenizer)
            if decoding.greedy:
                kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
            else:
                kwargs.update(do_sample=True, temperature=decoding.temperature, top_p=decoding.top_p,
                              top_k=None if decoding.top_k < 0 else decoding.top_k)
            with torch.no_grad():
                gen = self.model.generate(input_ids=ids.to(self.device), attention_mask=mask.to(self.device),
                                          **kwargs)
            for row, i in enumerate(idx):
                new = self._generated(gen[row, width:].tolist(), decoding.stop)
                # An output that ends inside a multi-byte character decodes to trailing U+FFFD; vLLM's incremental
                # detokenizer holds such bytes back and never emits them, so both backends give the same text.
                text = self.tokenizer.decode(new, skip_special_tokens=True).rstrip("\ufffd")
                text, stopped = cut_at_stop(text, decoding.stop)
                n = len(new)
                ended = bool(new) and new[-1] in self.eos_ids
                reason = "stop" if (ended or stopped) else ("length" if n >= decoding.max_new_tokens else "stop")
                out[i] = Completion(text=text, finish_reason=reason, num_tokens=n, prompt_tokens=len(prompts[i]),
                                    token_ids=tuple(new))
            if progress_cb is not None:
                progress_cb(min(start + self.batch_size, len(order)), len(order))
        return out  # type: ignore[return-value]

    def _generated(self, new: list[int], stop: tuple[str, ...]) -> list[int]:
        """The tokens one row really generated, as vLLM counts them. A row that ended early is filled with the pad
        id up to the batch's longest row. It ended at an end token (kept: vLLM counts it) or, with ``stop``, at
        the token that completed a stop string, after which the first pad is no token of its own, even where the
        pad id is an end token (the R1 tokenizer's pad is its EOS)."""
        end = next((k for k, t in enumerate(new) if t in self.eos_ids), None)
        if end is not None:
            before = new[:end]
            if stop and self.pad_id in self.eos_ids and cut_at_stop(
                    self.tokenizer.decode(before, skip_special_tokens=True), stop)[1]:
                return before  # stopped by a stop string: the end token is the batch's padding
            return new[:end + 1]
        if self.pad_id not in self.eos_ids:  # a separate pad id: strip the padding after a stop string
            while new and new[-1] == self.pad_id:
                new = new[:-1]
        return new

    def facts(self) -> dict:
        import transformers

        return {"backend": "hf", "version": transformers.__version__, "device": self.device,
                "batch_size": self.batch_size}

    def close(self) -> None:
        del self.model
