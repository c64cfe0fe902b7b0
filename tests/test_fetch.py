"""`repro fetch`: the dry run lists every asset of a figure with revision and size without any
network; url assets are staged only when their sha256 matches; hub snapshots are checked against
the hub's checksums; gated assets get one line on how to get access."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import subprocess
import sys
import threading

import httpx2
import pytest
from huggingface_hub.errors import GatedRepoError
from huggingface_hub.hf_api import BlobLfsInfo, RepoSibling

from repro.assets import fetch as F
from repro.assets import registry as R
from repro.errors import ReproError
from repro.profiles import get_profile
from repro.specs import DatasetSpec

PAPER = get_profile("paper")
FIG2_ASSETS = {  # what Figure 2 needs on the paper profile (docs/figures.md#figure-2-lora-vs-full-fine-tuning)
    R.R1_QWEN_7B.name: R.R1_QWEN_7B.revision, R.R1_QWEN_14B.name: R.R1_QWEN_14B.revision,
    R.LLAMA_GUARD_3_8B.name: R.LLAMA_GUARD_3_8B.revision, R.DIRECT_REFUSAL.name: R.UNPINNED,
    R.STRONGREJECT.name: R.STRONGREJECT.revision, R.AIME24.name: R.AIME24.revision, R.GPQA_DIAMOND.name: R.GPQA_DIAMOND.revision,
}


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "repro", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "250", **(env or {})})


@pytest.fixture()
def offline_env(tmp_path):
    """An empty HF cache and staging dir, and a hub endpoint that refuses every connection."""
    return {"HF_HOME": str(tmp_path / "hf"), "REPRO_DATA_DIR": str(tmp_path / "data"),
            "HF_ENDPOINT": "http://127.0.0.1:9", "REPRO_RAW_BASE": "http://127.0.0.1:9",
            "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def test_dry_run_lists_every_asset_of_figure_2_without_network(offline_env, tmp_path):
    # One model already in the cache at its pinned revision: reported as staged.
    snap = tmp_path / "hf" / "hub" / "models--deepseek-ai--DeepSeek-R1-Distill-Qwen-7B" / "snapshots" / R.R1_QWEN_7B.revision
    snap.mkdir(parents=True)
    (snap / "config.json").write_text("{}")
    r = _cli("fetch", "2", "--dry-run", env=offline_env)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.splitlines()
    for name, revision in FIG2_ASSETS.items():
        row = next((line for line in lines if name[:40] in line), None)
        assert row is not None, name
        assert revision in row or revision == R.UNPINNED and "UNPINNED" in row, row
    size = {a.spec.name: a.size for a in F.assets_of(PAPER.train(R.R1_QWEN_14B, "full"))}[R.R1_QWEN_14B.name]
    assert size[0] == 29_540_000_000 and F.human(size[0]) == "29.5 GB"
    assert "29.5 GB" in r.stdout and "15.2 GB" in r.stdout and "16.1 GB" in r.stdout
    row7b = next(line for line in lines if R.R1_QWEN_7B.name in line)
    assert "staged" in row7b and "missing" in next(line for line in lines if R.R1_QWEN_14B.name in line)
    assert "total " in r.stdout and "still to fetch" in r.stdout
    gated = [line for line in lines if line.startswith("gated:")]
    assert len(gated) == 2 and any("Llama-Guard-3-8B" in g for g in gated) and any("gpqa" in g for g in gated)
    assert all("hf auth login" in g and "accept its terms" in g for g in gated)


def test_every_registry_asset_has_a_size_with_its_source():
    assets = F.registry_assets()
    assert len(assets) >= 10
    for a in assets:
        assert a.size is not None, f"{a.name}: record its size in repro/assets/registry.py ASSET_SIZES"
        assert a.size[0] > 0 and a.size[1]


def test_smoke_figure_needs_nothing_fetched():
    r = _cli("fetch", "2", "--profile", "smoke", "--dry-run")
    assert r.returncode == 0 and "nothing to fetch" in r.stdout


def test_fetch_refuses_offline_mode_and_bad_arguments(offline_env):
    r = _cli("fetch", "2", env=offline_env)
    assert r.returncode == 2 and r.stderr.count("error:") == 1 and "HF_HUB_OFFLINE is set" in r.stderr
    r = _cli("fetch", "--dry-run")
    assert r.returncode == 2 and "name one figure or --all" in r.stderr


@pytest.fixture()
def file_server(tmp_path):
    """A loopback HTTP server over tmp_path/www, standing in for raw.githubusercontent.com."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _url_spec(sha: str) -> DatasetSpec:
    return DatasetSpec(name="someone/repo:data/test.jsonl", revision="0123456789abcdef0123456789abcdef01234567",
                       split="test", source="url", sha256=sha)


