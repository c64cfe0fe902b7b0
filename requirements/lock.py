"""Write requirements/gpu.lock.txt: the GPU image's whole Python environment, every file hash-pinned.

    python3.11 requirements/lock.py            (from the repository root; needs PyPI, not a GPU)
    python3.11 requirements/lock.py --upgrade  (every version as new as the pins allow)

By default every package keeps the version the current lock has, where the pins allow it (the lock's versions
are passed to the resolver as constraints): changing one pin changes what it must, not the whole environment.

1. pip's resolver (``pip install --dry-run --ignore-installed --report``, metadata only, nothing
   downloaded in full) resolves ``pyproject.toml``'s dependencies plus the ``gpu`` extra for
   CPython 3.11 on linux x86_64, from PyPI alone (the machine's pip configuration is ignored, so
   no local CPU-only torch build can slip in).
2. pip's finder lists, for every resolved name==version, the sha256 of each of its files that the
   image could install (CPython 3.11 / abi3 / pure wheels for manylinux x86_64 up to glibc 2.39,
   Ubuntu 24.04's, and the sdist), so ``pip install --require-hashes`` accepts whichever file pip
   picks there.

The header records the interpreter, pip's version and the requirements the lock was made from;
tests/test_container_pins.py fails when pyproject.toml and the lock disagree. Rerun this script
after changing a pin in pyproject.toml.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "gpu.lock.txt"
INDEX = "https://pypi.org/simple"
GLIBC_MAX = 39  # Ubuntu 24.04 (the image's base)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def inputs() -> list[str]:
    """The requirements the lock is made from: pyproject's dependencies and its gpu extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return sorted(project["dependencies"] + project["optional-dependencies"]["gpu"])


def current_pins() -> dict[str, str]:
    """name -> version of the lock as it is."""
    if not LOCK.is_file():
        return {}
    return {canonical(n): v for n, v in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$", LOCK.read_text(),
                                                   re.M)}


def resolve(reqs: list[str], keep: dict[str, str]) -> dict[str, str]:
    """pip's resolution of ``reqs``, each other package at its ``keep`` version where the pins allow it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull  # PyPI only: no find-links, mirrors or constraints of this machine
    pinned = {canonical(re.split(r"[=<>!~ ]", r)[0]) for r in reqs}
    with tempfile.TemporaryDirectory() as tmp:
        report, constraints = Path(tmp) / "report.json", Path(tmp) / "constraints.txt"
        constraints.write_text("".join(f"{n}=={v}\n" for n, v in keep.items() if n not in pinned))
        cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet", "--index-url",
               INDEX, "--report", str(report), *reqs]
        if subprocess.run([*cmd, "-c", str(constraints)], env=env).returncode != 0:
            print("the lock's versions do not resolve with the new pins: resolving them afresh", file=sys.stderr)
            subprocess.run(cmd, check=True, env=env)
        data = json.loads(report.read_text())
    return {canonical(i["metadata"]["name"]): i["metadata"]["version"] for i in data["install"]}


def file_hashes(pins: dict[str, str]) -> dict[str, list[str]]:
    from pip._internal.index.collector import LinkCollector
    from pip._internal.index.package_finder import PackageFinder
    from pip._internal.models.search_scope import SearchScope
    from pip._internal.models.selection_prefs import SelectionPreferences
    from pip._internal.models.target_python import TargetPython
    from pip._internal.network.session import PipSession

    platforms = [f"manylinux_2_{m}_x86_64" for m in range(GLIBC_MAX, 4, -1)]
    platforms += ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64", "linux_x86_64"]
    target = TargetPython(platforms=platforms, py_version_info=(3, 11), abis=["cp311", "abi3", "none"],
                          implementation="cp")
    collector = LinkCollector(PipSession(), SearchScope.create(find_links=[], index_urls=[INDEX], no_index=False))
    finder = PackageFinder.create(collector, SelectionPreferences(allow_yanked=False), target_python=target)
    out = {}
    for name, version in pins.items():
        hashes = sorted({c.link.hash for c in finder.find_all_candidates(name)
                         if str(c.version) == version and c.link.hash_name == "sha256"})
        if not hashes:
            raise SystemExit(f"no sha256-pinned file of {name}=={version} for CPython 3.11 on linux x86_64")
        out[name] = hashes
    return out


def main() -> None:
    import pip

    reqs = inputs()
    keep = {} if "--upgrade" in sys.argv[1:] else current_pins()
    pins = {n: v for n, v in resolve(reqs, keep).items() if n != "repro"}
    hashes = file_hashes(pins)
    head = [
        "# The GPU image's Python environment, every file hash-pinned: pip install --require-hashes -r this.",
        "# Generated by requirements/lock.py (rerun it after changing pyproject.toml); do not edit by hand.",
        f"# resolver: pip {pip.__version__}{', keeping the previous lock where possible' if keep else ''}, CPython {sys.version_info.major}.{sys.version_info.minor}, linux x86_64, "
        f"manylinux up to glibc 2.{GLIBC_MAX}, index {INDEX}",
        "# python: 3.11",
        "# inputs (pyproject.toml dependencies + [gpu]):",
        *(f"#   {r}" for r in reqs),
        "",
    ]
    body = []
    for name in sorted(pins):
        lines = [f"{name}=={pins[name]}", *(f"    --hash=sha256:{h}" for h in hashes[name])]
        body.append(" \\\n".join(lines))
    LOCK.write_text("\n".join(head) + "\n".join(body) + "\n")
    print(f"wrote {LOCK.relative_to(ROOT)}: {len(pins)} packages, {sum(map(len, hashes.values()))} file hashes")


if __name__ == "__main__":
    main()
