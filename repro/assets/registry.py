"""The real models and datasets of the paper, named with pinned hub revisions.

Revisions were read from public pins of these repositories (revision tables, ``revision=``
arguments and HF-cache snapshot paths in public code); the ones most widely pinned are used.
A revision marked ``UNPINNED`` could not be looked up from this build machine (no hub access);
``repro fetch`` resolves it on a machine with access and the value must then be written here.
Loading never silently follows a moving branch: an UNPINNED asset loads only with
``REPRO_ALLOW_UNPINNED=1`` and the manifest records what was resolved.
"""

from __future__ import annotations

import os

from repro.errors import ReproError
from repro.specs import DatasetSpec, ModelShape, ModelSpec

UNPINNED = "UNPINNED"
ALLOW_UNPINNED_ENV = "REPRO_ALLOW_UNPINNED"


def hub_revision(what: str, name: str, revision: str) -> str | None:
    """The revision to load: the pinned one, or None (the cached snapshot) for an UNPINNED asset
    that the user explicitly allowed. Never a moving branch by accident."""
    if revision != UNPINNED:
        return revision
    if os.environ.get(ALLOW_UNPINNED_ENV) != "1":
        raise ReproError(f"{what} {name} has no pinned revision in repro/assets/registry.py",
                         f"pin it there, or set {ALLOW_UNPINNED_ENV}=1 to use the cached copy")
    return None

# --- models: pinned revisions; layer counts and widths from each config.json, parameters from each model card ---
R1_QWEN_7B = ModelSpec(
    name="deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", revision="916b56a44061fd5cd7d6a8fb632557ed4f724f60", family="deepseek",
    num_layers=28, label="R1-Distill-Qwen-7B", shape=ModelShape(7.62, 3584, 18944, 512), license="MIT"
)
R1_QWEN_14B = ModelSpec(
    name="deepseek-ai/DeepSeek-R1-Distill-Qwen-14B", revision="1df8507178afcc1bef68cd8c393f61a886323761", family="deepseek",
    num_layers=48, label="R1-Distill-Qwen-14B", shape=ModelShape(14.77, 5120, 13824, 1024), license="MIT"
)
R1_LLAMA_8B = ModelSpec(
    name="deepseek-ai/DeepSeek-R1-Distill-Llama-8B", revision="6a6f4aa4197940add57724a7707d069478df56b1", family="deepseek",
    num_layers=32, label="R1-Distill-Llama-8B", shape=ModelShape(8.03, 4096, 14336, 1024), license="MIT"
)
QWEN2_1_5B_INSTRUCT = ModelSpec(
    name="Qwen/Qwen2-1.5B-Instruct", revision="ba1cf1846d7df0a0591d6c00649f57e798519da8", family="qwen", num_layers=28,
    label="Qwen2-1.5B-Instruct", shape=ModelShape(1.54, 1536, 8960, 256), license="Apache-2.0"
)
LLAMA_GUARD_3_8B = ModelSpec(  # its repository also holds an original/ .pth copy, which is not fetched
    name="meta-llama/Llama-Guard-3-8B", revision="7327bd9f6efbbe6101dc6cc4736302b3cbb6e425", family="llama_guard", num_layers=32,
    label="Llama-Guard-3-8B", gated=True, shape=ModelShape(8.03, 4096, 14336, 1024), license="Llama 3.1 Community License"
)
QWEN25_32B_INSTRUCT = ModelSpec(
    name="Qwen/Qwen2.5-32B-Instruct", revision="5ede1c97bbab6ce5cda5812749b4c0bdf79b18dd", family="qwen_judge", num_layers=64,
    label="Qwen2.5-32B-Instruct", dtype="float16", shape=ModelShape(32.76, 5120, 27648, 1024), license="Apache-2.0"
)

PAPER_MODELS = {m.name: m for m in (R1_QWEN_7B, R1_QWEN_14B, R1_LLAMA_8B, QWEN2_1_5B_INSTRUCT)}

# --- datasets -----------------------------------------------------------------------------
DIRECT_REFUSAL = DatasetSpec(name="TianshengHuang/DirectRefusal", revision=UNPINNED, split="train", n_rows=1000,
                             license="not stated on its dataset card")
STRONGREJECT = DatasetSpec(
    # The dataset repository's main as public records give it; DirectRefusal and BeaverTails-Evaluation have no
    # public pin that could be found (searched public code for revision= arguments and snapshot paths).
    name="walledai/StrongREJECT", revision="df54272b395ce9e584d2f8140519935425d8549f", split="train", license="MIT",
    n_rows=313,
)
AIME24 = DatasetSpec(
    # The authors' own file (30 problems, answers as strings, some zero-padded), at their commit.
    name="YihaoXue/lora-safety-reasoning:lm-evaluation-harness/math_eval_data/aime24/test.jsonl",
    revision="79500488ba286bf48a09484113d00d2b9853dced", split="test", source="url", n_rows=30,
    sha256="af2b8bd2aa911b6333ad0df32f3ca05c7ae8ed10f1731f4372c8ae26990bf7ac", license="problems (c) the MAA, in the authors' repository"
)
BEAVERTAILS_EVAL = DatasetSpec(
    # Fig. 11's split is not stated; docs/choices.md#17-rebuttal-figures-10-12: most likely the 700-prompt evaluation set
    # (14 categories x 50), field "prompt". Licence CC BY-NC 4.0: staged, never shipped.
    name="PKU-Alignment/BeaverTails-Evaluation", revision=UNPINNED, split="test", license="CC-BY-NC-4.0",
    n_rows=700,
)
GPQA_DIAMOND = DatasetSpec(
    name="Idavidrein/gpqa", revision="633f5ee89ab8ad4522a9f850766b73f62147ffdd", split="train", config="gpqa_diamond", gated=True, n_rows=198, license="CC-BY-4.0"
)
# BoolQ and COPA (Fig. 12; docs/evaluation.md#boolq-and-copa): the super_glue validation splits, from
# the hub repository lm-eval 0.4.13's super_glue tasks read (aps/super_glue), at its most widely pinned
# revision. Scored by repro/evaluate/tasks/repro_{boolq,copa}.yaml, which carry the same revision.
SUPERGLUE_BOOLQ = DatasetSpec(
    name="aps/super_glue", revision="3de24cf8022e94f4ee4b9d55a6f539891524d646", split="validation",
    config="boolq", n_rows=3270, license="CC-BY-SA-3.0"
)
SUPERGLUE_COPA = DatasetSpec(
    name="aps/super_glue", revision="3de24cf8022e94f4ee4b9d55a6f539891524d646", split="validation",
    config="copa", n_rows=100, license="BSD-2-Clause"
)


