"""Evaluating claims on a figure's data: one claim (:func:`evaluate_claim`) or every claim of a rendered
figure (:func:`verify_figure`, what ``repro verify`` runs)."""

from __future__ import annotations

from pathlib import Path

from repro.errors import ReproError
from repro.figures.catalog import CATALOG
from repro.figures.claims import evidence
from repro.figures.claims.data import figure_data_path, load_figure_data, tie_problems
from repro.figures.claims.evaluation import NotEvaluable
from repro.figures.claims.load import claims_for
from repro.figures.claims.model import Claim, Outcome, is_plumbing


def evaluate_claim(c: Claim, data: dict) -> Outcome:
    """pass if every evaluated panel/group holds; fail if any fails; not-evaluable otherwise."""
    try:
        details = c.check.evaluate(data)
    except NotEvaluable as exc:
        return Outcome(c, "not-evaluable", reason=str(exc))
    oks = [d["ok"] for d in details]
    status = "fail" if False in oks else "not-evaluable" if None in oks else "pass"
    reason = "; ".join(d["observed"] for d in details if d["ok"] is None)
    found = {"samples": 0, "parse_errors": 0, "truncated": 0, "scorer_exceptions": 0}
    for d in details:
        for k, v in d.get("evidence", {}).items():
            found[k] += v
    return Outcome(c, status, [d["observed"] for d in details], [d["threshold"] for d in details], reason,
                   details, evidence=found if any(d.get("evidence") for d in details) else {})


def verify_figure(number: int, profile: str, root: Path, claims: list[Claim] | None = None,
                  store_base: Path | None = None) -> list[Outcome]:
    """Every claim of figure ``number`` evaluated on its data rendered for ``profile`` under ``root``; on a plumbing
    profile (smoke) each verdict is "plumbing"; where the data are not tied to the store (``store_base``, the
    profile's artifact store: an edited file, a changed score file) no claim passes or fails on them: each is
    not evaluable and names the problem."""
    if number not in CATALOG:
        raise ReproError(f"the paper has no figure {number}", f"choose one of {min(CATALOG)}-{max(CATALOG)}")
    mine = claims_for(number, claims, profile)
    data = load_figure_data(root, number, profile)
    tie = tie_problems(figure_data_path(root, number, profile), data, store_base)
    broken = [t for t in tie if "were not checked" not in t and "are not in the store" not in t]
    outs = []
    for c in mine:
        o = evaluate_claim(c, data)
        o.tie = tie
        if broken:
            o.result, o.status, o.reason = o.status, "not-evaluable", "; ".join(broken)
        if is_plumbing(profile):
            o.result, o.status = o.result or o.status, "plumbing"
        outs.append(o)
    return outs


def evidence_words(o: Outcome) -> str:
    """The counts beside a verdict, in words ("" where the check reads no per-sample scores)."""
    return evidence.counts_words(o.evidence) if o.evidence else "no per-sample scores behind this check"
