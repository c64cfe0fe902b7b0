"""The claims file, its check vocabulary, the generated README tables and `repro verify`.

Each check kind is run on hand-made figure data built to pass and built to fail; `repro verify` runs
on hand-made data (exit codes 0 / 1 / 2) and on a smoke-rendered Figure 2 built here.
"""

import ast
import inspect
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from repro.errors import ReproError
from repro.figures import claims as claims_package
from repro.figures.catalog import CATALOG
from repro.figures.claims import (
    KINDS,
    Check,
    default_claims_path,
    describe,
    evaluate_claim,
    hypervolume,
    load_claims,
    load_figure_data,
    tolerance_words,
    verify_figure,
)
from repro.figures.readme import BEGIN, END, stale_readmes, write_readmes


def repro(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "repro", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=1800,
    )


def claims_from(tmp_path: Path, body: str):
    p = tmp_path / "claims.toml"
    p.write_text(body)
    return load_claims(p)


def one(tmp_path: Path, body: str):
    (c,) = claims_from(tmp_path, '[[claim]]\nfigure = 2\nid = "c"\nquote = "q"\nsource = "s"\n' + body)
    return c


def row(series, epoch, safety, pass_at_1, panel="M: AIME 2024", **extra):
    return {
        "panel": panel,
        "series": series,
        "checkpoint": f"{series.lower()}-e{epoch}",
        "epoch": epoch,
        "safety": safety,
        "reasoning": pass_at_1,
        **extra,
    }


def frontier_data(panels: dict[str, list[dict]]) -> dict:
    return {
        "figure": 2,
        "profile": "paper",
        "panels": [{"title": t, "points": rows} for t, rows in panels.items()],
    }


def base_full_lora(
    panel,
    base_pass=0.70,
    full_pass=0.40,
    lora_pass=0.66,
    base_safety=0.40,
    full_safety=0.97,
    lora_safety=0.95,
):
    # epochs listed out of order: "final" must pick the largest epoch, not the last row
    return [
        row("Base", "", base_safety, base_pass, panel),
        row("Full", 5, full_safety, full_pass, panel),
        row("Full", 1, 0.80, 0.55, panel),
        row("LoRA", 10, lora_safety, lora_pass, panel),
        row("LoRA", 1, 0.60, 0.69, panel),
        row("LoRA", 2, 0.99, 0.10, panel),
    ]


# ------------------------------------------------------------------------------- the shipped file


def test_claims_file_parses_and_covers_every_figure():
    claims = load_claims()
    assert default_claims_path() == Path(__file__).resolve().parents[1] / "paper_figures" / "claims.toml"
    per_figure = {n: [c for c in claims if c.figure == n] for n in CATALOG}
    assert all(per_figure[n] for n in range(1, 13)), {n: len(v) for n, v in per_figure.items()}
    assert {c.kind for c in claims} == set(KINDS)  # every check kind is used by some claim
    for c in claims:
        assert c.quote and c.source and c.why, (
            c.ref
        )  # every claim quotes the paper and justifies its tolerance


def test_every_kind_is_one_registered_record():
    assert set(KINDS) == {"compare", "frontier", "dominates", "trend", "fraction_in_range", "paired", "in_band"}
    for name, record in KINDS.items():
        assert issubclass(record, Check) and record.name == name
        assert isinstance(record.required, frozenset) and isinstance(record.optional, frozenset)
        assert not (record.required & record.optional), name
        for method in ("parse", "describe", "tolerance", "evaluate"):
            # each record has its own, not the base class's placeholder
            assert inspect.getattr_static(record, method) is not inspect.getattr_static(Check, method), (
                name,
                method,
            )
    # the shipped file uses only registered kinds, and each claim's check is its kind's record
    raw = tomllib.loads(default_claims_path().read_text(encoding="utf-8"))
    assert {c["kind"] for c in raw["claim"]} <= set(KINDS)
    for c in load_claims():
        assert c.kind in KINDS and type(c.check) is KINDS[c.kind], c.ref
        assert describe(c) and tolerance_words(c)


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""


