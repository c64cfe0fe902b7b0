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
    from repro.figures.plot import data_digest

    def point(series: str, label: str, epoch, safety: float, reasoning: float) -> dict:
        iv = {f"{m}_{k}": v for m, x in (("safety", safety), ("reasoning", reasoning))
              for k, v in (("ci_lo", x - 0.05), ("ci_hi", x + 0.05), ("se", 0.025))}
        return {"series": series, "label": label, "checkpoint": label, "epoch": epoch, "safety": safety,
                "reasoning": reasoning, "role": "point", "safety_n": 40, "safety_parse_errors": 1,
                "safety_responses_truncated": 0, "reasoning_n_questions": 30, "reasoning_samples_per_question": 8,
                "reasoning_truncated": 3, "reasoning_scorer_exceptions": 0, **iv}

    panels = [{"title": f"tiny-R1-Distill-Qwen-7B: {b}", "kind": "frontier", "points": [
        point("Base", "base", "", 0.1, 0.3), point("Full", "full e2", 2, 0.9, 0.1),
        point("LoRA", "lora e3", 3, 0.8, 0.3)]} for b in ("AIME 2024", "GPQA-Diamond")]
    data = {"figure": 2, "profile": "smoke", "panels": panels,
            "deviations": ["tiny random models stand in for the paper's"]}
    (out / "fig02.json").write_text(json.dumps({**data, "data_sha256": data_digest(data)}))
    (out / "fig02.csv").write_text("series,safety,reasoning\n")
    stray = root / "fig02" / "smoke-old"  # a copy kept by hand: named on the page and skipped
    stray.mkdir()
    (stray / "fig02.json").write_text((out / "fig02.json").read_text())


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
    assert "`" not in html  # no literal backticks
    assert "Skipped under fig02/ (no profile of that name): <code>smoke-old/</code>" in html
    assert 'id="where"' in html and "Reproduced where" in html
    # smoke verdicts are plumbing checks, never a green pass; the counts and the difference's interval beside them
    assert '<span class="pass">' not in html.split('id="fig01"')[1] and "a plumbing check, not a result" in html
    assert "95% interval [" in html and "parse errors" in html and "scorer exceptions" in html
    # safety lines name safety, not the reasoning panel they were read from
    assert "tiny-R1-Distill-Qwen-7B: safety: 0.800 (lora e3)" in html


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


def _shots(tab, where: Path) -> None:
    """The page's screenshots the docs show: its top, the reproduced-where table, one figure section."""
    where.mkdir(parents=True, exist_ok=True)
    tab.evaluate("() => window.scrollTo(0, 0)")
    tab.screenshot(path=str(where / "report-top.png"), full_page=False)
    tab.locator("#where + table").screenshot(path=str(where / "report-table.png"))
    tab.locator("#fig02").screenshot(path=str(where / "report-figure.png"))


@needs_browser
def test_the_page_in_a_real_browser(page, tmp_path):
    """Every figure section is there, every image loads, no local link is dead, nothing on the console; the
    reproduced-where table, the intervals, no cell cut; and all of it again from a copy moved elsewhere."""
    from playwright.sync_api import sync_playwright

    source = Path(os.environ.get("REPRO_REPORT") or page).resolve()
    moved = tmp_path / "elsewhere" / "copy"  # the page with the figures beside it, moved away from the tree
    shutil.copytree(source.parent, moved, ignore=shutil.ignore_patterns("*.pdf"))
    target = moved / source.name
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
        where_head = tab.eval_on_selector_all("#where + table thead th", "els => els.map(e => e.textContent)")
        where_rows = tab.eval_on_selector_all("#where + table tbody tr", "els => els.length")
        # no cell cut: nothing overflows its cell, and every folded line is in its toggle
        cut = tab.eval_on_selector_all("td", "els => els.filter(e => e.scrollWidth > e.clientWidth + 1)"
                                       ".map(e => e.textContent.slice(0, 80))")
        folds = tab.eval_on_selector_all("details.more", "els => els.map(d => [d.querySelector('summary')"
                                         ".textContent, d.innerHTML.split('<br>').length])")
        text = tab.inner_text("body")
        shots = os.environ.get("REPRO_REPORT_SCREENSHOTS")
        _shots(tab, Path(shots) if shots else tmp_path / "shots")
        browser.close()
    assert sections == [f"fig{n:02d}" for n in CATALOG]
    assert not broken, broken
    local = [unquote(urlparse(u).path) for u in links if u.startswith("file:")]
    assert local and not [f for f in local if not Path(f).exists()]
    assert all(f.startswith(str(moved)) for f in local), "a link leaves the page's directory"
    assert not errors, errors
    assert where_head[:5] == ["figure", "paper", "reduced", "toy", "smoke"] and where_rows == len(CATALOG)
    assert "bootstrap over questions" in text and "95% interval [" in text  # the method, and a verdict's interval
    assert not cut, cut
    for summary, lines in folds:
        assert int(summary.split()[0]) == lines, (summary, lines)
