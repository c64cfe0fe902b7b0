"""Byte channels between the processes of the chain.

- scoring process <-> runner: length-prefixed frames on the runner's stdin/stdout
  (:func:`write_frame`, :func:`read_frame`), pickled jobs in, JSON out;
- runner <- supervisor <- program: one pipe each, written with :func:`write_all` and read with
  :func:`read_until` / :func:`read_nonblocking`.

Used by every process of the chain; standard library only."""

from __future__ import annotations

import os
import select
import struct
import time

_FRAME_HEADER = ">Q"  # big-endian unsigned 64-bit payload length
_FRAME_HEADER_BYTES = struct.calcsize(_FRAME_HEADER)
_CHUNK = 1 << 16  # bytes per read(2)


def write_frame(stream, data: bytes) -> None:
    stream.write(struct.pack(_FRAME_HEADER, len(data)) + data)
    stream.flush()


def read_frame(stream) -> bytes | None:
    """One frame, or None at end of stream or on a truncated frame."""
    head = stream.read(_FRAME_HEADER_BYTES)
    if len(head) < _FRAME_HEADER_BYTES:
        return None
    (n,) = struct.unpack(_FRAME_HEADER, head)
    data = stream.read(n)
    return data if len(data) == n else None


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def read_nonblocking(fd: int) -> bytes | None:
    """What a non-blocking ``fd`` holds now: bytes, ``b""`` at end of file, None if nothing yet."""
    try:
        return os.read(fd, _CHUNK)
    except BlockingIOError:
        return None


def read_until(fd: int, deadline: float, cap: int) -> tuple[bytes, bool]:
    """Read ``fd`` until end of file, ``deadline`` (monotonic) or ``cap`` bytes.
    Returns (data, whether end of file was reached)."""
    chunks, size = [], 0
    while size < cap:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"".join(chunks), False
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False
