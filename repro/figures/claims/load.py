"""Finding, parsing and validating ``claims.toml``.

Every problem is one ReproError naming the file, the claim (``claim #N (figure/id)``), the field and what
it must be. The fields every claim has are checked here; the kind's own fields by its record
(:mod:`repro.figures.claims.kinds`).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from repro import roots
from repro.errors import ReproError
from repro.figures.catalog import CATALOG
from repro.figures.claims.fields import Fields, bad
from repro.figures.claims.kinds import KINDS
from repro.figures.claims.model import Claim

COMMON = {"figure", "id", "quote", "source", "kind", "reading", "why", "profiles"}


def default_claims_path() -> Path:
    """``$REPRO_CLAIMS``, else the repository's ``paper_figures/claims.toml``, else the figures root's."""
    if os.environ.get(roots.CLAIMS_ENV):
        return Path(os.environ[roots.CLAIMS_ENV])
    here = roots.SOURCE_TREE / "paper_figures" / "claims.toml"
    if here.is_file():
        return here
    return roots.figures() / "claims.toml"


def _words(text: str) -> str:
    return " ".join(text.split())


def parse_claim(path: Path, i: int, raw: dict) -> Claim:
    """The ``i``-th (0-based) ``[[claim]]`` table of ``path``, validated."""
    if not isinstance(raw, dict):
        raise bad(path, f"claim #{i + 1}", f"each claim must be a [[claim]] table, got {raw!r}")
    fig, cid = raw.get("figure"), raw.get("id")
    fields = Fields(path, f"claim #{i + 1}" + (f" ({fig}/{cid})" if cid else ""), raw)
    if not isinstance(fig, int) or isinstance(fig, bool) or fig not in CATALOG:
        raise fields.error(f"field 'figure' must be a figure number {min(CATALOG)}-{max(CATALOG)}, got {fig!r}")
    for name in ("id", "quote", "source", "kind"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise fields.error(f"field {name!r} is required (a non-empty string)")
    kind = raw["kind"]
    if kind not in KINDS:
        raise fields.error(f"field 'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
    record = KINDS[kind]
    for name in sorted(record.required - raw.keys()):
        raise fields.error(f"field {name!r} is required for kind {kind!r}")
    for name in sorted(raw.keys() - record.required - record.optional - COMMON):
        raise fields.error(f"unknown field {name!r} for kind {kind!r} (allowed: "
                           f"{', '.join(sorted(record.required | record.optional))})")
    check = record.parse(fields)
    for name in ("reading", "why"):
        if name in raw and not isinstance(raw[name], str):
            raise fields.error(f"field {name!r} must be a string")
    profiles = fields.optional_strings("profiles")
    return Claim(figure=fig, id=raw["id"], quote=_words(raw["quote"]), source=raw["source"], kind=kind,
                 reading=_words(raw.get("reading", "")), why=_words(raw.get("why", "")), check=check,
                 profiles=profiles)


def load_claims(path: Path | None = None) -> list[Claim]:
    """Parse and validate the claims file; any problem is one ReproError naming the claim and field."""
    path = Path(path) if path is not None else default_claims_path()
    if not path.is_file():
        raise ReproError(f"the claims file {path} does not exist",
                         "run from the repository or set REPRO_CLAIMS to paper_figures/claims.toml")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ReproError(f"{path} is not valid TOML: {exc}", "fix the syntax at the line named") from None
    unknown = set(doc) - {"claim"}
    if unknown:
        raise bad(path, "top level", f"unknown key(s) {', '.join(sorted(unknown))}: only [[claim]] tables are read")
    raws = doc.get("claim", [])
    if not isinstance(raws, list) or not raws:
        raise bad(path, "top level", "no [[claim]] tables")
    claims, seen = [], set()
    for i, raw in enumerate(raws):
        c = parse_claim(path, i, raw)
        if c.ref in seen:
            raise bad(path, f"claim #{i + 1} ({c.ref})", "duplicate id within its figure")
        seen.add(c.ref)
        claims.append(c)
    return claims


def claims_for(number: int, claims: list[Claim] | None = None, profile: str | None = None) -> list[Claim]:
    """The claims of figure ``number`` (from ``claims``, else from the default claims file), those checked on
    ``profile`` where one is given."""
    return [c for c in (load_claims() if claims is None else claims)
            if c.figure == number and (profile is None or c.applies_to(profile))]