def test_url_asset_is_staged_only_when_its_sha256_matches(file_server, tmp_path, monkeypatch):
    root, base = file_server
    body = b'{"problem": "1+1", "answer": "2"}\n'
    src = root / "someone" / "repo" / "0123456789abcdef0123456789abcdef01234567" / "data" / "test.jsonl"
    src.parent.mkdir(parents=True)
    src.write_bytes(body)
    monkeypatch.setenv("REPRO_RAW_BASE", base)
    monkeypatch.setenv("REPRO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)

    bad = F.Asset(_url_spec("0" * 64))
    done, failed = F.fetch_all([bad])
    assert not done and len(failed) == 1 and "not the pinned" in failed[0][1]
    assert F.cached_path(bad) is None and not list((tmp_path / "data").rglob("*.jsonl"))  # nothing written

    good = F.Asset(_url_spec(hashlib.sha256(body).hexdigest()))
    (result,), failed = F.fetch_all([good])
    assert not failed and result.bytes == len(body) and result.verified == 1
    assert result.path.read_bytes() == body and F.cached_path(good) == result.path
    from repro.assets.datasets import load_rows

    assert load_rows(good.spec) == [{"problem": "1+1", "answer": "2"}]  # the offline loader finds it


def test_release_asset_is_decompressed_and_both_checksums_checked(file_server, tmp_path, monkeypatch):
    root, base = file_server
    body = b'{"task_id": "HumanEval/0", "prompt": "def f():"}\n'
    packed = gzip.compress(body)
    (root / "Plus.jsonl.gz").write_bytes(packed)
    monkeypatch.setenv("REPRO_DATA_DIR", str(tmp_path / "data"))
    spec = DatasetSpec(name="someone/plus_release:Plus-v1.jsonl", revision="v1", split="test", source="url",
                       sha256=hashlib.sha256(body).hexdigest())
    monkeypatch.setitem(R.EVALPLUS_RELEASES, spec.name, (f"{base}/Plus.jsonl.gz", "0" * 64))
    with pytest.raises(ReproError, match="does not match its pinned sha256"):
        F.fetch_one(F.Asset(spec))
    assert not (tmp_path / "data").exists()
    monkeypatch.setitem(R.EVALPLUS_RELEASES, spec.name, (f"{base}/Plus.jsonl.gz", hashlib.sha256(packed).hexdigest()))
    result = F.fetch_one(F.Asset(spec))
    assert result.path == tmp_path / "data" / "v1" / "Plus-v1.jsonl" and result.path.read_bytes() == body


def test_snapshot_files_are_checked_against_the_hub_checksums(tmp_path):
    weights, config = b"\x00\x01weights", b'{"model_type": "qwen2"}'
    (tmp_path / "model.safetensors").write_bytes(weights)
    (tmp_path / "config.json").write_bytes(config)
    blob = hashlib.sha1(b"blob %d\0" % len(config) + config).hexdigest()
    siblings = [
        RepoSibling("model.safetensors", len(weights), "x", BlobLfsInfo(len(weights), hashlib.sha256(weights).hexdigest(), 134)),
        RepoSibling("config.json", len(config), blob),
        RepoSibling("original/consolidated.00.pth", 10, "y", BlobLfsInfo(10, "f" * 64, 134)),  # not fetched: skipped
    ]
    assert F.verify_snapshot(tmp_path, siblings) == 2
    (tmp_path / "config.json").write_bytes(config + b" ")
    with pytest.raises(ReproError, match="does not match the hub's checksum for config.json"):
        F.verify_snapshot(tmp_path, siblings)


def test_gated_asset_failure_is_one_line_on_getting_access():
    guard = F.Asset(R.LLAMA_GUARD_3_8B)
    response = httpx2.Response(403, request=httpx2.Request("GET", "https://huggingface.co/api/models/x"))
    line = F.explain_failure(guard, GatedRepoError("Access to model is restricted", response=response))
    assert "\n" not in line and line.startswith("meta-llama/Llama-Guard-3-8B is gated")
    assert "https://huggingface.co/meta-llama/Llama-Guard-3-8B" in line and "HF_TOKEN" in line
    gpqa = F.Asset(R.GPQA_DIAMOND)
    assert "https://huggingface.co/datasets/Idavidrein/gpqa" in gpqa.access_hint()
    offline = F.explain_failure(F.Asset(R.R1_QWEN_7B), ConnectionError("connection refused"))
    assert "\n" not in offline and "could not be fetched" in offline and "HF_HOME" in offline


def test_assets_are_deduplicated_across_runs_and_limits():
    assets = F.assets_of(PAPER.train(R.R1_QWEN_7B, "full"), PAPER.train(R.R1_QWEN_7B, "lora_mlp_r1"))
    assert [a.spec.name for a in assets] == [R.R1_QWEN_7B.name, R.DIRECT_REFUSAL.name]
