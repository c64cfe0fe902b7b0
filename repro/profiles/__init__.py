"""Profiles turn a figure's abstract recipe into concrete specs: the only place where scale differs.

- ``paper``: the exact settings of docs/README.md#what-each-document-holds (GPU, vLLM, hub models at pinned revisions).
- ``smoke``: every code path on CPU in minutes: tiny random models built in-process, fixture
  data shipped in the repo, the HF generation backend, few steps and short generations.
- ``reduced``: the paper's models and training runs exactly, a stated subset of the evaluation
  (checkpoints, seeds, token cap): about one GPU-day for Fig. 2, more for the figures with more runs (the cost
  table in README.md, from the cost model; `repro plan N --profile reduced`).
- ``toy``: a tiny world that really learns (``repro/toy``): a 1M-parameter policy and judge trained from
  scratch and shipped as fixtures, eleven figures on CPU (all but Fig. 9, the code benchmarks' base tests:
  ``TOY_FIGURES``), 3 training seeds.

Each profile has a generation backend of its own (vLLM for the GPU profiles, HF transformers for the CPU ones);
``get_profile(name, backend)`` (or the variant name ``smoke-vllm``) gives the same profile on the other one.
Profiles are frozen data: a variant is ``dataclasses.replace`` of one (``with_backend``, ``with_decoding``).
"""

from __future__ import annotations

from repro.errors import ReproError
from repro.profiles.base import Profile
from repro.profiles.paper import PAPER
from repro.profiles.reduced import REDUCED
from repro.profiles.smoke import SMOKE
from repro.profiles.toy import TOY

PROFILES: dict[str, Profile] = {p.name: p for p in (PAPER, SMOKE, REDUCED, TOY)}


def get_profile(name: str, backend: str | None = None) -> Profile:
    """The profile ``name`` (a variant name such as ``smoke-vllm`` names its backend too), generating with
    ``backend`` where one is given."""
    base, _, named = name.partition("-")
    if base not in PROFILES:
        raise ReproError(f"unknown profile {name!r}", f"choose one of: {', '.join(PROFILES)}")
    profile = PROFILES[base]
    if named:
        if backend is not None and backend != named:
            raise ReproError(f"profile {name!r} runs the {named} backend, not {backend!r}",
                             f"give --profile {base} --backend {backend}, or drop --backend")
        profile = profile.with_backend(named)
    return profile.with_backend(backend)


__all__ = ["PROFILES", "Profile", "get_profile"]