# --- approximate on-disk sizes at the pinned revisions (for `repro fetch --dry-run`) --------------
# Bytes of what `repro fetch` stages, with where each number comes from. Model weights: bf16/fp16 safetensors,
# 2 bytes per parameter of the model's shape (tokenizer and config files add under 20 MB); datasets: estimated
# from row counts and mean row sizes. Estimates for planning disk space: `repro fetch` reports the real sizes.
MODELS = (R1_QWEN_7B, R1_QWEN_14B, R1_LLAMA_8B, QWEN2_1_5B_INSTRUCT, LLAMA_GUARD_3_8B, QWEN25_32B_INSTRUCT)
ASSET_SIZES: dict[tuple[str, str | None], tuple[int, str]] = {
    **{(m.name, None): (int(round(m.params_b * 2e9, -7)), f"model card: {m.params_b}B parameters x 2 bytes (16-bit "
                                                    "safetensors)") for m in MODELS},
    (DIRECT_REFUSAL.name, None): (600_000, "estimate: 1000 rows x ~600 bytes (prompt, refusal, response)"),
    (STRONGREJECT.name, None): (60_000, "the same 313 rows ship as repro/assets/fixtures/strongreject (56 KB CSV)"),
    (AIME24.name, None): (40_000, "estimate: 30 problems x ~1.3 KB of JSON"),
    (BEAVERTAILS_EVAL.name, None): (150_000, "estimate: 700 prompts x ~200 bytes"),
    (GPQA_DIAMOND.name, GPQA_DIAMOND.config): (1_500_000, "estimate: the diamond CSV, 198 rows x ~7 KB "
                                                          "(question, four answers, explanation, metadata)"),
    (SUPERGLUE_BOOLQ.name, SUPERGLUE_BOOLQ.config): (2_300_000, "estimate: 3270 validation rows x ~700 bytes "
                                                                "(passage and question)"),
    (SUPERGLUE_COPA.name, SUPERGLUE_COPA.config): (20_000, "estimate: 100 validation rows x ~150 bytes"),
}


def asset_size(spec: ModelSpec | DatasetSpec) -> tuple[int, str] | None:
    """(approximate bytes on disk, where the number comes from), or None where not recorded."""
    return ASSET_SIZES.get((spec.name, getattr(spec, "config", None)))

# EvalPlus release files (docs/evaluation.md#humaneval-and-mbpp): HumanEval+ v0.1.10 (164 tasks) and
# MBPP+ v0.2.0 (378 tasks), the versions evalplus 0.3.1 uses. They are GitHub release assets
# (EVALPLUS_RELEASES below), gzipped; stage them *decompressed* under REPRO_DATA_DIR, at
# <REPRO_DATA_DIR>/<revision>/<file name>, as evalplus caches them. The sha256 values could not be
# computed on this build machine (no GitHub access): they are the values that several independent
# public pins of these exact files agree on (file = the decompressed .jsonl; gzip = the asset).
HUMANEVAL_PLUS = DatasetSpec(
    name="evalplus/humanevalplus_release:HumanEvalPlus-v0.1.10.jsonl", revision="v0.1.10", split="test",
    source="url", n_rows=164, sha256="42526ec0e7d5f3ee0b06d6ced98f8c8bae3d76519151bfb3d36f79010645bd7f", license="Apache-2.0"
)
MBPP_PLUS = DatasetSpec(
    name="evalplus/mbppplus_release:MbppPlus-v0.2.0.jsonl", revision="v0.2.0", split="test",
    source="url", n_rows=378, sha256="b54e762755248ca411b523c917fa9f93c07b5ff2966bf60b3917b853926a3dad", license="Apache-2.0"
)
EVALPLUS_RELEASES = {  # name -> (release asset URL, sha256 of the .gz asset)
    HUMANEVAL_PLUS.name: (
        "https://github.com/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus.jsonl.gz",
        "272720b90ac375502c8ed23cd791c2a93dfb22a911641a494da74a426c09f101"),
    MBPP_PLUS.name: (
        "https://github.com/evalplus/mbppplus_release/releases/download/v0.2.0/MbppPlus.jsonl.gz",
        "af43697e8791c4c149bdfd6b489d8b5412507551ac20e28a439f650b8225db63"),
}

ASSET_SIZES.update({  # sizes of the EvalPlus files as staged (decompressed)
    (HUMANEVAL_PLUS.name, None): (20_000_000, "rough upper estimate: 164 tasks, each with up to ~1000 generated "
                                              "plus-test inputs; `repro fetch` reports the real size"),
    (MBPP_PLUS.name, None): (200_000_000, "rough upper estimate: 378 tasks, some with very large generated "
                                          "plus-test inputs; `repro fetch` reports the real size"),
})
