"""The reviewer's page as one static HTML file: no script, no server, no CDN; its images are the rendered figures
beside it (relative links), its style inline, readable on a laptop and printable to PDF."""

from __future__ import annotations

from html import escape as e

from repro.figures.report.collect import SOURCES, FigureSection, Rendering

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; margin: 0;
       background: #fafbfc; }
main { max-width: 1080px; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; } h2 { font-size: 1.3rem; margin: 2.2rem 0 .4rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .88rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .45rem; vertical-align: top; text-align: left; }
th { background: #eef1f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font: .85em ui-monospace, SFMono-Regular, Menlo, monospace; }
img { max-width: 100%; height: auto; border: 1px solid #d0d7de; background: white; }
section.figure { background: white; border: 1px solid #d0d7de; border-radius: 6px; padding: .2rem 1.1rem 1rem;
                 margin: 1.2rem 0; }
.pass { color: #116329; font-weight: 600; } .fail { color: #a40e26; font-weight: 600; }
.not-evaluable { color: #7d4e00; font-weight: 600; }
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


def _cell(text: str) -> str:
    return e(str(text)).replace("\n", "<br>")


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
        return "<br>".join(f"{v:.1f} ({e(k)})" for k, v in sorted(r["ours"].items())) or \
            '<span class="small">not run: <code>repro figure 2 --profile paper</code> (or reduced)</span>'

    body = [(e(r["model"]), e(r["benchmark"]), f"{r['deepseek']:.1f}", f"{r['open_r1']:.1f}", ours(r)) for r in rows]
    src = " ".join(f'<a href="{u}">{e(k)}</a>' for k, u in SOURCES.items())
    return (_table(("base model", "benchmark", "DeepSeek model card", "open-r1 README", "this reproduction"), body,
                   num=(2, 3)) +
            f'<p class="small">Pass@1 at T 0.6, top_p 0.95, 32k tokens. Sources: {src}. Independent runs of the 7B '
            "scatter AIME 50-56, GPQA 49-52.4; a GPQA of 32-36 is the signature of a broken pipeline. The bands "
            "`repro verify 2` checks are the <code>published-*</code> claims of paper_figures/claims.toml.</p>")


def _verdicts(r: Rendering) -> str:
    if not r.outcomes:
        return '<p class="small">No claim of the paper is checked on this profile.</p>'
    rows = []
    for o in r.outcomes:
        lines = [f"{d.get('observed', '')}" for d in o["details"]][:6] or [o["reason"]]
        thr = sorted({d.get("threshold", "") for d in o["details"]} - {""})
        rows.append((f"<code>{e(o['id'])}</code>", f'<span class="{o["status"]}">{e(o["status"])}</span>',
                     _cell("\n".join(lines)), _cell(", ".join(thr[:3])), _cell(o["tolerance"])))
    counts = {s: sum(o["status"] == s for o in r.outcomes) for s in ("pass", "fail", "not-evaluable")}
    summary = ", ".join(f'<span class="{s}">{n} {s}</span>' for s, n in counts.items())
    return f"<p>{summary}</p>" + _table(("claim", "verdict", "observed", "threshold", "tolerance"), rows)


def _rendering(n: int, r: Rendering) -> str:
    banner = f'<p class="banner">{e(r.banner)}</p>' if r.banner else ""
    devs = "".join(f"<li>{e(d)}</li>" for d in r.deviations)
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
         f'<span class="quote">“{e(q["quote"])}”</span><br><span class="small">{e(q["source"])}</span>',
         _cell(q["check"]), _cell(q["tolerance"])) for q in sec.quotes]) if sec.quotes else ""
    missing = "".join(f'<p class="missing">Not rendered for the {e(v)} profile: run <code>repro figure {sec.number} '
                      f"--profile {e(v)}</code>, then <code>repro report</code>.</p>" for v in sec.missing)
    if not sec.renderings and not sec.missing:
        missing = (f'<p class="missing">Not rendered yet: <code>repro figure {sec.number} --profile smoke</code> '
                   "(CPU, minutes) or <code>--profile paper</code> (GPUs).</p>")
    return (f'<section class="figure" id="fig{sec.number:02d}"><h2>Figure {sec.number}: {e(sec.title)}</h2>'
            f"<p><strong>Claim:</strong> {e(sec.claim)}</p>{_cost(sec)}{quotes}{missing}"
            + "".join(_rendering(sec.number, r) for r in sec.renderings) + "</section>")


def _licences(rows: list[dict]) -> str:
    body = [(e(r["kind"]), f"<code>{e(r['name'])}</code>", e(r["license"] or "-"), "yes" if r["gated"] else "no",
             e(r["terms"])) for r in rows]
    return _table(("kind", "name", "licence", "gated", "access and what ships here"), body)


def _files(files: dict[str, str]) -> str:
    return ", ".join(f'<a href="{e(rel)}">{e(name)}</a>' for name, rel in files.items()) or "none found"


def render_page(d: dict) -> str:
    nav = " ".join(f'<a href="#fig{s.number:02d}">Fig. {s.number}</a>' for s in d["sections"])
    rows = []
    for s in d["sections"]:
        for r in s.renderings:
            c = {st: sum(o["status"] == st for o in r.outcomes) for st in ("pass", "fail", "not-evaluable")}
            rows.append((f'<a href="#fig{s.number:02d}">{s.number}</a>', e(r.variant),
                         f'<span class="pass">{c["pass"]}</span>', f'<span class="fail">{c["fail"]}</span>',
                         f'<span class="not-evaluable">{c["not-evaluable"]}</span>'))
    overview = _table(("figure", "profile", "pass", "fail", "not evaluable"), rows, num=(2, 3, 4)) if rows else \
        '<p class="missing">No figure is rendered yet: <code>repro figure --all --profile smoke</code>.</p>'
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
<h2>Verdicts at a glance</h2>{overview}
<h2>Published base-model numbers beside ours</h2>{_published(d["published"])}
{"".join(_section(s) for s in d["sections"])}
<h2>Models and data sets: licences and access</h2>{_licences(d["licences"])}
<p class="small">Repository files: {_files(d.get("files", {}))}</p>
</main></body></html>
"""
