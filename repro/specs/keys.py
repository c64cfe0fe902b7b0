"""Stable keys: a spec's key is a hash of its canonical JSON, so equal specs share artifacts.

A dataclass field declared with ``not_in_key()`` is a setting that does not change what a step computes (an
engine's execution mode, say): it is kept in manifests and ``repro show``, and left out of the key, so changing
it never re-keys stored work."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from typing import Any

KEY_VERSION = 1  # bump only when a change of meaning must invalidate every stored artifact


_NOT_IN_KEY = "repro_not_in_key"


def not_in_key(default: Any) -> Any:
    """A dataclass field kept out of the spec's key (see the module docstring)."""
    return dataclasses.field(default=default, metadata={_NOT_IN_KEY: True})


def to_jsonable(obj: Any, for_key: bool = False) -> Any:
    """Dataclasses, tuples and dicts into plain JSON types (tuples become lists); ``for_key`` leaves out
    the fields declared with ``not_in_key``."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name), for_key) for f in dataclasses.fields(obj)
                if not (for_key and f.metadata.get(_NOT_IN_KEY))}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v, for_key) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v, for_key) for v in obj]
    return obj  # floats stay floats: 1.0 and 1 hash differently on purpose


def canonical_json(obj: Any) -> str:
    return json.dumps(to_jsonable(obj, for_key=True), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def spec_key(obj: Any, slug: str = "") -> str:
    """``<slug>-<12 hex>``: readable prefix, hash of the canonical JSON (and KEY_VERSION)."""
    digest = hashlib.sha256(f"v{KEY_VERSION}:{canonical_json(obj)}".encode()).hexdigest()[:12]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", slug).strip("-")[:60]
    return f"{slug}-{digest}" if slug else digest
