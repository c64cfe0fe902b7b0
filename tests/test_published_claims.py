"""Published base-model numbers as external checks: on the paper and reduced profiles, `repro verify 2` checks the
base models' AIME and GPQA Pass@1 against the bands around DeepSeek's and open-r1's published values."""

from __future__ import annotations

import json

from test_cli import repro

from repro.figures.plot import data_digest

PANELS = {"R1-Distill-Qwen-7B: AIME 2024": 0.53, "R1-Distill-Qwen-7B: GPQA-Diamond": 0.50,
          "R1-Distill-Qwen-14B: AIME 2024": 0.68, "R1-Distill-Qwen-14B: GPQA-Diamond": 0.60}


def _figure(root, profile: str, base: dict[str, float]) -> None:
    """A hand-made Fig. 2 JSON: each panel's Base point, and a final LoRA and Full point."""
    panels = [{"title": t, "kind": "frontier", "points": [
        {"series": "Base", "label": "base", "epoch": "", "safety": 0.2, "reasoning": v, "role": "point"},
        {"series": "Full", "label": "full e5", "epoch": 5, "safety": 0.95, "reasoning": v - 0.1, "role": "point"},
        {"series": "LoRA", "label": "lora e10", "epoch": 10, "safety": 0.94, "reasoning": v - 0.02, "role": "point"},
    ]} for t, v in base.items()]
    out = root / "fig02" / profile
    out.mkdir(parents=True)
    data = {"figure": 2, "profile": profile, "panels": panels}
    (out / "fig02.json").write_text(json.dumps({**data, "data_sha256": data_digest(data)}))


def _published(tmp_path, profile: str, base: dict[str, float]) -> dict[str, str]:
    _figure(tmp_path, profile, base)
    proc = repro("verify", "2", "--profile", profile, "--json", env={"REPRO_FIGURES": str(tmp_path)})
    outcomes = json.loads(proc.stdout)["figures"]["2"]
    return {o["id"]: o["status"] for o in outcomes if o["id"].startswith("published-")}


def test_published_like_values_pass_on_the_paper_profile(tmp_path):
    assert _published(tmp_path, "paper", PANELS) == {f"published-{m}-{b}-paper": "pass" for m in ("7b", "14b")
                                                     for b in ("aime", "gpqa")}


def test_a_broken_gpqa_pipeline_fails(tmp_path):
    got = _published(tmp_path, "paper", {**PANELS, "R1-Distill-Qwen-7B: GPQA-Diamond": 0.33})
    assert got["published-7b-gpqa-paper"] == "fail"
    assert [s for k, s in got.items() if k != "published-7b-gpqa-paper"] == ["pass"] * 3


def test_the_reduced_profile_has_its_own_bands_and_smoke_none(tmp_path):
    reduced = _published(tmp_path / "r", "reduced", {**PANELS, "R1-Distill-Qwen-7B: AIME 2024": 0.30})
    assert set(reduced) == {f"published-{m}-{b}-reduced" for m in ("7b", "14b") for b in ("aime", "gpqa")}
    assert reduced["published-7b-aime-reduced"] == "pass"  # a 16k cap cuts long traces: a lower floor
    assert _published(tmp_path / "s", "smoke", PANELS) == {}
