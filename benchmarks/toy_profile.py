"""Where a profile's time goes, from the manifests of its finished steps: `python benchmarks/toy_profile.py`.

    repro figure --all --profile toy                        # from an empty store (timed by the caller)
    python benchmarks/toy_profile.py                        # artifacts/toy (or --store DIR)
    python benchmarks/toy_profile.py --json toy_profile.json

Each finished step's manifest records its wall time and, for generation and judging, the seconds its engine
(model) starts took. The table sums them by step kind in worker-seconds (the workers run side by side, so the
sum exceeds the elapsed time), splits generation and judging into engine starts and the rest (decoding,
parsing, scoring), and gives the span from the first step's start to the last one's end. Printed, never
asserted.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from repro.pipeline.integrity import COMPLETE, MANIFEST


def manifests(store: Path) -> list[dict]:
    return [json.loads((d / MANIFEST).read_text()) for d in sorted(store.glob("*/*"))
            if (d / COMPLETE).is_file() and (d / MANIFEST).is_file()]


def breakdown(rows: list[dict]) -> dict:
    kinds: dict[str, dict] = defaultdict(lambda: {"steps": 0, "seconds": 0.0, "engine_starts": 0, "start_s": 0.0})
    for m in rows:
        k = kinds[m["kind"]]
        k["steps"] += 1
        k["seconds"] += float(m["wall_time_s"])
        k["engine_starts"] += sum(m["facts"].get("engine_starts", {}).values())
        k["start_s"] += sum(m["facts"].get("engine_start_s", {}).values())
    total = sum(k["seconds"] for k in kinds.values())
    times = [(datetime.fromisoformat(m["started_at"]), datetime.fromisoformat(m["finished_at"])) for m in rows]
    span = (max(t[1] for t in times) - min(t[0] for t in times)).total_seconds() if times else 0.0
    return {"kinds": dict(kinds), "worker_seconds": round(total, 1), "span_s": round(span, 1), "steps": len(rows)}


def table(result: dict) -> str:
    total = result["worker_seconds"] or 1.0
    lines = ["| step kind | steps | worker-s | share | s/step | engine starts | start s | rest s |",
             "|---|---|---|---|---|---|---|---|"]
    for name, k in sorted(result["kinds"].items(), key=lambda kv: -kv[1]["seconds"]):
        lines.append(f"| {name} | {k['steps']} | {k['seconds']:.0f} | {k['seconds'] / total:.0%} | "
                     f"{k['seconds'] / k['steps']:.2f} | {k['engine_starts']} | {k['start_s']:.0f} | "
                     f"{k['seconds'] - k['start_s']:.0f} |")
    lines.append(f"| **all** | {result['steps']} | {result['worker_seconds']:.0f} | 100% | | | | |")
    lines.append(f"\nspan of the steps (first start to last end): {result['span_s']:.0f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("artifacts/toy"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = breakdown(manifests(args.store))
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