def test_claims_package_stays_above_the_pipeline():
    # the figures layer sits above the pipeline and the CLI: no module of the package imports them
    for path in Path(claims_package.__file__).parent.rglob("*.py"):
        for name in imported_modules(path):
            assert not name.startswith(("repro.cli", "repro.pipeline")), f"{path} imports {name}"


def test_readmes_are_up_to_date():
    stale = stale_readmes()
    assert stale == [], f"run `python -m repro.figures.readme`: stale {stale}"


def test_stale_readme_is_found_and_rewritten_in_place(tmp_path):
    root = tmp_path / "paper_figures"
    shutil.copytree(default_claims_path().parent, root, ignore=shutil.ignore_patterns("smoke", "paper"))
    readme = root / "fig05" / "README.md"
    before = readme.read_text()
    assert stale_readmes(root) == []
    # a claim's words change in the TOML: the README table no longer matches
    toml = root / "claims.toml"
    toml.write_text(toml.read_text().replace('id = "down-noticeably-worse"', 'id = "down-clearly-worse"'))
    assert stale_readmes(root) == [readme]
    assert write_readmes(root) == [readme]
    after = readme.read_text()
    assert "`down-clearly-worse`" in after and "`down-noticeably-worse`" not in after
    assert stale_readmes(root) == []
    # the hand-written text around the markers is untouched
    assert before.split(BEGIN)[0] == after.split(BEGIN)[0] and before.split(END)[1] == after.split(END)[1]


def test_readme_without_markers_is_one_clear_error(tmp_path):
    root = tmp_path / "paper_figures"
    shutil.copytree(default_claims_path().parent, root, ignore=shutil.ignore_patterns("smoke", "paper"))
    readme = root / "fig04" / "README.md"
    readme.write_text(readme.read_text().replace(END, ""))
    with pytest.raises(ReproError, match="fig04/README.md must hold exactly one"):
        write_readmes(root)


# ---------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "body, needle",
    [
        (
            'kind = "compare"\nleft = {series = "LoRA", metric = "reasoning"}\n'
            'right = {series = "Base", metric = "x"}\nop = "bigger"',
            "field 'op' must be one of",
        ),
        (
            'kind = "compare"\nleft = {series = "LoRA", metric = "reasoning"}\n'
            'right = {series = "Base"}\nop = "geq"',
            "field right.metric is required",
        ),
        (
            'kind = "compare"\nleft = {series = "LoRA", metric = "a"}\n'
            'right = {series = "B", metric = "a"}\nop = "geq"\nmargin = -0.1',
            "field 'margin' must be a number >= 0",
        ),
        (
            'kind = "frontier"\na = {series = "LoRA"}\nb = {series = "Full"}\nop = "gt"\ncolour = "red"',
            "unknown field 'colour'",
        ),
        ('kind = "frontier"\na = {series = "LoRA"}\nop = "gt"', "field 'b' is required"),
        ('kind = "sorcery"', "field 'kind' must be one of"),
        ('kind = "trend"\nrows = {series = "LoRA"}\nx = "rank"\nmetric = "reasoning"', "exactly one of"),
        ('kind = "fraction_in_range"\ntable = "points"\nvalue = "v"\nmin_fraction = 1.5', "'min_fraction'"),
        (
            'kind = "compare"\nleft = {series = "LoRA", metric = "a", pick = "best"}\n'
            'right = {series = "B", metric = "a"}\nop = "geq"',
            "left.pick must be one of",
        ),
        (
            'kind = "compare"\nleft = {series = "LoRA", metric = "a"}\n'
            'right = {series = "B", metric = "a"}\nop = ["geq"]',
            "field 'op' must be one of",
        ),
        (
            'kind = "trend"\nrows = {series = "LoRA"}\nx = 4\nmetric = "reasoning"\nat_most = -0.5',
            "field 'x' must",
        ),
        (
            'kind = "frontier"\na = {series = "LoRA", metric = 3}\nb = {series = "Full"}\nop = "gt"',
            "field a.metric must",
        ),
        (
            'kind = "paired"\ntable = "t"\nby = "run"\na = ["LoRA"]\nb = "Full"\nkey = "module"\n'
            'metrics = "m"\nop = "lt"\nmin_fraction = 0.5',
            "field 'a' must",
        ),
        (
            'kind = "compare"\nleft = {series = "LoRA", metric = "a"}\nright = {series = "B", metric = "a"}\n'
            'op = "geq"\nmargin = {"AIME" = {"x" = 1}}',
            "field 'margin' must be a number >= 0",
        ),
    ],
)
def test_bad_claims_name_the_claim_and_the_field(tmp_path, body, needle):
    with pytest.raises(ReproError) as exc:
        one(tmp_path, body)
    msg = str(exc.value)
    assert needle in msg and "(2/c)" in msg and str(tmp_path / "claims.toml") in msg
    assert "\n" not in msg


