"""The shape of the house: no module imports another in a circle, and no layer imports one above it. Every
import counts, the ones inside functions too (they are how heavy libraries load late, not a way around the
layering)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "repro"
# Each layer may import the layers before it (and itself), never one after it.
LAYERS = (
    ("errors", "faults", "files", "roots"),
    ("specs",),
    ("assets", "train", "generate", "evaluate", "geometry", "toy"),  # the stage packages, side by side
    ("benchmarks",),
    ("profiles",),
    ("pipeline",),
    ("figures",),
    ("cli", "__main__"),
)
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    out = {}
    for p in ROOT.rglob("*.py"):
        parts = list(p.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()

    def resolve(name: str) -> str:
        while name not in mods and "." in name:
            name = name.rsplit(".", 1)[0]
        return name

    edges: dict[str, set[str]] = {m: set() for m in mods}
    for m, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                edges[m] |= {resolve(a.name) for a in node.names if a.name.startswith("repro")}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("repro"):
                for a in node.names:
                    full = f"{node.module}.{a.name}"
                    edges[m].add(full if full in mods else resolve(node.module))
        edges[m].discard(m)
    return edges


def _layer(module: str) -> int:
    parts = module.split(".")
    return RANK[parts[1]] if len(parts) > 1 else len(LAYERS)


def test_every_package_has_a_layer():
    assert {m.split(".")[1] for m in _modules() if "." in m} <= set(RANK)


def test_no_layer_imports_one_above_it():
    upward = [f"{m} -> {e}" for m, es in _graph().items() for e in es if e.startswith("repro.") and
              _layer(e) > _layer(m)]
    assert not upward, upward


def test_no_import_circles():
    edges, index, low, stack, on, circles = _graph(), {}, {}, [], set(), []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in edges:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    for v in edges:
        if v not in index:
            visit(v)
    assert not circles, circles


def test_modules_stay_small():
    big = {str(p.relative_to(ROOT.parent)): n for p in ROOT.rglob("*.py")
           if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not big, big
