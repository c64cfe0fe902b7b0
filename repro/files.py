"""File-system helpers every layer uses: permissions as the umask gives them, writing a file atomically, and
replacing a directory whole.

``replace_dir`` swaps a finished directory into place so that a reader sees the old one or the new one, never a
mix or nothing, and two processes doing it at once both succeed (the last one's stays). On Linux it is one
``renameat2(RENAME_EXCHANGE)`` call; where the file system does not support it, a rename of the old directory
aside and of the new one into place, under a lock beside them.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import shutil
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _umask()


def share(path: Path, directory: bool = False) -> None:
    """Give ``path`` the permissions a plain open()/mkdir() would have (mkstemp and mkdtemp make them private)."""
    os.chmod(path, (0o777 if directory else 0o666) & ~UMASK)


def share_tree(root: Path) -> None:
    share(root, directory=True)
    for p in root.rglob("*"):
        share(p, directory=p.is_dir())


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temp file in the same directory and rename: readers see old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        share(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_libc = None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two existing paths; False where the system cannot."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    fn = getattr(_libc, "renameat2", None)
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def replace_dir(new: Path, target: Path) -> None:
    """Put directory ``new`` at ``target`` (same parent directory), replacing what is there; ``new`` is gone after."""
    share_tree(new)
    while True:
        try:
            os.rename(new, target)  # nothing there yet
            return
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR):
                raise
        if _exchange(new, target):
            shutil.rmtree(new)  # now the old one
            return
        with _side_lock(target):
            if not target.exists():
                continue
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / "dir")
            os.replace(new, target)
            shutil.rmtree(old)
            return


@contextlib.contextmanager
def _side_lock(target: Path):
    with open(target.parent / f".{target.name}.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def building(target: Path):
    """A fresh directory beside ``target`` to build in; when the block ends without error it replaces ``target``
    (``replace_dir``), on error it is removed and ``target`` is left as it was."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.build-", dir=target.parent))
    try:
        yield tmp
        replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