def test_duplicate_ids_bad_figure_and_bad_toml(tmp_path):
    claim = (
        '[[claim]]\nfigure = 2\nid = "c"\nquote = "q"\nsource = "s"\nkind = "trend"\nrows = {series = "L"}\n'
        'x = "rank"\nmetric = "reasoning"\nat_most = -0.5\n'
    )
    with pytest.raises(ReproError, match="duplicate id"):
        claims_from(tmp_path, claim + claim)
    with pytest.raises(ReproError, match="figure number 1-12, got 13"):
        claims_from(tmp_path, claim.replace("figure = 2", "figure = 13"))
    with pytest.raises(ReproError, match="is not valid TOML"):
        claims_from(tmp_path, claim + "oops = \n")
    with pytest.raises(ReproError, match="does not exist"):
        load_claims(tmp_path / "nowhere.toml")


# ------------------------------------------------------------------------------ each check kind

COMPARE_LORA_KEEPS = (
    'kind = "compare"\nleft = {series = "LoRA", pick = "final", metric = "reasoning"}\n'
    'op = "geq"\nright = {series = "Base", metric = "reasoning"}\n'
    'margin = {"AIME" = 0.10, "*" = 0.05}\n'
)


def test_compare_passes_and_fails_with_per_panel_margins(tmp_path):
    c = one(tmp_path, COMPARE_LORA_KEEPS)
    # LoRA final (epoch 10) 0.66 vs base 0.70: within 0.10 on AIME and within 0.05 on GPQA
    ok = frontier_data(
        {"M: AIME 2024": base_full_lora("M: AIME 2024"), "M: GPQA-Diamond": base_full_lora("M: GPQA-Diamond")}
    )
    out = evaluate_claim(c, ok)
    assert out.status == "pass"
    assert [d["value"] for d in out.details] == [
        [0.66, 0.70],
        [0.66, 0.70],
    ]  # epoch 10, not the later-listed e1/e2
    assert out.threshold == ["≥ 0.600", "≥ 0.650"]
    # 0.62: still within 0.10 of 0.70 on AIME, not within 0.05 on GPQA
    bad = frontier_data(
        {
            "M: AIME 2024": base_full_lora("M: AIME 2024", lora_pass=0.62),
            "M: GPQA-Diamond": base_full_lora("M: GPQA-Diamond", lora_pass=0.62),
        }
    )
    out = evaluate_claim(c, bad)
    assert out.status == "fail"
    assert [d["ok"] for d in out.details] == [True, False]


def test_strict_ops_need_the_gap(tmp_path):
    c = one(
        tmp_path,
        'kind = "compare"\nleft = {series = "Full", pick = "final", metric = "reasoning"}\n'
        'op = "lt"\nright = {series = "Base", metric = "reasoning"}\nmargin = 0.10\n',
    )
    assert evaluate_claim(c, frontier_data({"P": base_full_lora("P", full_pass=0.40)})).status == "pass"
    assert (
        evaluate_claim(c, frontier_data({"P": base_full_lora("P", full_pass=0.60)})).status == "fail"
    )  # gap 0.10
    eq = one(
        tmp_path,
        'kind = "compare"\nleft = {series = "Full", pick = "final", metric = "safety"}\n'
        'op = "gt"\nright = {series = "LoRA", pick = "final", metric = "safety"}\n',
    )
    assert (
        evaluate_claim(eq, frontier_data({"P": base_full_lora("P", full_safety=0.9, lora_safety=0.9)})).status
        == "fail"
    )
    assert (
        evaluate_claim(
            eq, frontier_data({"P": base_full_lora("P", full_safety=0.91, lora_safety=0.9)})
        ).status
        == "pass"
    )


