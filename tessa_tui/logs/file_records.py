"""A log file's records read straight from disk for `tessa-tui logs NAME`: all of them in order, the last N (found
reading backwards from the end), or those from a time on (found by bisecting the file by byte offset), without
holding more than one record at a time."""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import accumulate

from tessa_tui.base.sanitize import sanitize
from tessa_tui.logs.file_index import RecordFormat
from tessa_tui.logs.file_lines import MAX_LINE, READ_SIZE, decode, lines_between
from tessa_tui.logs.parse import MAX_RECORD, Row


def record_texts(handle: int, fmt: RecordFormat, start: int, end: int, *, final: bool = False) -> Iterator[str]:
    """The raw text (lines joined by newlines) of every record whose head starts in [start, end); a last line
    without a newline is left out (it may still be being written) unless `final`. The line at `start` opens a
    record whatever it looks like."""
    parts: list[str] = []
    size = 0
    for offset, raw in lines_between(handle, start, end, final=final):
        line = decode(raw)
        if offset == start or fmt.starts_record(line):
            if parts:
                yield "\n".join(parts)
            parts, size = [line], len(line)
        elif size < MAX_RECORD:
            parts.append(line)
            size += len(line) + 1
    if parts:
        yield "\n".join(parts)


def quick_row(fmt: RecordFormat, text: str, source: str) -> Row:
    """A record as the view stores it from the cheap scan of its head alone: enough to filter and to print its
    text; `fmt.parse` only for what is shown parsed (`--json`, the detail view)."""
    level, clock, when = fmt.scan(text.partition("\n")[0])
    return (level, clock, sanitize(text, keep_newlines=True), "", when, source)


def start_of_last(handle: int, fmt: RecordFormat, count: int, end: int) -> int:
    """Where the last `count` records of [0, end) begin: read backwards a slice at a time, counting heads (a
    count, not a list: `--tail 999999999` on 20M records holds one slice)."""
    if count <= 0:
        return end
    later = 0  # heads found after `position`
    position = end  # every line start after it has been looked at
    following = b""  # the start of the slice after this one: the rest of a line crossing into it
    while position > 0:
        start = max(0, position - READ_SIZE)
        data = os.pread(handle, position - start, start)
        # The lines that start in this slice: after each of its newlines (and at the file's start); the first
        # part began further back. None when the slice is inside one long line.
        parts = data.split(b"\n")
        offsets = list(accumulate((len(part) + 1 for part in parts[:-1]), initial=start))
        for n in range(len(parts) - 1, 0 if start > 0 else -1, -1):
            at = offsets[n]
            if at >= end:
                continue
            line = parts[n][:MAX_LINE]
            if n == len(parts) - 1 and len(line) < MAX_LINE:  # it goes on into the slice after
                line = (line + following)[:MAX_LINE]
                if b"\n" not in line and len(line) < MAX_LINE and len(following) < MAX_LINE:
                    line = os.pread(handle, MAX_LINE, at)
                line = line.partition(b"\n")[0]
            if fmt.starts_record(decode(line.rstrip(b"\r"))):
                later += 1
                if later >= count:
                    return at
        following = data[:MAX_LINE]
        position = start
    return 0


def _first_line_start(handle: int, start: int) -> int:
    """The offset just after the first newline at or after `start` (a slice's first complete line)."""
    position = start
    while True:
        data = os.pread(handle, READ_SIZE, position)
        if not data:
            return position
        newline = data.find(b"\n")
        if newline >= 0:
            return position + newline + 1
        position += len(data)


def start_of_time(handle: int, fmt: RecordFormat, when: float, end: int) -> int:
    """Where the first record at or after `when` begins, by bisecting [0, end) on the first timed head after a
    byte offset (logs are written in time order; a record out of order moves the answer by little)."""
    low, high = 0, end
    while high - low > READ_SIZE:
        middle = (low + high) // 2
        moment = _first_time_after(handle, fmt, middle, end)
        if moment is None or moment >= when:
            high = middle
        else:
            low = middle
    for offset, raw in lines_between(handle, _first_line_start(handle, low) if low else 0, end):
        line = decode(raw)
        if fmt.starts_record(line):
            _level, _clock, moment = fmt.scan(line)
            if moment is not None and moment >= when:
                return offset
    return end


def _first_time_after(handle: int, fmt: RecordFormat, offset: int, end: int) -> float | None:
    for _offset, raw in lines_between(handle, _first_line_start(handle, offset), min(end, offset + 4 * READ_SIZE)):
        line = decode(raw)
        if fmt.starts_record(line):
            _level, _clock, moment = fmt.scan(line)
            if moment is not None:
                return moment
    return None


def newest_time(handle: int, fmt: RecordFormat, end: int) -> tuple[float, str] | None:
    """The time of the newest timed record head in the file's last 64 KiB, and its time of day as written."""
    start = max(0, end - 64 * 1024)
    lines = list(lines_between(handle, start, end, final=True))
    if start > 0:  # the window may begin inside a long last record (a JSON payload, a dump): its head too
        head_at = complete_end(handle, start)
        if head_at < start:
            head = os.pread(handle, min(MAX_LINE, end - head_at), head_at)
            lines.insert(0, (head_at, head[: head.find(b"\n")] if b"\n" in head else head))
            lines = [(offset, raw) for offset, raw in lines if offset == head_at or offset > start]
    for _offset, raw in reversed(lines):
        line = decode(raw.rstrip(b"\r"))
        if fmt.starts_record(line):
            _level, clock, moment = fmt.scan(line)
            if moment is not None:
                return moment, clock
    return None


def complete_end(handle: int, size: int) -> int:
    """Just after the file's last newline (before `size`): where a follower goes on, so a last line still being
    written is read whole when it is done."""
    position = size
    while position > 0:
        start = max(0, position - READ_SIZE)
        data = os.pread(handle, position - start, start)
        newline = data.rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        position = start
    return 0
