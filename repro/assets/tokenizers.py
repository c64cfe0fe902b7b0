"""The one way a model directory's tokenizer is loaded, by every stage (training, merge, OrthoMerge, generation on
both backends, lm-eval and the judges): its ``tokenizer.json`` as written, with the BOS/EOS switches of its
``tokenizer_config.json`` applied (docs/tokenizers.md).

Why not ``AutoTokenizer``: transformers 5 picks a model-specific class from ``config.json``'s ``model_type`` and
``tokenizer_class`` and rebuilds the tokenizer's normalizer, pre-tokenizer and decoder from its vocabulary. For
DeepSeek-R1-Distill-Llama-8B (``llama`` + ``LlamaTokenizerFast``) that puts a SentencePiece-style Metaspace
pre-tokenizer over a byte-level BPE vocabulary, and decoding drops every space and newline. The file itself is
right: loading it as it is (``TokenizersBackend``, transformers' fast tokenizer over ``tokenizer.json``) gives the
tokenizer the model was trained with.

Why the config's switches are passed explicitly: the R1-distill tokenizers say ``add_bos_token: true`` in
``tokenizer_config.json`` while their ``tokenizer.json`` post-processor adds nothing. transformers 4 (the authors'
stack) built the BOS template from that switch; transformers 5 applies it only when it is passed as an argument.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from repro.errors import ReproError
from repro.files import atomic_write_text

# Spaces (single and double), a newline, digits and non-ASCII: what a rebuilt or damaged tokenizer loses first.
ROUNDTRIP_PROBE = "a b\nc  d 123 hello\n\tnaïve — 日本語 ∑"
_SWITCHES = ("add_bos_token", "add_eos_token")


def _config(model_dir: Path) -> dict:
    path = model_dir / "tokenizer_config.json"
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReproError(f"{path} is not readable JSON ({type(exc).__name__})",
                         "restore the model directory's tokenizer files (repro fetch re-checks and stages them)") \
            from None


def load_tokenizer(model_dir: Path | str):
    """The tokenizer of ``model_dir``, checked to round-trip plain text where its vocabulary can encode any text
    (no unknown token). A new object each call (callers set padding and the like on it)."""
    from transformers import PreTrainedTokenizerFast

    model_dir = Path(model_dir)
    if not (model_dir / "tokenizer.json").is_file():
        raise ReproError(f"{model_dir} has no tokenizer.json",
                         "every model this package loads ships a fast tokenizer: restore the directory's files")
    cfg = _config(model_dir)
    switches = {k: cfg[k] for k in _SWITCHES if isinstance(cfg.get(k), bool)}
    tok = PreTrainedTokenizerFast.from_pretrained(str(model_dir), **switches)
    if tok.unk_token is None:  # byte-level: every text encodes. (The toy world's closed vocabularies have <unk>.)
        check_roundtrip(tok, model_dir.name)
    return tok


def check_roundtrip(tok, name: str) -> None:
    """Refuse a tokenizer whose decode(encode(text)) is not the text."""
    back = tok.decode(tok(ROUNDTRIP_PROBE, add_special_tokens=False)["input_ids"])
    if back != ROUNDTRIP_PROBE:
        raise ReproError(
            f"the tokenizer of {name} ({type(tok).__name__}) does not round-trip text "
            f"({ROUNDTRIP_PROBE!r} -> {back!r}): its tokenizer.json's normalizer, pre-tokenizer or decoder does not "
            "match its vocabulary",
            "restore the model's tokenizer.json from its pinned revision (repro fetch checks it against the hub's "
            "checksum); a tokenizer built by another class than the file's (AutoTokenizer in transformers 5) fails "
            "this way, which is why repro.assets.tokenizers.load_tokenizer reads the file as written")


def save_tokenizer(tok, out_dir: Path) -> None:
    """Write ``tok`` into a model directory so that it reloads the same, with ``load_tokenizer`` and with
    ``AutoTokenizer`` alike (vLLM loads it with the latter): the BOS/EOS template is saved in the tokenizer.json
    itself and the class is recorded as the generic fast tokenizer."""
    tok.save_pretrained(str(out_dir))
    cfg_path = out_dir / "tokenizer_config.json"
    cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    for k in _SWITCHES:  # the template is now in tokenizer.json: a switch would apply it a second time
        cfg.pop(k, None)
    atomic_write_text(cfg_path, json.dumps(cfg, indent=2, ensure_ascii=False) + "\n")


def tokenizer_dir_for_engine(model_dir: Path, work_dir: Path) -> Path:
    """A directory an engine that loads tokenizers with ``AutoTokenizer`` (vLLM) reads as ``load_tokenizer``
    does: ``model_dir`` itself when its saved class is the generic one, else a copy written into ``work_dir``
    (tokenizer files and config.json only)."""
    cfg = _config(model_dir)
    if cfg.get("tokenizer_class") in ("TokenizersBackend", "PreTrainedTokenizerFast") \
            and not any(k in cfg for k in _SWITCHES):
        return model_dir
    out = work_dir / f"tokenizer-{model_dir.name}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    save_tokenizer(load_tokenizer(model_dir), out)
    for name in ("config.json", "generation_config.json"):
        if (model_dir / name).is_file():
            shutil.copyfile(model_dir / name, out / name)
    return out