def test_compare_each_group_and_rank_sweep_rows(tmp_path):
    c = one(
        tmp_path,
        'kind = "compare"\nleft = {series = "LoRA", rank = 1, metric = "reasoning"}\nop = "geq"\n'
        'right = {series = ["LoRA", "Full"], metric = "reasoning"}\neach = "rank"\nmargin = 0.05\n'
        'panels = ["(a)"]\n',
    )

    def sweep(values, full):
        rows = [
            {"series": "LoRA", "rank": r, "epoch": 10, "safety": 0.9, "reasoning": v}
            for r, v in values.items()
        ]
        rows.append({"series": "Full", "rank": "", "epoch": 5, "safety": 0.95, "reasoning": full})
        # a (c) panel of the same figure: other series, out of the check's scope
        frontier_rows = [row("r=1", 1, 0.5, 0.5, "(c) AIME 2024")]
        return {
            "panels": [
                {"title": "(a) AIME 2024", "points": rows},
                {"title": "(c) AIME 2024", "points": frontier_rows},
            ]
        }

    assert evaluate_claim(c, sweep({1: 0.70, 4: 0.72, 64: 0.60}, 0.40)).status == "pass"
    out = evaluate_claim(c, sweep({1: 0.70, 4: 0.80, 64: 0.60}, 0.40))
    assert out.status == "fail" and "rank 4" in out.observed[0]  # the worst group is the one shown


def test_hypervolume_of_known_fronts():
    assert hypervolume([(0.5, 0.5)]) == pytest.approx(0.25)
    assert hypervolume([(0.2, 0.8), (0.8, 0.2)]) == pytest.approx(0.28)
    assert hypervolume([(0.2, 0.8), (0.8, 0.2), (0.1, 0.1), (0.5, 0.5)]) == pytest.approx(0.16 + 0.15 + 0.06)


def test_frontier_passes_fails_and_approx(tmp_path):
    better = [row("up_proj", 1, 0.6, 0.7), row("up_proj", 2, 0.9, 0.6), row("up_proj", 3, 0.3, 0.3)]
    worse = [row("MLP", 1, 0.5, 0.6), row("MLP", 2, 0.85, 0.55)]
    gt = one(tmp_path, 'kind = "frontier"\na = {series = "up_proj"}\nop = "gt"\nb = {series = "MLP"}\n')
    assert evaluate_claim(gt, frontier_data({"P": better + worse})).status == "pass"
    flipped = [dict(r, series={"up_proj": "MLP", "MLP": "up_proj"}[r["series"]]) for r in better + worse]
    out = evaluate_claim(gt, frontier_data({"P": flipped}))
    assert out.status == "fail"
    a, b = out.details[0]["value"]
    assert a == pytest.approx(hypervolume([(0.5, 0.6), (0.85, 0.55)])) and a < b
    approx = one(
        tmp_path,
        'kind = "frontier"\na = {series = "up_proj"}\nop = "approx"\nb = {series = "MLP"}\nmargin = 0.15\n',
    )
    assert (
        evaluate_claim(approx, frontier_data({"P": better + worse})).status == "pass"
    )  # areas 0.60 vs 0.4925
    tight = one(
        tmp_path,
        'kind = "frontier"\na = {series = "up_proj"}\nop = "approx"\nb = {series = "MLP"}\nmargin = 0.1\n',
    )
    assert evaluate_claim(tight, frontier_data({"P": better + worse})).status == "fail"


