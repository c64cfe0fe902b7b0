"""`repro report`: the reviewer's page. Its contents on hand-made figure data, the artifact files it links, and
the page in a real browser (headless Chromium): every section, every image loading, no dead local link, no
console error. CI also runs the browser check on the page of the smoke and toy figures it rendered
(REPRO_REPORT=paper_figures/report.html)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml

from repro.figures.catalog import CATALOG

ROOT = Path(__file__).resolve().parents[1]


def _figures(root: Path) -> None:
    """Hand-made Fig. 2 data for the smoke profile, with a real PNG, as `repro figure` writes them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = root / "fig02" / "smoke"
    out.mkdir(parents=True)
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0.5, 0.4])
    fig.savefig(out / "fig02.png")
    plt.close(fig)
    panels = [{"title": f"tiny-R1-Distill-Qwen-7B: {b}", "kind": "frontier", "points": [
        {"series": "Base", "label": "base", "epoch": "", "safety": 0.1, "reasoning": 0.3, "role": "point"},
        {"series": "Full", "label": "full e2", "epoch": 2, "safety": 0.9, "reasoning": 0.1, "role": "point"},
        {"series": "LoRA", "label": "lora e3", "epoch": 3, "safety": 0.8, "reasoning": 0.3, "role": "point"}]}
        for b in ("AIME 2024", "GPQA-Diamond")]
    (out / "fig02.json").write_text(json.dumps({"figure": 2, "profile": "smoke", "panels": panels,
                                                "deviations": ["tiny random models stand in for the paper's"]}))
    (out / "fig02.csv").write_text("series,safety,reasoning\n")


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("figures")
    _figures(root)
    proc = subprocess.run([sys.executable, "-m", "repro", "report", "--profile", "smoke"], capture_output=True,
                          text=True, env={**os.environ, "REPRO_FIGURES": str(root)}, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == str(root / "report.html")
    return root / "report.html"


def test_every_figure_has_its_section_claims_and_commands(page):
    html = page.read_text()
    for n in CATALOG:
        assert f'id="fig{n:02d}"' in html
    assert html.count("Not rendered for the smoke profile: run <code>repro figure") == 11
    assert '<img src="fig02/smoke/fig02.png"' in html and "repro verify 2 --profile smoke" in html
    assert "tiny random models stand in" in html  # the deviations
    assert "lora-keeps-reasoning" in html and "Safety Tax" in html  # the claims in the paper's words
    assert re.search(r"paper: [\d.]+ GPU-hours", html) and "reduced:" in html  # cost from the plan
    assert "Published base-model numbers" in html and "55.5" in html and "open-r1" in html
    assert "lock file sha256" in html and "packages" in html  # the environment
    assert "Llama 3.1 Community License" in html  # licences
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")


def test_an_unknown_profile_is_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "repro", "report", "--profile", "gpu"], capture_output=True,
                          text=True, env={**os.environ, "REPRO_FIGURES": str(tmp_path)}, timeout=120)
    assert proc.returncode == 2 and proc.stderr.startswith("error: unknown profile") and not list(tmp_path.iterdir())


def test_artifact_files_are_valid():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["preferred-citation"]["title"] == "LoRA is All You Need for Safety Alignment of Reasoning LLMs"
    # The environment's own cffconvert (beside this interpreter), also where its bin directory is not on PATH.
    cffconvert = shutil.which("cffconvert", path=os.path.dirname(sys.executable)) or "cffconvert"
    proc = subprocess.run([cffconvert, "--validate", "-i", str(ROOT / "CITATION.cff")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    zenodo = json.loads((ROOT / ".zenodo.json").read_text())
    assert zenodo["license"] == "MIT" and zenodo["upload_type"] == "software" and zenodo["creators"]
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    from repro.assets.licences import markdown

    assert (ROOT / "docs" / "licences.md").read_text() == markdown()  # regenerate: python -m repro.assets.licences


def _browser_available() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return shutil.which("chromium") is not None


needs_browser = pytest.mark.skipif(not _browser_available() and os.environ.get("REPRO_REQUIRE_BROWSER") != "1",
                                   reason="needs Chromium (Debian's chromium package) and playwright")


@needs_browser
def test_the_page_in_a_real_browser(page):
    """Every figure section is there, every image loads, no local link is dead, nothing on the console."""
    from playwright.sync_api import sync_playwright

    target = Path(os.environ.get("REPRO_REPORT") or page).resolve()
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        tab = browser.new_page(viewport={"width": 1366, "height": 900})
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(target.as_uri(), wait_until="load")
        tab.evaluate("() => Promise.all([...document.images].map(i => i.loading = 'eager'))")
        tab.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=30_000)
        sections = tab.eval_on_selector_all("section.figure", "els => els.map(e => e.id)")
        broken = tab.eval_on_selector_all("img", "els => els.filter(i => !i.naturalWidth).map(i => i.src)")
        links = tab.eval_on_selector_all("a[href], img[src]", "els => els.map(e => e.href || e.src)")
        if os.environ.get("REPRO_REPORT_SCREENSHOT"):
            tab.screenshot(path=os.environ["REPRO_REPORT_SCREENSHOT"], full_page=False)
        browser.close()
    assert sections == [f"fig{n:02d}" for n in CATALOG]
    assert not broken, broken
    local = [unquote(urlparse(u).path) for u in links if u.startswith("file:")]
    assert local and not [f for f in local if not Path(f).exists()]
    assert not errors, errors
