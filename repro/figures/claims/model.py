"""A claim of the paper with its parsed check (:class:`Claim`), the verdict on it (:class:`Outcome`), and the
check in words (:func:`describe`, :func:`tolerance_words`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from repro.figures.claims.kinds.base import Check

STATUSES = ("pass", "fail", "not-evaluable", "plumbing")
# Profiles whose verdicts are plumbing checks: their tiny random models say whether the code paths run, never
# whether the paper holds; a verdict there is shown as "plumbing" (what the check found is kept in ``result``).
PLUMBING_PROFILES = ("smoke",)


def is_plumbing(profile: str) -> bool:
    return profile.split("-", 1)[0] in PLUMBING_PROFILES


@dataclass(frozen=True)
class Claim:
    """One ``[[claim]]`` of ``claims.toml``: the paper's words and the check of kind ``kind`` (``check``, an
    instance of that kind's record, holds its parsed fields)."""

    figure: int
    id: str
    quote: str
    source: str
    kind: str
    reading: str = ""
    why: str = ""
    check: Check | None = field(default=None, hash=False, compare=False)
    profiles: tuple[str, ...] = ()  # the profiles the claim is checked on (empty: all)

    @property
    def ref(self) -> str:
        return f"{self.figure}/{self.id}"

    def applies_to(self, profile: str) -> bool:
        """Whether the claim is checked on ``profile`` (a variant such as ``paper-hf`` counts as its profile)."""
        return not self.profiles or profile.split("-", 1)[0] in self.profiles


def describe(c: Claim) -> str:
    """The check in plain words (m = the margin named in :func:`tolerance_words`)."""
    return c.check.describe()


def tolerance_words(c: Claim) -> str:
    """The check's margin or bound in words."""
    return c.check.tolerance()


@dataclass
class Outcome:
    """The verdict on one claim, with the numbers behind it (one line per panel or group)."""

    claim: Claim
    status: str
    observed: list[str] = field(default_factory=list)
    threshold: list[str] = field(default_factory=list)
    reason: str = ""
    details: list[dict] = field(default_factory=list)
    result: str = ""  # what the check found (pass, fail, not-evaluable) where ``status`` is "plumbing"
    evidence: dict = field(default_factory=dict)  # samples, parse errors, truncated, scorer exceptions read
    tie: list[str] = field(default_factory=list)  # what ties the figure's data to the store and does not hold

    def as_dict(self) -> dict:
        c = self.claim
        return {"figure": c.figure, "id": c.id, "kind": c.kind, "status": self.status, "quote": c.quote,
                "source": c.source, "check": describe(c), "tolerance": tolerance_words(c),
                "observed": self.observed, "threshold": self.threshold, "reason": self.reason,
                "details": self.details, "result": self.result or self.status, "evidence": self.evidence,
                "tie": self.tie}