def test_frontier_each_series(tmp_path):
    c = one(
        tmp_path,
        'kind = "frontier"\na = {series = "Middle"}\nop = "gt"\nb = {series = ["Early", "Late"]}\n'
        'each = "series"\nmargin = 0.02\n',
    )
    rows = [row("Middle", 1, 0.9, 0.7), row("Early", 1, 0.8, 0.6), row("Late", 1, 0.9, 0.6)]
    assert evaluate_claim(c, frontier_data({"P": rows})).status == "pass"  # 0.63 vs 0.48, 0.54
    rows[2] = row("Late", 1, 0.9, 0.69)  # 0.621: within the required gap of 0.02
    out = evaluate_claim(c, frontier_data({"P": rows}))
    assert out.status == "fail" and "series Late" in out.observed[0]


def test_dominates(tmp_path):
    c = one(tmp_path, 'kind = "dominates"\na = {method = "OrthoMerge-both"}\nb = {method = "Vanilla"}\n')

    def data(om_best):
        rows = [
            {"method": "Vanilla", "checkpoint": f"v{e}", "epoch": e, "safety": s, "reasoning": p}
            for e, s, p in ((1, 0.5, 0.7), (10, 0.9, 0.6))
        ]
        rows += [
            {
                "method": "OrthoMerge-both",
                "checkpoint": "l1",
                "lambda": 1.0,
                "epoch": "",
                "safety": 0.3,
                "reasoning": 0.8,
            },
            {
                "method": "OrthoMerge-both",
                "checkpoint": "l1.25",
                "lambda": 1.25,
                "epoch": "",
                "safety": om_best[0],
                "reasoning": om_best[1],
            },
        ]
        return {"panels": [{"title": "(a) AIME 2024", "points": rows}]}

    assert evaluate_claim(c, data((0.92, 0.65))).status == "pass"  # (0.92, 0.65) vs Vanilla's best (0.9, 0.6)
    assert evaluate_claim(c, data((0.92, 0.60))).status == "fail"  # not strictly above in Pass@1


def test_trend(tmp_path):
    c = one(
        tmp_path,
        'kind = "trend"\nrows = {series = "LoRA"}\nx = "rank"\nmetric = "reasoning"\nat_most = -0.5\n',
    )

    def data(values):
        return {
            "panels": [
                {
                    "title": "(a) AIME 2024",
                    "points": [
                        {"series": "LoRA", "rank": r, "safety": 0.9, "reasoning": v}
                        for r, v in zip((1, 2, 4, 8, 64), values, strict=True)
                    ],
                }
            ]
        }

    assert evaluate_claim(c, data([0.7, 0.72, 0.65, 0.6, 0.5])).status == "pass"  # rho = -0.9
    assert evaluate_claim(c, data([0.5, 0.6, 0.65, 0.7, 0.72])).status == "fail"  # rho = +1
    out = evaluate_claim(c, data([0.0] * 5))  # the smoke profile's all-zero scores
    assert out.status == "not-evaluable" and "constant" in out.reason


def test_fraction_in_range(tmp_path):
    c = one(
        tmp_path,
        'kind = "fraction_in_range"\ntable = "points"\nvalue = "stable_rank"\nlo = 30\nhi = 125\n'
        'group_by = "module"\nmin_fraction = 0.5\n',
    )

    def data(up_values):
        pts = [{"layer": i, "module": "q_proj", "stable_rank": v} for i, v in enumerate([45, 80, 20, 100])]
        pts += [{"layer": i, "module": "up_proj", "stable_rank": v} for i, v in enumerate(up_values)]
        return {"figure": 1, "points": pts}

    assert evaluate_claim(c, data([50, 60, None, 200])).status == "pass"  # q 3/4, up 2/4
    out = evaluate_claim(c, data([5, 60, None, 200]))  # up 1/4; the undefined one counts as outside
    assert out.status == "fail" and [d["ok"] for d in out.details] == [True, False]
    assert "1 undefined" in out.observed[1]


