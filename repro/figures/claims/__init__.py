"""The paper's claims, figure by figure (``paper_figures/claims.toml``), and their machine checks.

Each claim quotes the paper and names one check from a small vocabulary, evaluated on the data a
figure writes when it renders (``<figures root>/figNN/<profile>/figNN.json``):

- ``compare``: one number from each of two row selections, per panel: ``left OP right (+/-) margin``
  (e.g. the LoRA final checkpoint's Pass@1 against the base model's).
- ``frontier``: the area each selection's Pareto front dominates in the (safety, Pass@1) unit square
  (its hypervolume from the origin), compared per panel like ``compare``.
- ``dominates``: the best point of one selection (largest safety + Pass@1) against the other's best,
  coordinate by coordinate.
- ``trend``: the Spearman correlation of a metric with a row field (e.g. LoRA rank), per panel.
- ``fraction_in_range``: the share of a table's values inside [lo, hi], overall or per group (Fig. 1).
- ``paired``: rows of two runs paired by key fields (values averaged over the other fields), the share
  of pairs where one run's metric is below the other's (Fig. 7).

A selection is a TOML table of row-field filters (``series = "LoRA"``, ``rank = [1, 2]``) plus
``metric`` and ``pick`` (``only``, ``final``, ``max``, ``min``, ``mean``). Per-panel checks skip panels
where no selection matches a row (a figure may mix panel types), report ``not-evaluable`` where only
some do, and fail if any evaluated panel fails. Margins are >= 0; ``geq``/``leq``/``approx`` read them
as tolerances, ``gt``/``lt`` as required gaps. A margin may be a table of panel-title substrings
(first match wins, ``"*"`` the default).

Modules: :mod:`.model` (Claim, Outcome), :mod:`.load` (claims.toml, through the typed readers of
:mod:`.fields`), :mod:`.kinds` (one record per check kind, registered in ``KINDS``), :mod:`.selection`,
:mod:`.ops`, :mod:`.evaluation` and :mod:`.words` (what the kinds share), :mod:`.data` (the figure's
JSON) and :mod:`.verify` (evaluating claims).
"""

from repro.figures.claims.data import figure_data_path, load_figure_data
from repro.figures.claims.evaluation import EPS, hypervolume
from repro.figures.claims.kinds import KINDS, Check
from repro.figures.claims.load import COMMON, claims_for, default_claims_path, load_claims
from repro.figures.claims.model import STATUSES, Claim, Outcome, describe, tolerance_words
from repro.figures.claims.ops import OPS
from repro.figures.claims.selection import PICKS, Selection
from repro.figures.claims.verify import evaluate_claim, verify_figure
from repro.figures.claims.words import margin_words

__all__ = [
    "COMMON",
    "EPS",
    "KINDS",
    "OPS",
    "PICKS",
    "STATUSES",
    "Check",
    "Claim",
    "Outcome",
    "Selection",
    "claims_for",
    "default_claims_path",
    "describe",
    "evaluate_claim",
    "figure_data_path",
    "hypervolume",
    "load_claims",
    "load_figure_data",
    "margin_words",
    "tolerance_words",
    "verify_figure",
]
