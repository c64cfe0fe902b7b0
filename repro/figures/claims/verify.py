"""Evaluating claims on a figure's data: one claim (:func:`evaluate_claim`) or every claim of a rendered
figure (:func:`verify_figure`, what ``repro verify`` runs)."""

from __future__ import annotations

from pathlib import Path

from repro.errors import ReproError
from repro.figures.catalog import CATALOG
from repro.figures.claims.data import load_figure_data
from repro.figures.claims.evaluation import NotEvaluable
from repro.figures.claims.load import claims_for
from repro.figures.claims.model import Claim, Outcome


def evaluate_claim(c: Claim, data: dict) -> Outcome:
    """pass if every evaluated panel/group holds; fail if any fails; not-evaluable otherwise."""
    try:
        details = c.check.evaluate(data)
    except NotEvaluable as exc:
        return Outcome(c, "not-evaluable", reason=str(exc))
    oks = [d["ok"] for d in details]
    status = "fail" if False in oks else "not-evaluable" if None in oks else "pass"
    reason = "; ".join(d["observed"] for d in details if d["ok"] is None)
    return Outcome(c, status, [d["observed"] for d in details], [d["threshold"] for d in details], reason,
                   details)


def verify_figure(number: int, profile: str, root: Path, claims: list[Claim] | None = None) -> list[Outcome]:
    """Every claim of figure ``number`` evaluated on its data rendered for ``profile`` under ``root``."""
    if number not in CATALOG:
        raise ReproError(f"the paper has no figure {number}", f"choose one of {min(CATALOG)}-{max(CATALOG)}")
    mine = claims_for(number, claims, profile)
    data = load_figure_data(root, number, profile)
    return [evaluate_claim(c, data) for c in mine]