def test_paired(tmp_path):
    c = one(
        tmp_path,
        'kind = "paired"\ntable = "per_layer"\nby = "run"\na = "LoRA"\nb = "Full"\nkey = ["module"]\n'
        'metrics = ["m1", "m2"]\nop = "lt"\nmin_fraction = 0.6\n',
    )

    def data(lora_m2_up):
        rows = []
        for layer in (0, 1):
            for module, full_m, lora_m in (
                ("q_proj", 0.3, 0.1),
                ("up_proj", 0.3, 0.2),
                ("down_proj", 0.2, 0.25),
            ):
                rows.append({"run": "Full", "layer": layer, "module": module, "m1": full_m, "m2": full_m})
                m2 = lora_m2_up if module == "up_proj" else lora_m
                rows.append({"run": "LoRA", "layer": layer, "module": module, "m1": lora_m, "m2": m2})
        return {"figure": 7, "per_layer": rows}

    assert evaluate_claim(c, data(0.2)).status == "pass"  # 2 of 3 modules below Full for both metrics
    out = evaluate_claim(c, data(0.4))  # m2: only q_proj below
    assert out.status == "fail" and [d["ok"] for d in out.details] == [True, False]
    assert "exceptions: down_proj, up_proj" in out.observed[1]


# ------------------------------------------------------------------------------ not evaluable


def test_missing_rows_are_not_evaluable_not_failures(tmp_path):
    c = one(tmp_path, COMPARE_LORA_KEEPS)
    no_lora = [r for r in base_full_lora("M: AIME 2024") if r["series"] != "LoRA"]
    out = evaluate_claim(c, frontier_data({"M: AIME 2024": no_lora}))
    assert out.status == "not-evaluable" and "no row matches LoRA" in out.reason
    # a failing panel beside a not-evaluable one is a failure
    out = evaluate_claim(
        c,
        frontier_data(
            {"M: AIME 2024": no_lora, "M: GPQA-Diamond": base_full_lora("M: GPQA-Diamond", lora_pass=0.1)}
        ),
    )
    assert out.status == "fail"
    # no panel concerns the check at all
    assert (
        evaluate_claim(c, frontier_data({"M: AIME 2024": [row("r=1", 1, 0.5, 0.5)]})).status
        == "not-evaluable"
    )
    # a row without the number (a rank-sweep safety panel has no Pass@1)
    blank = base_full_lora("M: AIME 2024", lora_pass="")
    out = evaluate_claim(c, frontier_data({"M: AIME 2024": blank}))
    assert out.status == "not-evaluable" and "'reasoning'" in out.reason
    # geometry tables missing from the data
    g = one(
        tmp_path,
        'kind = "paired"\ntable = "per_layer"\nby = "run"\na = "LoRA"\nb = "Full"\nkey = ["module"]\n'
        'metrics = ["m1"]\nop = "lt"\nmin_fraction = 0.5\n',
    )
    assert evaluate_claim(g, {"panels": []}).status == "not-evaluable"


# ------------------------------------------------------------------------------ repro verify


def fig10_data(lora_pass: float) -> dict:
    rows = base_full_lora("R1-Distill-Llama-8B: AIME 2024", lora_pass=lora_pass)
    return {
        "figure": 10,
        "profile": "paper",
        "panels": [{"title": "R1-Distill-Llama-8B: AIME 2024", "points": rows}],
    }


def _write(root: Path, number: int, profile: str, data: dict) -> None:
    d = root / f"fig{number:02d}" / profile
    d.mkdir(parents=True, exist_ok=True)
    from repro.figures.plot import data_digest

    (d / f"fig{number:02d}.json").write_text(json.dumps({**data, "data_sha256": data_digest(data)}))


