"""The one error type users see: a single line naming the problem and the fix."""

from __future__ import annotations

import errno


class ReproError(Exception):
    """A user-facing failure. ``str(err)`` is one line: what is wrong, then how to fix it."""

    def __init__(self, problem: str, fix: str | None = None):
        self.problem = problem
        self.fix = fix
        super().__init__(problem if not fix else f"{problem} -- {fix}")

    def __reduce__(self):  # crosses process boundaries (worker pools) with both parts
        return type(self), (self.problem, self.fix)


_NO_SPACE = "No space left on device"


def fs_error(exc: BaseException, doing: str, where: object = None) -> ReproError | None:
    """The one-line error for a file-system condition met while ``doing`` something (a full disk, a read-only
    or unwritable directory), or None when ``exc`` is something else. Libraries that write through their own code
    (safetensors) report a full disk as their own exception type, with the system's message: ``where`` names the
    directory then."""
    if isinstance(exc, OSError) and exc.errno is not None:
        path = exc.filename or where or "the output directory"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return _full(path, doing)
        if exc.errno == errno.EROFS:
            return ReproError(f"{path} is on a read-only file system ({doing})",
                              "point REPRO_ARTIFACTS / REPRO_FIGURES at a writable directory, or remount it "
                              "read-write; finished steps are kept")
        if exc.errno in (errno.EACCES, errno.EPERM):
            return ReproError(f"permission denied: {path} ({doing})",
                              "make it writable for this user, or point REPRO_ARTIFACTS / REPRO_FIGURES at a "
                              "directory you own")
        return None
    if _NO_SPACE in str(exc):
        return _full(where or "the output directory", doing)
    return None


def _full(path: str, doing: str) -> ReproError:
    return ReproError(f"no space left on the device of {path} ({doing}); the step was not marked done",
                      "free some space or point REPRO_ARTIFACTS at a larger disk, then rerun: finished steps are kept")
