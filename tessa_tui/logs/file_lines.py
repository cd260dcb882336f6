"""A file's complete lines between two byte offsets, read in slices with pread: the one line splitter the
whole-file index and its readers share, so they always agree where a line (and so a record) starts.

pread, not mmap: the mapped pages of a 1 GB file count as the process's resident memory once touched.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

READ_SIZE = 1024 * 1024
MAX_LINE = 64 * 1024
"""A longer line is kept to here (its rest skipped up to its newline): one record, not a run of fragments;
the follower cuts at 1 MiB, but the index only needs a line's head to place and scan it."""


def lines_between(
    handle: int, start: int, end: int, read_size: int = READ_SIZE, *, final: bool = False
) -> Iterator[tuple[int, bytes]]:
    """(offset, line without its newline) for every complete line that starts in [start, end); a last line
    without a newline before `end` is not yielded (it may still be growing) unless `final` (the file as it is
    now, for a reader that will not come back). A line is cut at MAX_LINE."""
    position = start
    carry = b""
    carry_at = start
    cut = False  # the carried line reached MAX_LINE: the rest of it is skipped
    while position < end:
        data = os.pread(handle, min(read_size, end - position), position)
        if not data:
            break
        parts = data.split(b"\n")
        tail = parts.pop()  # after the last newline: the start of a line still open
        at = position
        position += len(data)
        for n, part in enumerate(parts):
            if n == 0 and (carry or cut):
                line = carry if cut else (carry + part)[:MAX_LINE]
                yield carry_at, line.rstrip(b"\r")
                at += len(part) + 1
                carry, cut = b"", False
                continue
            yield at, (part if len(part) <= MAX_LINE else part[:MAX_LINE]).rstrip(b"\r")
            at += len(part) + 1
        if parts:
            carry, carry_at, cut = tail[:MAX_LINE], at, len(tail) > MAX_LINE
        elif not cut:
            carry += tail
            if len(carry) > MAX_LINE:
                carry, cut = carry[:MAX_LINE], True
    if final and carry:
        yield carry_at, carry.rstrip(b"\r")


def line_end(handle: int, offset: int, limit: int) -> int:
    """Just past the first newline at or after `offset` (before `limit`; `limit` when there is none): where a line
    yielded cut (MAX_LINE) or without its CR really ends."""
    position = offset
    while position < limit:
        data = os.pread(handle, min(256 if position == offset else READ_SIZE, limit - position), position)
        if not data:
            break
        newline = data.find(b"\n")
        if newline >= 0:
            return position + newline + 1
        position += len(data)
    return limit


def decode(line: bytes) -> str:
    """A line as text: invalid UTF-8 replaced, never an error."""
    return line.decode("utf-8", "replace")