def test_verify_exit_codes_on_hand_made_data(tmp_path):
    env = {"REPRO_FIGURES": str(tmp_path)}
    _write(tmp_path, 10, "paper", fig10_data(0.66))
    ok = repro("verify", "10", env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "3 pass, 0 fail, 0 not evaluable" in ok.stdout and "not expected to pass" not in ok.stdout
    _write(tmp_path, 10, "paper", fig10_data(0.50))  # 0.20 below the base: beyond the AIME margin
    bad = repro("verify", "10", "--json", env=env)
    assert bad.returncode == 1
    doc = json.loads(bad.stdout)
    status = {c["id"]: c["status"] for c in doc["figures"]["10"]}
    assert status == {
        "lora-keeps-reasoning": "fail",
        "lora-safety-comparable": "pass",
        "full-loses-reasoning": "pass",
    }
    failed = next(c for c in doc["figures"]["10"] if c["id"] == "lora-keeps-reasoning")
    assert failed["threshold"] == ["≥ 0.600"] and "0.500" in failed["observed"][0]
    missing = repro("verify", "4", env=env)
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        f"error: figure 4 has not been rendered for the paper profile "
        f"({tmp_path}/fig04/paper/fig04.json is missing) -- run `repro figure 4 --profile paper`"
    ]
    assert repro("verify", env=env).returncode == 2  # neither a number nor --all
    every = repro("verify", "--all", env=env)
    assert (
        every.returncode == 1
        and "not rendered for paper (skipped): figures 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12"
        in " ".join(every.stdout.split())
    )


def test_verify_matches_the_figure_data(tmp_path):
    _write(tmp_path, 10, "paper", fig10_data(0.66))
    outcomes = verify_figure(10, "paper", tmp_path)
    assert [o.claim.id for o in outcomes] == [c.id for c in load_claims() if c.figure == 10]
    with pytest.raises(ReproError, match="rendered for the 'paper' profile, not 'smoke'"):
        _write(tmp_path, 10, "smoke", fig10_data(0.66))
        load_figure_data(tmp_path, 10, "smoke")


@pytest.mark.slow
def test_verify_on_a_smoke_rendered_figure_2(tmp_path):
    env = {"REPRO_ARTIFACTS": str(tmp_path / "artifacts"), "REPRO_FIGURES": str(tmp_path / "figures")}
    built = repro("figure", "2", "--profile", "smoke", env=env)
    assert built.returncode == 0, built.stderr[-3000:]
    data = load_figure_data(tmp_path / "figures", 2, "smoke")
    expected = {
        c.id: evaluate_claim(c, data).status for c in load_claims() if c.figure == 2 and c.applies_to("smoke")
    }
    assert set(expected) == {  # the published-number claims are checked on paper and reduced only
        "lora-keeps-reasoning",
        "lora-safety-comparable",
        "full-loses-reasoning",
        "base-unsafe",
    }
    for pan in data["panels"]:  # every point carries its 95% intervals, around its value
        for r in pan["points"]:
            for v in ("safety", "reasoning"):
                assert r[f"{v}_ci_lo"] - 1e-6 <= r[v] <= r[f"{v}_ci_hi"] + 1e-6 and r[f"{v}_se"] >= 0
    keys = {r[k] for p in data["panels"] for r in p["points"] for k in ("safety_score_key", "reasoning_score_key")
            if r[k]}
    assert {k.split("/")[1] for k in data["sources"]} == keys  # the score files the data came from
    proc = repro("verify", "2", "--profile", "smoke", "--json", env=env)
    doc = json.loads(proc.stdout)
    # smoke verdicts are plumbing checks, never passes; what the check found is kept beside it
    assert {c["id"]: c["status"] for c in doc["figures"]["2"]} == dict.fromkeys(expected, "plumbing")
    assert {c["id"]: c["result"] for c in doc["figures"]["2"]} == expected
    assert set(expected.values()) == {"not-evaluable"}  # every smoke score is 0: no evidence either way
    assert proc.returncode == 0 and not doc["tie"]
    for c in doc["figures"]["2"]:  # the counts behind every verdict
        assert c["evidence"]["samples"] > 0 and "parse_errors" in c["evidence"] and "truncated" in c["evidence"]
        assert any("every compared value is 0 or 1" in o for o in c["observed"])
    assert "not expected to pass" in doc["note"]
    table = repro("verify", "2", "--profile", "smoke", env=env)
    assert table.returncode == proc.returncode
    text = " ".join(table.stdout.split())
    assert "not expected to pass the paper's claims" in text
    for cid in expected:
        assert cid in text
    assert "figure 2 (smoke): 0 pass, 0 fail, 0 not evaluable, 4 plumbing checks (not results), of 4 claims" in text
    # a hand-edited figure file is reported, naming it, and no claim is decided on it
    path = tmp_path / "figures" / "fig02" / "smoke" / "fig02.json"
    edited = json.loads(path.read_text())
    edited["panels"][0]["points"][0]["reasoning"] = 0.9
    path.write_text(json.dumps(edited))
    bad = repro("verify", "2", "--profile", "smoke", env=env)
    assert bad.returncode == 1 and f"{path} was edited after it rendered" in " ".join(bad.stdout.split())
    # a score file changed in the store after the figure rendered is named too
    path.write_text(json.dumps(data))
    score = next((tmp_path / "artifacts" / "smoke" / "score").glob("*/score.json"))
    score.write_text(score.read_text() + " ")
    moved = repro("verify", "2", "--profile", "smoke", "--json", env=env)
    assert moved.returncode == 1 and "changed in the store" in moved.stdout


