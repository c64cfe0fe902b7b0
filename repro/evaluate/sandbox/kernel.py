"""The Linux interfaces the sandbox calls: namespaces, mounts, prctl, capabilities, credentials, signals.

Thin wrappers over libc (through ctypes: Python 3.11 has no ``os.unshare`` or ``os.mount``), with
every flag and number named after its Linux UAPI header. Runs in the runner (level detection), the
supervisor (entering namespaces) and the program process (mounts, limits, dropping privileges); the
scoring process uses only :func:`kill_group`."""

from __future__ import annotations

import ctypes
import os
import signal
import struct

# unshare(2) flags: include/uapi/linux/sched.h
CLONE_NEWNS = 0x00020000  # mount namespace
CLONE_NEWUTS = 0x04000000  # hostname
CLONE_NEWIPC = 0x08000000  # System V IPC, POSIX message queues
CLONE_NEWUSER = 0x10000000  # user namespace (uid/gid maps, capabilities inside)
CLONE_NEWPID = 0x20000000  # pid namespace: the next child forked is its pid 1
CLONE_NEWNET = 0x40000000  # network namespace: only a loopback device, down
NS_FLAGS = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET

# mount(2) flags: include/uapi/linux/mount.h
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_BIND = 0x1000
MS_MOVE = 0x2000
MS_REC = 0x4000
MS_PRIVATE = 0x40000  # 1 << 18

# mount_setattr(2) (Linux 5.12): syscall number from arch/x86/entry/syscalls/syscall_64.tbl and
# include/uapi/asm-generic/unistd.h (aarch64); AT_* from include/uapi/linux/fcntl.h; MOUNT_ATTR_*
# and the size of struct mount_attr (MOUNT_ATTR_SIZE_VER0) from include/uapi/linux/mount.h.
SYS_MOUNT_SETATTR = {"x86_64": 442, "aarch64": 442}
AT_FDCWD = -100
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_SIZE_VER0 = 32  # struct mount_attr {u64 attr_set, attr_clr, propagation, userns_fd}

# prctl(2) options: include/uapi/linux/prctl.h
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38

# capset(2): include/uapi/linux/capability.h. Header {u32 version; int pid}; version 3 takes
# _LINUX_CAPABILITY_U32S_3 = 2 data structs {u32 effective, permitted, inheritable}.
LINUX_CAPABILITY_VERSION_3 = 0x20080522
LINUX_CAPABILITY_U32S_3 = 2
_CAP_DATA_BYTES = LINUX_CAPABILITY_U32S_3 * struct.calcsize("III")

_libc = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def check(rc: int, what: str) -> None:
    """Raise OSError with errno if a libc call returned non-zero."""
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int, what: str = "unshare") -> None:
    check(libc().unshare(flags), what)


def mount(source: bytes | None, target: bytes, fstype: bytes | None, flags: int, data: bytes | None) -> int:
    """mount(2); 0 on success, -1 with errno set (for best-effort steps)."""
    return libc().mount(source, target, fstype, flags, data)


def make_mounts_private() -> None:
    """Stop mount events propagating between this mount namespace and its parent's."""
    check(mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "private mounts")


def readonly_recursive(path: bytes = b"/") -> bool:
    """Make every mount under ``path`` read-only (mount_setattr with AT_RECURSIVE)."""
    nr = SYS_MOUNT_SETATTR.get(os.uname().machine)
    if nr is None:
        return False
    attr = ctypes.create_string_buffer(struct.pack("QQQQ", MOUNT_ATTR_RDONLY, 0, 0, 0))
    return libc().syscall(nr, AT_FDCWD, path, AT_RECURSIVE, attr, MOUNT_ATTR_SIZE_VER0) == 0


def expose(plan: list, stage: str) -> None:
    """Cover each closed directory of ``plan`` ([(closed directory, [paths under it])]) with a
    0755 tmpfs and bind only its listed paths back: bind them aside under ``stage``, mount the
    tmpfs, then move each bind back to its own path inside it."""
    staged = []
    for _, paths in plan:
        for path in paths:
            aside = os.path.join(stage, f".expose{len(staged)}")
            os.mkdir(aside)
            check(mount(path.encode(), aside.encode(), None, MS_BIND | MS_REC, None), f"bind {path}")
            staged.append((aside, path))
    for closed, _ in plan:
        check(mount(b"tmpfs", closed.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=0755,size=1m"),
              f"tmpfs over {closed}")
    for aside, path in staged:
        os.makedirs(path, mode=0o755, exist_ok=True)
        check(mount(aside.encode(), path.encode(), None, MS_MOVE, None), f"move {path}")
        os.rmdir(aside)


def prctl(option: int, arg: int) -> int:
    return libc().prctl(option, arg, 0, 0, 0)


def drop_capabilities() -> bool:
    """capset(2) with empty effective, permitted and inheritable sets, for this thread."""
    header = struct.pack("Ii", LINUX_CAPABILITY_VERSION_3, 0)  # pid 0: the calling thread
    data = bytes(_CAP_DATA_BYTES)
    return libc().capset(ctypes.c_char_p(header), ctypes.c_char_p(data)) == 0


def drop_to(uid: int) -> None:
    """Become ``uid`` (gid = uid, no supplementary groups) for good."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def stdio_to_devnull() -> None:
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(null, target)
    if null > 2:
        os.close(null)


def kill_group(pid: int) -> None:
    """SIGKILL the process group led by ``pid``, and ``pid`` itself if it left that group."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
