"""Following a log file like `tail -F`: rotation by rename or copytruncate, a file that appears later,
and a huge file joined at its end without being read whole."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from tessa_tui.base.regular_file import NotRegularFile, open_regular

START_WINDOW = 64 * 1024  # on start, show what the last 64 KiB hold
READ_BUDGET = 1024 * 1024  # per poll: a flood is read in slices (`behind` says more is waiting)
MAX_LINE = 1024 * 1024  # longer lines are cut here (the display cuts far earlier)
UNFINISHED_QUIET_S = 0.5  # a last line without a newline is shown once the file has been quiet this long


def decode_lines(lines: list[bytes]) -> list[str]:
    """Lines (without newlines) decoded, invalid UTF-8 replaced: in one call, not one per line (no invalid
    sequence takes a newline with it, so this is each line decoded on its own)."""
    if not lines:
        return []
    return b"\n".join(lines).decode("utf-8", errors="replace").split("\n")


class LineCutter:
    """Bytes arriving in pieces into complete lines; a line longer than MAX_LINE is cut there and the rest
    of it, up to its newline, dropped (one record, not a run of 1 MiB fragments)."""

    def __init__(self, pending: bytes = b"") -> None:
        self._partial = pending
        self._skipping = False
        self.sizes: list[int] | None = None
        """The bytes each line of the last split took in the stream, its newline included; None when that split
        cut or dropped part of a line (its lines are not the stream's lines one for one)."""

    def split(self, data: bytes) -> list[bytes]:
        buffer = self._partial + data
        *complete, partial = buffer.split(b"\n")
        exact = not self._skipping
        if self._skipping and complete:  # the cut line's end arrived: drop it
            complete.pop(0)
            self._skipping = False
        if self._skipping:
            partial = b""
        elif len(partial) > MAX_LINE:
            complete.append(partial[:MAX_LINE])
            partial, self._skipping, exact = b"", True, False
        self._partial = partial
        self.sizes = [len(line) + 1 for line in complete] if exact else None
        if len(buffer) <= MAX_LINE and b"\r" not in buffer:  # the common case: nothing to cut or strip
            return complete
        return [line[:MAX_LINE].rstrip(b"\r") for line in complete]

    def pending(self) -> bytes:
        """What has arrived of a line not yet ended by a newline (b"" while a cut line's rest is skipped)."""
        return b"" if self._skipping else self._partial

    def rest(self) -> bytes:
        """What is left without a newline (a command that exited mid-line)."""
        rest, self._partial = (b"" if self._skipping else self._partial), b""
        self._skipping = False
        return rest


@dataclass(frozen=True)
class LinesAt:
    """Where a poll's lines lie in the file: its inode, the first line's offset, each line's bytes (newline
    included), and how far the file had been read (the rest a line without its newline yet)."""

    inode: int
    start: int
    sizes: list[int]
    read_to: int
    at_end: bool = True
    """The read reached the file's end (it did not stop at its budget with more waiting)."""


@dataclass
class FileFollower:
    """Returns the complete new lines of a file on each `poll()`; never raises for a missing file."""

    path: Path
    start_at_end: bool = True
    start_offset: int | None = None
    """Where the first open starts reading (a record boundary: `tessa-tui logs -f` after printing up to it);
    None: the file's last START_WINDOW bytes (or its start, without `start_at_end`)."""
    _handle: int | None = None
    _inode: int | None = None
    _position: int = 0
    _cutter: LineCutter = field(default_factory=LineCutter)
    status: str = field(default="waiting for the file")
    error: str | None = None
    """Why the path cannot be followed though it exists (`/x is a FIFO, not a regular file`); None otherwise.
    The follower keeps trying: the path may become a regular file again."""
    behind: bool = False
    """The last poll stopped at READ_BUDGET with more to read: poll again soon rather than after a pause."""
    _grew_at: float = field(default_factory=time.monotonic)
    last_read: LinesAt | None = None
    """Where the last poll's lines are in the file, when they are its lines one for one (handed to the file's
    index, which then need not read them again): None after a rotation, a cut line, or a poll with no lines."""

    def poll(self) -> list[str]:
        """New complete lines since the last poll, decoded (invalid UTF-8 replaced); never blocks."""
        try:
            return decode_lines(self._poll())
        except OSError as exc:  # EIO on a failing disk, a path turned into a loop of symlinks ...
            self.close()
            self.status = f"cannot read {self.path}: {exc.strerror or exc}; retrying"
            return []

    def _poll(self) -> list[bytes]:
        lines: list[bytes] = []
        self.last_read = None
        if self._handle is None and not self._open(first=self._inode is None):
            return []
        assert self._handle is not None
        lines += self._read()
        try:
            current = os.stat(self.path)
        except OSError:  # removed (or no longer reachable): finish what was opened
            current = None
        if current is not None and current.st_ino != self._inode:
            # Rotated by rename: finish the old file, then read the new one from its start.
            lines += self._read()
            os.close(self._handle)
            self._handle = None
            if self._open(first=False):
                lines += self._read()
                self.status = "following (rotated)"
            self.last_read = None  # the lines of two files: none of them where one read says
        elif current is None:
            self.status = "file removed; waiting for it to come back"
        return lines

    def _open(self, *, first: bool) -> bool:
        try:
            handle = open_regular(self.path)  # non-blocking: a FIFO or a device is refused, never waited on
        except NotRegularFile as exc:
            self.error = self.status = f"cannot follow: {exc.strerror}"
            return False
        except OSError as exc:
            self.error = None
            self.status = f"waiting for the file ({exc.strerror})"
            return False
        self.error = None
        stat = os.fstat(handle)
        self._handle, self._inode, self._cutter = handle, stat.st_ino, LineCutter()
        if first and self.start_offset is not None:
            self._position = min(self.start_offset, stat.st_size)
            os.lseek(handle, self._position, os.SEEK_SET)
            self.status = "following"
            return True
        self._position = max(0, stat.st_size - START_WINDOW) if first and self.start_at_end else 0
        if self._position:
            os.lseek(handle, self._position, os.SEEK_SET)
            self._skip_to_line_start()
        self.status = "following"
        return True

    def _skip_to_line_start(self) -> None:
        assert self._handle is not None
        chunk = os.read(self._handle, 64 * 1024)
        newline = chunk.find(b"\n")
        self._position += len(chunk)
        self._cutter = LineCutter(chunk[newline + 1 :] if newline != -1 else b"")

    def _read(self) -> list[bytes]:
        assert self._handle is not None
        size = os.fstat(self._handle).st_size
        if size < self._position:  # truncated in place (copytruncate): start over
            os.lseek(self._handle, 0, os.SEEK_SET)
            self._position = 0
            self._cutter = LineCutter()
            self.status = "following (truncated)"
        line_start = self._position - len(self._cutter.pending())
        data = b""
        budget = READ_BUDGET
        while budget > 0:
            chunk = os.read(self._handle, min(budget, 1024 * 1024))
            if not chunk:
                break
            self._position += len(chunk)
            budget -= len(chunk)
            data += chunk
        self.behind = budget <= 0
        if data:
            self._grew_at = time.monotonic()
        lines = self._cutter.split(data)
        sizes = self._cutter.sizes
        if lines and sizes is not None and self._inode is not None:
            self.last_read = LinesAt(self._inode, line_start, sizes, self._position, not self.behind)
        return lines

    def unfinished(self, quiet_s: float = UNFINISHED_QUIET_S) -> str | None:
        """The last line when it has no newline yet and nothing arrived for `quiet_s` (a writer that crashed
        mid-line, a prompt, a final message without a newline): shown, and replaced if it grows."""
        pending = self._cutter.pending()
        if not pending or time.monotonic() - self._grew_at < quiet_s:
            return None
        return pending[:MAX_LINE].rstrip(b"\r").decode("utf-8", errors="replace")

    def close(self) -> None:
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None
