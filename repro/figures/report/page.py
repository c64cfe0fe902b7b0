"""The reviewer's page as one static HTML file: no script, no server, no CDN; its images are the rendered figures
beside it (relative links), its style inline, readable on a laptop and printable to PDF."""

from __future__ import annotations

import re
from html import escape as e

from repro.figures.report.collect import SOURCES, FigureSection, Rendering

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; margin: 0;
       background: #fafbfc; }
main { max-width: 1440px; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; } h2 { font-size: 1.3rem; margin: 2.2rem 0 .4rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .88rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .45rem; vertical-align: top; text-align: left; }
td code { overflow-wrap: anywhere; }
th { background: #eef1f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font: .85em ui-monospace, SFMono-Regular, Menlo, monospace; }
img { max-width: 100%; height: auto; border: 1px solid #d0d7de; background: white; }
section.figure { background: white; border: 1px solid #d0d7de; border-radius: 6px; padding: .2rem 1.1rem 1rem;
                 margin: 1.2rem 0; }
.pass { color: #116329; font-weight: 600; } .fail { color: #a40e26; font-weight: 600; }
.not-evaluable { color: #7d4e00; font-weight: 600; } .plumbing { color: #57606a; font-weight: 600; }
details.more summary { cursor: pointer; color: #0969da; font-size: .82rem; }
.banner { background: #fff8c5; border: 1px solid #d4a72c; padding: .35rem .6rem; border-radius: 4px; }
.missing { background: #f6f8fa; border: 1px dashed #8c959f; padding: .5rem .7rem; border-radius: 4px; }
.quote { font-style: italic; } .small { font-size: .82rem; color: #57606a; }
nav a { margin-right: .55rem; }
@media print {
  body { background: white; font-size: 11pt; } main { max-width: none; padding: 0; }
  section.figure { break-inside: avoid-page; border: none; padding: 0; }
  h2 { break-after: avoid; } nav { display: none; } a { color: inherit; text-decoration: none; }
}
"""


def _md(text: str) -> str:
    """Text as HTML, its `code` spans (the profiles' and claims' markdown) set as code, never as backticks."""
    return re.sub(r"`([^`]*)`", r"<code>\1</code>", e(str(text))).replace("`", "")


def _cell(text: str) -> str:
    return _md(text).replace("\n", "<br>")


def _table(head: tuple[str, ...] | None, rows: list[tuple], num: tuple[int, ...] = ()) -> str:
    th = "".join(f"<th>{e(h)}</th>" for h in head or ())
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if i in num else f"<td>{c}</td>"
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    thead = f"<thead><tr>{th}</tr></thead>" if th else ""
    return f"<table>{thead}<tbody>{body}</tbody></table>"


def _environment(env: dict) -> str:
    dirty = {True: " (uncommitted changes)", False: "", None: ""}[env["git_dirty"]]
    rows = [("date", e(env["date"])), ("git", f"<code>{e(env['git_sha'] or 'not a git checkout')}</code>{dirty}"),
            ("lock file sha256", f"<code>{e(env['lock_sha256'] or '-')}</code>"),
            ("python, platform", e(f"{env['python']}, {env['platform']}")), ("GPU", e(env["gpu"])),
            ("packages", e(", ".join(f"{k} {v}" for k, v in sorted(env["packages"].items()))))]
    return _table(None, rows)


def _published(rows: list[dict]) -> str:
    def ours(r: dict) -> str:
        def one(k: str, v: tuple) -> str:
            ci = f" [{v[1]:.1f}, {v[2]:.1f}]" if v[1] is not None and v[2] is not None else ""
            return f"{v[0]:.1f}{ci} ({e(k)})"

        return "<br>".join(one(k, v) for k, v in sorted(r["ours"].items())) or \
            '<span class="small">not run: <code>repro figure 2 --profile paper</code> (or reduced)</span>'

    body = [(e(r["model"]), e(r["benchmark"]), f"{r['deepseek']:.1f}", f"{r['open_r1']:.1f}", ours(r)) for r in rows]
    src = " ".join(f'<a href="{u}">{e(k)}</a>' for k, u in SOURCES.items())
    return (_table(("base model", "benchmark", "DeepSeek model card", "open-r1 README", "this reproduction, 95% interval"), body,
                   num=(2, 3)) +
            f'<p class="small">Pass@1 at T 0.6, top_p 0.95, 32k tokens. Sources: {src}. Independent runs of the 7B '
            "scatter AIME 50-56, GPQA 49-52.4; a GPQA of 32-36 is the signature of a broken pipeline. Our intervals: "
            '<a href="#intervals">how they are made</a>. The bands <code>repro verify 2</code> checks are the '
            "<code>published-*</code> claims of paper_figures/claims.toml.</p>")


STATUSES = ("pass", "fail", "not-evaluable", "plumbing")
SHOWN = 3  # verdict lines shown before the rest fold into a "more" toggle (collapsed, never cut)


def _lines(lines: list[str]) -> str:
    """All of a cell's lines: the first :data:`SHOWN`, the rest behind a toggle."""
    head, rest = lines[:SHOWN], lines[SHOWN:]
    cell = _cell("\n".join(head))
    if rest:
        cell += (f'<details class="more"><summary>{len(rest)} more line{"s" if len(rest) > 1 else ""}</summary>'
                 f'{_cell(chr(10).join(rest))}</details>')
    return cell


def _evidence(o: dict) -> str:
    ev = o.get("evidence") or {}
    if not ev:
        return "no per-sample scores behind this check"
    return (f"{ev['samples']} samples, {ev['parse_errors']} parse errors, {ev['truncated']} truncated, "
            f"{ev['scorer_exceptions']} scorer exceptions")


def _status(o: dict) -> str:
    st = o["status"]
    text = f'<span class="{st}">{e(st)}</span>'
    if st == "plumbing":
        text += f'<br><span class="small">a plumbing check, not a result (the check found: {e(o["result"])})</span>'
    elif o.get("result") and o["result"] != st:
        text += f'<br><span class="small">(on the data: {e(o["result"])})</span>'
    return text


def _one_line(o: dict) -> str:
    """A claim's verdict in one line: its status, how many panels hold, and the line that decides it."""
    oks = [d.get("ok") for d in o["details"]]
    held = (f"of {len(oks)} panels {oks.count(True)} hold, {oks.count(False)} fail, {oks.count(None)} undecided"
            if oks else e(o["reason"]))
    key = next((d for d in o["details"] if d.get("ok") is False), None) or \
        next((d for d in o["details"] if d.get("ok") is None), None)
    why = f"; {_md(key['observed'])}" if key else ""
    return f'<code>{e(o["id"])}</code>: <span class="{o["status"]}">{e(o["status"])}</span>, {held}{why}'


def counts(outcomes: list[dict]) -> dict[str, int]:
    return {s: sum(o["status"] == s for o in outcomes) for s in STATUSES}


def counts_html(c: dict[str, int]) -> str:
    return ", ".join(f'<span class="{s}">{n} {s}</span>' for s, n in c.items() if n)


def _verdicts(r: Rendering) -> str:
    if not r.outcomes:
        return '<p class="small">No claim of the paper is checked on this profile.</p>'
    rows, ties = [], []
    for o in r.outcomes:
        lines = [f"{d.get('observed', '')}" for d in o["details"]] or [o["reason"]]
        thr = list(dict.fromkeys(d.get("threshold", "") for d in o["details"] if d.get("threshold")))
        ties += [t for t in o.get("tie", []) if t not in ties]
        rows.append((f"<code>{e(o['id'])}</code>", _status(o),
                     _lines(lines) + f'<br><span class="small">{e(_evidence(o))}</span>', _lines(thr),
                     _cell(o["tolerance"])))
    tie = "".join(f'<p class="banner">{e(t)}</p>' for t in ties)
    lines = "".join(f"<li>{_one_line(o)}</li>" for o in r.outcomes)
    return (f"{tie}<p>{counts_html(counts(r.outcomes))}</p><ul class='small'>{lines}</ul>" +
            _table(("claim", "verdict", "observed (95% interval of the difference)", "threshold", "tolerance"), rows))


def _rendering(n: int, r: Rendering) -> str:
    banner = f'<p class="banner">{_md(r.banner)}</p>' if r.banner else ""
    devs = "".join(f"<li>{_md(d)}</li>" for d in r.deviations)
    return (f'<h3>{e(r.variant)} profile</h3>{banner}'
            f'<a href="{e(r.image)}"><img src="{e(r.image)}" alt="Figure {n}, {e(r.variant)} profile" '
            f'loading="lazy"></a>'
            f'<p class="small">data: <a href="{e(r.image[:-4])}.json">JSON</a>, <a href="{e(r.image[:-4])}.csv">CSV</a>; '
            f'regenerate: <code>repro figure {n} --profile {e(r.variant)} &amp;&amp; repro verify {n} --profile '
            f'{e(r.variant)}</code></p>'
            f"<details><summary>deviations from the paper ({len(r.deviations)})</summary><ul>{devs}</ul></details>"
            f"{_verdicts(r)}")


def _cost(sec: FigureSection) -> str:
    from repro.pipeline.cost import human_bytes

    parts = []
    for profile, c in sec.cost.items():
        h200 = c["by_device"].get("H200", 0.0)
        parts.append(f"{e(profile)}: {c['gpu_hours']:.1f} GPU-hours" + (f" ({h200:.1f} on an H200)" if h200 else "") +
                     f", {c['cpu_hours']:.1f} CPU-hours, {human_bytes(c['disk_bytes'])} of disk")
    return ('<p class="small">Cost alone (estimates of repro/pipeline/cost.py; shared runs make the figures cheaper '
            "together: <code>repro plan --all</code>): " + "; ".join(parts) + "</p>")


def _section(sec: FigureSection) -> str:
    quotes = _table(("claim", "the paper's words", "check", "tolerance"), [
        (f"<code>{e(q['id'])}</code>" + (f"<br><span class='small'>{e(', '.join(q['profiles']))} only</span>"
                                         if q["profiles"] else ""),
         f'<span class="quote">“{_md(q["quote"])}”</span><br><span class="small">{_md(q["source"])}</span>',
         _cell(q["check"]), _cell(q["tolerance"])) for q in sec.quotes]) if sec.quotes else ""
    missing = "".join(f'<p class="missing">Not rendered for the {e(v)} profile: run <code>repro figure {sec.number} '
                      f"--profile {e(v)}</code>, then <code>repro report</code>.</p>" for v in sec.missing)
    if sec.stray:
        missing += (f'<p class="missing">Skipped under fig{sec.number:02d}/ (no profile of that name): '
                    + ", ".join(f"<code>{e(d)}/</code>" for d in sec.stray) + "</p>")
    if not sec.renderings and not sec.missing:
        missing = (f'<p class="missing">Not rendered yet: <code>repro figure {sec.number} --profile smoke</code> '
                   "(CPU, minutes) or <code>--profile paper</code> (GPUs).</p>")
    return (f'<section class="figure" id="fig{sec.number:02d}"><h2>Figure {sec.number}: {e(sec.title)}</h2>'
            f"<p><strong>Claim:</strong> {_md(sec.claim)}</p>{_cost(sec)}{quotes}{missing}"
            + "".join(_rendering(sec.number, r) for r in sec.renderings) + "</section>")


def _licences(rows: list[dict]) -> str:
    body = [(e(r["kind"]), f"<code>{e(r['name'])}</code>", e(r["license"] or "-"), "yes" if r["gated"] else "no",
             _md(r["terms"])) for r in rows]
    return _table(("kind", "name", "licence", "gated", "access and what ships here"), body)


def _files(files: dict[str, str]) -> str:
    """The repository's own files, named (not linked: the page links only what travels with it)."""
    return ", ".join(f"<code>{e(name)}</code>" for name in files) or "none found"


PROFILE_ORDER = ("paper", "reduced", "toy", "smoke")


def _where(sections: list[FigureSection]) -> str:
    """A row per figure, a column per profile rendered: verdict counts, date, wall time and GPU-hours."""
    variants = sorted({r.variant for s in sections for r in s.renderings} | set(PROFILE_ORDER),
                      key=lambda v: (PROFILE_ORDER.index(v.split("-")[0]) if v.split("-")[0] in PROFILE_ORDER
                                     else len(PROFILE_ORDER), v))
    rows = []
    for s in sections:
        cells = [f'<a href="#fig{s.number:02d}">Fig. {s.number}</a><br><span class="small">{e(s.title)}</span>']
        by = {r.variant: r for r in s.renderings}
        for v in variants:
            r = by.get(v)
            if r is None:
                cells.append('<span class="small">not rendered</span>')
                continue
            m = r.measured
            took = (f"{m['wall_hours'] * 60:.1f} min of step time, {m['gpu_hours']:.2f} GPU-hours ({m['done']}/"
                    f"{m['steps']} steps in the store)") if m.get("done") else "no manifests in the store"
            verdicts = counts_html(counts(r.outcomes)) if r.outcomes else "no claim checked"
            cells.append(f"{verdicts}<br><span class='small'>{e(r.date)}; {e(took)}</span>")
        rows.append(tuple(cells))
    return (_table(("figure", *variants), rows) +
            '<p class="small">Verdicts of <code>repro verify</code>; smoke verdicts are plumbing checks (tiny random '
            "models: they show the code runs, not that the paper holds). Step time (each step's wall time, summed: "
            "steps run side by side count each) and GPU-hours (a step's wall time times the GPUs it used) are "
            "measured from the manifests of the steps each figure needs.</p>")


def render_page(d: dict) -> str:
    nav = " ".join(f'<a href="#fig{s.number:02d}">Fig. {s.number}</a>' for s in d["sections"])
    overview = _where(d["sections"])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Reproduction report: LoRA is All You Need for Safety Alignment of Reasoning LLMs</title>
<style>{STYLE}</style></head>
<body><main>
<h1>LoRA is All You Need for Safety Alignment of Reasoning LLMs: reproduction report</h1>
<p class="small">Xue &amp; Mirzasoleiman, arXiv:2507.17075. Made by <code>repro report</code> from the rendered figures
beside this page; every number below is in the figures' JSON. The smoke and toy profiles run tiny models on CPU:
their verdicts say whether the code paths work and what a toy world shows, not whether the paper holds.</p>
<nav>{nav}</nav>
<h2>Environment</h2>{_environment(d["environment"])}
<h2 id="where">Reproduced where</h2>{overview}
<h2 id="intervals">How to read the numbers</h2>
<p>Every point's Pass@1 and safety carry a 95% interval: a bootstrap over questions with each question's seeds
resampled within it (2000 draws, fixed seed 20250723), in the figures' JSON and CSV and as bars in the plots. A
claim's line gives the difference it tests with its 95% interval beside the margin m; where the interval crosses
the threshold the verdict is "not decidable at this sample size". A claim is not evaluable when every value it
reads is 0 or 1, when over 25% of the samples behind it are judge parse errors or truncated, or when a point rests
on fewer than 2 questions. The method is docs/intervals.md in the repository.</p>
<h2>Published base-model numbers beside ours</h2>{_published(d["published"])}
{"".join(_section(s) for s in d["sections"])}
<h2>Models and data sets: licences and access</h2>{_licences(d["licences"])}
<p class="small">Repository files: {_files(d.get("files", {}))}</p>
</main></body></html>
"""
