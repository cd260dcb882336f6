"""Opening files a user named (config, runbooks, logs) that must be regular files, without ever blocking.

`open()` on a FIFO waits for a writer, `/dev/zero` never ends and a directory cannot be read: each of those is
refused here with a one-line reason naming the path. The descriptor is opened non-blocking and checked with
fstat (what was opened, not what a racy stat saw before), and a size cap counts the bytes actually read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFile(OSError):
    """The path exists but is not a regular file (or cannot be opened as one); `reason` says what it is."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(errno.EINVAL, f"{path} {reason}")
        self.reason = reason


class FileTooLarge(OSError):
    """More than the cap was read."""

    def __init__(self, path: Path | str, cap: int) -> None:
        super().__init__(errno.EFBIG, f"{path} is over {cap:,} bytes")
        self.cap = cap


def kind_of(mode: int) -> str:
    """What a file of this st_mode is, for a message: `a FIFO`, `a directory` ... or `a special file`."""
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def open_regular(path: Path | str) -> int:
    """A read-only, non-blocking descriptor of the regular file at `path` (symlinks followed).

    Raises NotRegularFile for FIFOs, devices, sockets and directories (and a NUL in the path), and OSError
    (FileNotFoundError, PermissionError ...) when it cannot be opened at all.
    """
    if "\0" in str(path):
        raise NotRegularFile(path, "is not a usable path (it contains a NUL character)")
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a unix socket (or a device without its driver) cannot be opened
            try:
                mode = os.stat(path).st_mode  # only to name what it is; the open already failed
            except OSError:
                raise exc from None
            raise NotRegularFile(path, f"is {kind_of(mode)}, not a regular file") from None
        raise
    try:
        mode = os.fstat(handle).st_mode
    except OSError:
        os.close(handle)
        raise
    if not stat.S_ISREG(mode):
        os.close(handle)
        raise NotRegularFile(path, f"is {kind_of(mode)}, not a regular file")
    return handle


def read_regular(path: Path | str, cap: int) -> bytes:
    """The whole content of the regular file at `path`; FileTooLarge past `cap` bytes (at most cap + 1 read)."""
    handle = open_regular(path)
    try:
        chunks: list[bytes] = []
        left = cap + 1
        while left > 0:
            chunk = os.read(handle, min(left, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(handle)
    if left <= 0:
        raise FileTooLarge(path, cap)
    return b"".join(chunks)
