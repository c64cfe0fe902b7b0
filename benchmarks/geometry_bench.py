"""Benchmark of the Fig. 1 and Fig. 7 weight passes on a synthetic checkpoint pair of a real model's shape.

Writes (once, then reuses) a base checkpoint and a "fine-tuned" one with the tensor names, shapes,
dtype (bf16) and sharding of a real model: W_I ~ N(0, 0.02) and W_ft = bf16(W_I + a low-rank update
with a decaying spectrum), so dW has a realistic stable rank. Then, each in a fresh process with the
page cache of the files dropped first:

  raw   sequential read() of every shard file of both checkpoints (the disk's speed for these files)
  fig1  the stable-rank pass over every projection (``repro.geometry.analysis.stable_rank_pass``)
  fig7  the overlap pass (m1-m4, top-16), optionally over the first ``--fig7-layers`` layers only
  check every shard file of both checkpoints hashed as a step checks what it loads (sha256,
        ``repro.pipeline.integrity.content_digest``), cold cache
  load  every tensor of both checkpoints copied into memory (safetensors), cold cache:
        what the check is compared with

and prints wall time, bytes read per second next to the raw read speed, and peak resident memory
(VmHWM of the process, imports included) next to the largest single tensor of the checkpoint.

    python benchmarks/geometry_bench.py                        # Qwen2-1.5B shapes (~3 GB per checkpoint)
    python benchmarks/geometry_bench.py --model r1-qwen-7b     # DeepSeek-R1-Distill-Qwen-7B (~15 GB each)

Numbers print; nothing is asserted (speed targets belong here, not in tests).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

GB = 1 << 30


@dataclass(frozen=True)
class Shape:
    name: str
    layers: int
    hidden: int
    intermediate: int
    heads: int
    kv_heads: int
    vocab: int
    tied: bool  # tie_word_embeddings: no separate lm_head

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


SHAPES = {  # from the models' config.json files
    "qwen2-1.5b": Shape("Qwen/Qwen2-1.5B-Instruct", 28, 1536, 8960, 12, 2, 151936, True),
    "r1-qwen-7b": Shape("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", 28, 3584, 18944, 28, 4, 152064, False),
    "r1-qwen-14b": Shape("deepseek-ai/DeepSeek-R1-Distill-Qwen-14B", 48, 5120, 13824, 40, 8, 152064, False),
}


def tensor_shapes(s: Shape) -> dict[str, tuple[int, ...]]:
    """Every tensor of a Qwen2 checkpoint, in the order HF writes them."""
    kv = s.kv_heads * s.head_dim
    out: dict[str, tuple[int, ...]] = {"model.embed_tokens.weight": (s.vocab, s.hidden)}
    for i in range(s.layers):
        p = f"model.layers.{i}."
        out.update({
            p + "input_layernorm.weight": (s.hidden,),
            p + "self_attn.q_proj.weight": (s.hidden, s.hidden), p + "self_attn.q_proj.bias": (s.hidden,),
            p + "self_attn.k_proj.weight": (kv, s.hidden), p + "self_attn.k_proj.bias": (kv,),
            p + "self_attn.v_proj.weight": (kv, s.hidden), p + "self_attn.v_proj.bias": (kv,),
            p + "self_attn.o_proj.weight": (s.hidden, s.hidden),
            p + "post_attention_layernorm.weight": (s.hidden,),
            p + "mlp.gate_proj.weight": (s.intermediate, s.hidden), p + "mlp.up_proj.weight": (s.intermediate, s.hidden),
            p + "mlp.down_proj.weight": (s.hidden, s.intermediate),
        })
    out["model.norm.weight"] = (s.hidden,)
    if not s.tied:
        out["lm_head.weight"] = (s.vocab, s.hidden)
    return out


def _numel(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def write_pair(shape: Shape, root: Path, shard_gb: float, seed: int) -> None:
    """Base and fine-tuned checkpoints under ``root/base`` and ``root/ft`` (sharded, with an index)."""
    import torch
    from safetensors.torch import save_file

    marker = root / "COMPLETE.json"
    settings = {"shape": asdict(shape), "shard_gb": shard_gb, "seed": seed, "version": 1}
    if marker.is_file() and json.loads(marker.read_text()) == settings:
        return
    for sub in ("base", "ft"):
        (root / sub).mkdir(parents=True, exist_ok=True)
        for f in (root / sub).glob("*.safetensors"):
            f.unlink()
    g = torch.Generator().manual_seed(seed)
    shapes = tensor_shapes(shape)
    limit = int(shard_gb * GB)
    shards: list[list[str]] = [[]]
    size = 0
    for name, shp in shapes.items():
        nbytes = 2 * _numel(shp)
        if shards[-1] and size + nbytes > limit:
            shards.append([])
            size = 0
        shards[-1].append(name)
        size += nbytes
    n = len(shards)
    weight_map = {}
    t0 = time.time()
    for i, names in enumerate(shards, 1):
        fname = f"model-{i:05d}-of-{n:05d}.safetensors"
        base, ft = {}, {}
        for name in names:
            shp = shapes[name]
            w0 = torch.randn(shp, generator=g) * 0.02
            if len(shp) == 2 and "_proj" in name:
                # A rank-64 update with a decaying spectrum, about 5% of W_I's scale at the top.
                r = 64
                s = torch.logspace(0, -1.5, r) * 2e-3
                a = torch.randn(shp[0], r, generator=g) / shp[0] ** 0.5
                b = torch.randn(r, shp[1], generator=g)
                dw = (a * s) @ b
                base[name] = w0.to(torch.bfloat16)
                ft[name] = (w0 + dw).to(torch.bfloat16)
                del dw
            else:  # embeddings, norms, biases: unchanged (the passes never read them)
                base[name] = ft[name] = w0.to(torch.bfloat16)
            del w0
            weight_map[name] = fname
        for sub, tensors in (("base", base), ("ft", ft)):
            path = root / sub / fname
            save_file(tensors, str(path), metadata={"format": "pt"})
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
        del base, ft
        print(f"  wrote shard {i}/{n} ({time.time() - t0:.0f} s)", flush=True)
    total = sum(2 * _numel(s) for s in shapes.values())
    for sub in ("base", "ft"):
        index = {"metadata": {"total_size": total}, "weight_map": weight_map}
        (root / sub / "model.safetensors.index.json").write_text(json.dumps(index, indent=2))
    marker.write_text(json.dumps(settings))


def drop_cache(files: list[Path]) -> None:
    """Evict the files from the page cache (clean pages; the files were fsynced when written)."""
    for f in files:
        fd = os.open(f, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def cpu_seconds() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(pass_name: str, root: Path, device: str | None, layers: int | None, threads: int | None) -> dict:
    """One measured pass, in this (fresh) process."""
    files = sorted((root / "base").glob("*.safetensors")) + sorted((root / "ft").glob("*.safetensors"))
    if pass_name == "raw":
        import torch  # imported as in the other passes, so peak memory compares like for like

        del torch
        drop_cache(files)
        t0, c0 = time.perf_counter(), cpu_seconds()
        nbytes = 0
        buf = bytearray(16 << 20)
        view = memoryview(buf)
        for f in files:
            with open(f, "rb", buffering=0) as fh:
                while n := fh.readinto(view):
                    nbytes += n
        seconds = time.perf_counter() - t0
        return {"pass": "raw", "bytes_read": nbytes, "seconds": seconds, "bytes_per_s": nbytes / seconds,
                "cpu_s": cpu_seconds() - c0, "peak_rss": peak_rss_bytes()}
    if pass_name in ("check", "load"):
        return _check_or_load(pass_name, files)
    import torch

    from repro.geometry.analysis import overlap_pass, stable_rank_pass

    if threads:
        torch.set_num_threads(threads)
    drop_cache(files)
    keep = set(range(layers)) if layers else None
    t0, c0 = time.perf_counter(), cpu_seconds()
    if pass_name == "fig1":
        rows, stats = stable_rank_pass(root / "base", root / "ft", lora=False, device=device, layers=keep)
        extra = {"stable_rank_median": sorted(r["stable_rank"] for r in rows)[len(rows) // 2],
                 "lanczos_iterations_mean": sum(r["spectral_iterations"] for r in rows) / len(rows)}
    else:
        rows, stats = overlap_pass(root / "base", root / "ft", lora=False, top_k=16, device=device, layers=keep)
        extra = {"m1_mean": sum(r["m1"] for r in rows) / len(rows)}
    seconds = time.perf_counter() - t0
    out = {"pass": pass_name, "bytes_read": stats["bytes_read"], "seconds": seconds, "cpu_s": cpu_seconds() - c0,
           "bytes_per_s": stats["bytes_read"] / seconds, "matrices": stats["matrices"], "device": stats["device"],
           "layers": layers or "all", "torch_threads": torch.get_num_threads(), "peak_rss": peak_rss_bytes(), **extra}
    if torch.cuda.is_available():
        out["peak_cuda_bytes"] = torch.cuda.max_memory_allocated()
    return out


def _check_or_load(pass_name: str, files: list[Path]) -> dict:
    """The content check of a step's inputs, or loading them, over both checkpoints' files (cold cache)."""
    import torch
    from safetensors import safe_open

    from repro.pipeline.integrity import content_digest

    drop_cache(files)
    t0, c0 = time.perf_counter(), cpu_seconds()
    for f in files:
        if pass_name == "check":
            content_digest(f)
        else:  # every tensor copied out of the mapped file into memory, as a model's weights are when loaded
            with safe_open(str(f), framework="pt") as sf:
                for name in sf.keys():
                    sf.get_tensor(name).clone()
    seconds = time.perf_counter() - t0
    nbytes = sum(f.stat().st_size for f in files)
    return {"pass": pass_name, "bytes_read": nbytes, "seconds": seconds, "bytes_per_s": nbytes / seconds,
            "cpu_s": cpu_seconds() - c0, "torch_threads": torch.get_num_threads(), "peak_rss": peak_rss_bytes()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=sorted(SHAPES), default="qwen2-1.5b")
    ap.add_argument("--workdir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "repro-geometry-bench")
    ap.add_argument("--passes", default="raw,fig1,fig7", help="comma-separated: raw, fig1, fig7, check, load")
    ap.add_argument("--fig7-layers", type=int, default=None, help="Fig. 7 pass over the first N layers only")
    ap.add_argument("--device", default=None, help="cuda / cpu (default: cuda when available)")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch intra-op threads for the passes (default: torch's; the passes' arithmetic is "
                         "memory-bound and a reader thread runs beside it, so fewer threads than cores can be faster)")
    ap.add_argument("--shard-gb", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--delete", action="store_true", help="remove the synthetic checkpoints afterwards")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    root = args.workdir / args.model
    if args.child:
        print(json.dumps(child(args.child, root, args.device, args.fig7_layers, args.threads)))
        return

    shape = SHAPES[args.model]
    shapes = tensor_shapes(shape)
    largest = max(2 * _numel(s) for s in shapes.values())
    print(f"{shape.name}: {len(shapes)} tensors, {sum(2 * _numel(s) for s in shapes.values()) / GB:.2f} GiB per "
          f"checkpoint (bf16), largest tensor {largest / GB:.2f} GiB; files under {root}", flush=True)
    t0 = time.time()
    write_pair(shape, root, args.shard_gb, args.seed)
    print(f"synthetic pair ready ({time.time() - t0:.0f} s)", flush=True)
    results = []
    for p in args.passes.split(","):
        cmd = [sys.executable, __file__, "--model", args.model, "--workdir", str(args.workdir), "--child", p]
        if args.device:
            cmd += ["--device", args.device]
        if p == "fig7" and args.fig7_layers:
            cmd += ["--fig7-layers", str(args.fig7_layers)]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(
            Path(__file__).resolve().parents[1])})
        if proc.returncode != 0:
            sys.exit(f"pass {p} failed:\n{proc.stderr[-3000:]}")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        r["load_avg_1min_after"] = round(os.getloadavg()[0], 2)  # other users of a shared machine show here
        results.append(r)
        print(json.dumps(r), flush=True)
    raw = next((r for r in results if r["pass"] == "raw"), None)
    print(f"\n{'pass':6} {'layers':>6} {'wall s':>8} {'CPU s':>7} {'GiB read':>9} {'MB/s':>8} {'vs raw':>7} "
          f"{'peak RSS GiB':>13} {'- largest':>10}")
    for r in results:
        ratio = f"{r['bytes_per_s'] / raw['bytes_per_s']:.2f}" if raw else "-"
        print(f"{r['pass']:6} {str(r.get('layers', '')):>6} {r['seconds']:8.1f} {r['cpu_s']:7.1f} "
              f"{r['bytes_read'] / GB:9.2f} {r['bytes_per_s'] / 1e6:8.0f} {ratio:>7} {r['peak_rss'] / GB:13.2f} "
              f"{(r['peak_rss'] - largest) / GB:10.2f}")
    print(f"\nlargest single tensor: {largest / GB:.2f} GiB; machine: {os.cpu_count()} CPUs; "
          f"device: {next((r['device'] for r in results if 'device' in r), 'n/a')}; 1-min load average after "
          f"each pass: {[r['load_avg_1min_after'] for r in results]}")
    if args.json:
        args.json.write_text(json.dumps({"model": shape.name, "largest_tensor_bytes": largest, "results": results},
                                        indent=2))
    if args.delete:
        for sub in ("base", "ft"):
            for f in (root / sub).glob("*"):
                f.unlink()
        (root / "COMPLETE.json").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