# ------------------------------------------------------------------------------- evidence and intervals
def _claim(ref: str):
    return next(c for c in load_claims() if c.ref == ref)


def _with(rows: list[dict], **fields) -> list[dict]:
    return [{**r, **fields} for r in rows]


def test_a_difference_inside_its_interval_is_not_decidable():
    c = _claim("10/lora-keeps-reasoning")  # LoRA final >= base - 0.1 on AIME
    rows = base_full_lora("R1-Distill-Llama-8B: AIME 2024", lora_pass=0.66)
    narrow = {"panels": [{"title": rows[0]["panel"], "points": _with(rows, reasoning_se=0.01, safety_se=0.01)}]}
    o = evaluate_claim(c, narrow)
    assert o.status == "pass" and "95% interval [" in o.observed[0]
    assert o.details[0]["difference"]["lo"] == pytest.approx(-0.04 - 1.959964 * 0.01 * 2 ** 0.5, abs=1e-4)
    # AIME's 30 questions: a standard error of 0.05 a point puts the difference's interval across -0.1
    wide = {"panels": [{"title": rows[0]["panel"], "points": _with(rows, reasoning_se=0.05, safety_se=0.05)}]}
    o = evaluate_claim(c, wide)
    assert o.status == "not-evaluable" and "not decidable at this sample size" in o.observed[0]
    # without intervals the line says so and the point verdict stands
    o = evaluate_claim(c, {"panels": [{"title": rows[0]["panel"], "points": rows}]})
    assert o.status == "pass" and "no interval for this measure" in o.observed[0]


def test_a_verdict_needs_evidence():
    c = _claim("10/lora-safety-comparable")
    title = "R1-Distill-Llama-8B: AIME 2024"
    zeros = base_full_lora(title, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    zeros = [{**r, "safety": 0.0, "reasoning": 0.0} for r in zeros]
    o = evaluate_claim(c, {"panels": [{"title": title, "points": zeros}]})
    assert o.status == "not-evaluable" and "every compared value is 0 or 1" in o.reason
    assert "R1-Distill-Llama-8B: safety" in o.reason  # a safety line is not named after the AIME panel
    unparsed = _with(base_full_lora(title), safety_n=40, safety_parse_errors=11)  # 27.5% > 25%
    o = evaluate_claim(c, {"panels": [{"title": title, "points": unparsed}]})
    assert o.status == "not-evaluable" and "11 of 40 samples parse errors" in o.reason
    assert o.evidence["parse_errors"] == 11 * 5 and o.evidence["samples"] == 40 * 5  # LoRA 3 + Full 2 rows
    few = _with(base_full_lora(title), reasoning_n_questions=1, reasoning_samples_per_question=8)
    o = evaluate_claim(_claim("10/lora-keeps-reasoning"), {"panels": [{"title": title, "points": few}]})
    assert o.status == "not-evaluable" and "rests on 1 question(s)" in o.reason


def test_smoke_verdicts_are_plumbing_checks(tmp_path):
    data = {**fig10_data(0.66), "profile": "smoke"}
    _write(tmp_path, 10, "smoke", data)
    outs = verify_figure(10, "smoke", tmp_path)
    assert {o.status for o in outs} == {"plumbing"} and {o.result for o in outs} == {"pass"}
