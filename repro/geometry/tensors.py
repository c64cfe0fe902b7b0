"""The tensors of a Hugging Face checkpoint directory, read one at a time.

A directory holds ``model.safetensors``, or shards listed by ``model.safetensors.index.json``, or a
PEFT ``adapter_model.safetensors``. Tensors are read with ``safetensors.safe_open`` per tensor, so
the file mapping (which counts as resident memory while it is mapped) never outlives the tensor;
``prefetch`` asks the kernel to start reading a tensor's bytes (``POSIX_FADV_WILLNEED``) while the
previous one is being computed on, which keeps the disk busy during the arithmetic.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from repro.errors import ReproError

WEIGHT_FILES = ("model.safetensors", "adapter_model.safetensors")
INDEX_FILE = "model.safetensors.index.json"


@dataclass(frozen=True)
class TensorEntry:
    name: str
    file: Path
    dtype: str  # safetensors dtype code: "BF16", "F32", ...
    shape: tuple[int, ...]
    begin: int  # absolute byte offset in the file
    end: int

    @property
    def nbytes(self) -> int:
        return self.end - self.begin


def read_header(path: Path) -> dict[str, TensorEntry]:
    """The tensor table of one safetensors file (8-byte little-endian header size, then JSON)."""
    try:
        with open(path, "rb") as f:
            (size,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(size))
    except (OSError, struct.error, json.JSONDecodeError) as exc:
        raise ReproError(f"cannot read the safetensors header of {path}: {type(exc).__name__}",
                         "the checkpoint is missing or truncated: rerun the step that wrote it") from None
    start = 8 + size
    return {name: TensorEntry(name, path, v["dtype"], tuple(v["shape"]), start + v["data_offsets"][0],
                              start + v["data_offsets"][1])
            for name, v in header.items() if name != "__metadata__"}


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class Checkpoint:
    """Name -> tensor of a checkpoint directory, without loading it."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        index = self.directory / INDEX_FILE
        if index.is_file():
            weight_map = json.loads(index.read_text())["weight_map"]
            files = sorted({self.directory / f for f in weight_map.values()})
        else:
            files = [self.directory / f for f in WEIGHT_FILES if (self.directory / f).is_file()][:1]
        if not files:
            raise ReproError(f"no safetensors weights in {self.directory}",
                             f"expected {' or '.join(WEIGHT_FILES)} or {INDEX_FILE}")
        self.entries: dict[str, TensorEntry] = {}
        for f in files:
            self.entries.update(read_header(f))
        self._fds: dict[Path, int] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.entries

    def names(self) -> list[str]:
        """Every tensor name, in on-disk order (file, then offset): reading in this order is sequential."""
        return sorted(self.entries, key=lambda n: (str(self.entries[n].file), self.entries[n].begin))

    def file_bytes(self) -> int:
        return sum(os.path.getsize(f) for f in {e.file for e in self.entries.values()})

    def files(self) -> list[Path]:
        return sorted({e.file for e in self.entries.values()})

    def read(self, name: str, device: str = "cpu"):
        """The tensor ``name`` in its stored dtype, on ``device``."""
        from safetensors import safe_open

        entry = self.entries.get(name)
        if entry is None:
            raise ReproError(f"tensor {name} is not in {self.directory}", "check that the checkpoints match")
        with safe_open(str(entry.file), framework="pt", device=str(device)) as f:
            return f.get_tensor(name)

    def prefetch(self, name: str) -> None:
        """Start reading ``name``'s bytes into the page cache in the background (a hint; never fails)."""
        entry = self.entries.get(name)
        if entry is None or not hasattr(os, "posix_fadvise"):
            return
        try:
            fd = self._fds.get(entry.file)
            if fd is None:
                fd = self._fds[entry.file] = os.open(entry.file, os.O_RDONLY)
            os.posix_fadvise(fd, entry.begin, entry.nbytes, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
