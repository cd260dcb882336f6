"""A log file's whole history, indexed in the background: where every record starts (a checkpoint every STRIDE
records), each record's level (one byte) and its minute, so `g`, `:goto`, whole-file search, level counts and
the per-minute histogram cover the whole file while memory stays about a byte per record.

`step()` indexes the next slice and is called by one background thread (tessa_tui.logs.index_worker); readers
(`rows`, `ordinal_at`, the counts) take a consistent snapshot under the lock and read the file themselves.
A truncated file (copytruncate) or one replaced by rotation starts a new generation, indexed from its start.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from array import array
from bisect import bisect_right
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import floordiv, itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from tessa_tui.base.regular_file import NotRegularFile, open_regular
from tessa_tui.logs.file_lines import MAX_LINE, decode, line_end, lines_between
from tessa_tui.logs.levels import LEVELS
from tessa_tui.logs.parse import MAX_RECORD, LogRecord, Row, row_of

if TYPE_CHECKING:
    from tessa_tui.logs.formats.log_format import Scan
    from tessa_tui.logs.ingest import LinesRead
    from tessa_tui.logs.levels import Level

STRIDE = 64
RECHOOSE_AT = 200
"""Records after which a file opened young (read line by line) has its format chosen again."""
"""Records per checkpoint: reading record n starts at checkpoint n // STRIDE (at most 63 records skipped)."""
SLICE = 1024 * 1024
"""Bytes indexed per step (what is indexed is seen a step at a time); the lock is never held while a slice is
read and scanned."""
SPAN_LIMIT = 32 * 1024 * 1024
"""At most this many bytes are read at once by a search's quick look (`span`)."""
FED_READS = 4
"""Follower reads waiting to be indexed (a few MiB at most; beyond these they go, and the index reads the file)."""
FED_S = 1.0
"""While a follower hands over what it reads, the index waits for it (this long at most) rather than read past it."""
HEAD_BYTES = 256
"""The file's first bytes, kept to notice it was truncated and written again past where the index had got."""
UNKNOWN = LEVELS.index("unknown")
LEVEL_CODE: dict[str, int] = {level: code for code, level in enumerate(LEVELS)}


Columns = tuple[list[int], list[int], list[float | None]]
"""Record heads as columns: their offsets, level codes and times."""
_LEVEL = itemgetter(0)
_WHEN = itemgetter(2)


def _columns(heads: list[tuple[int, int, float | None]]) -> Columns:
    if not heads:
        return [], [], []
    offsets, codes, whens = zip(*heads, strict=True)
    return list(offsets), list(codes), list(whens)


def _finite(when: float | None) -> bool:
    return when is not None and math.isfinite(when)


class RecordFormat(Protocol):
    """How a source's lines form records (tessa_tui.logs.formats): which line starts one, its level and time
    by a cheap scan, and the full parse of a whole record."""

    def head(self, line: str) -> tuple[Level, str, float | None] | None: ...

    def starts_record(self, line: str) -> bool: ...

    def scan(self, line: str) -> tuple[Level, str, float | None]: ...

    def parse(self, text: str, source: str) -> LogRecord: ...

    def next_line_level(self, line: str) -> Level: ...


@dataclass(frozen=True)
class IndexState:
    """A snapshot for the screen: how far the index got and what it counted."""

    generation: int
    records: int
    indexed_bytes: int
    size: int
    levels: tuple[int, ...]
    """Records per level, in LEVELS order."""
    error: str | None
    unfinished: int = 0
    """Bytes of a last line without a newline (not a record until it ends): the index is done without them."""
    looked: bool = True
    """The index has read the file at least once in this generation (before that its size is not known)."""

    @property
    def done(self) -> bool:
        return self.looked and self.indexed_bytes + self.unfinished >= self.size and self.error is None

    @property
    def percent(self) -> int:
        return 100 if self.size <= 0 else min(100, self.indexed_bytes * 100 // self.size)


class FileIndex:
    """The index of one log file; `step()` from one thread, everything else from any."""

    def __init__(self, path: Path, choose_format: Callable[[Path], RecordFormat], source: str = "") -> None:
        self.path = path
        self._choose_format = choose_format
        self.format = choose_format(path)
        """Chosen again whenever the file is (re)opened: a rotated file may be written differently."""
        self.source = source
        self._lock = threading.Lock()
        self._handle: int | None = None
        self._retired: list[int] = []
        self._closed = False
        self._inode: int | None = None
        self.generation = 0
        self._reset()
        self.error: str | None = None

    def _reset(self) -> None:
        self._fed: deque[LinesRead] = deque(maxlen=FED_READS)
        self._level_pending = False  # the last record's level is on a line still to come (java.util.logging)
        self._follower_end = math.inf  # where the last read a follower handed over ends, and when it came
        self._follower_seen = -math.inf
        self._rechosen = False
        self._indexed = 0  # bytes through the last complete line indexed
        self._size = 0
        self._looked = False
        self._count = 0
        self._levels = bytearray()
        self._offsets = array("q")  # where records 0, STRIDE, 2 * STRIDE ... start
        self._times = array("d")  # their time, or the last known before them (-inf before any)
        self._level_counts = [0] * len(LEVELS)
        self._minutes: dict[int, list[int]] = {}
        self._last_when = -math.inf
        self._unfinished = 0
        self._newest: tuple[float, str] | None = None  # the last timed head's time and its clock as written
        self._scanned_newest: tuple[float, str] | None = None  # the step's, committed with its heads
        self._head = b""  # the file's first bytes (HEAD_BYTES) as indexed

    # -- indexing (the background thread) --------------------------------------------------------------------

    def offer(self, read: LinesRead) -> None:
        """Lines a follower of this file has just read and scanned (any thread): indexed from them, not from the
        file, when they start where the index has got."""
        self._fed.append(read)

    def step(self) -> bool:
        """Index the next slice of the file (or what a follower handed over); True while more is waiting."""
        handle = self._current_handle()
        if handle is None:
            self._fed.clear()  # nothing to index them into: they are not kept meanwhile
            return False
        if self._fed and self._take_fed(handle):
            return bool(self._fed)
        if self._follower_end <= self._indexed and time.monotonic() - self._follower_seen < FED_S:
            # A follower reads the file up to here (or is catching up): it hands over what comes next, one look
            # at each line. Read ahead of it and its reads would all be behind the index, taken never.
            return False
        size = os.fstat(handle).st_size
        start = self._indexed
        end = min(size, start + SLICE)
        consumed = start
        head = self.format.head
        last: tuple[int, int] | None = None
        self._scanned_newest = None

        def scanned() -> Iterator[tuple[int, str, Scan | None]]:
            nonlocal last
            for offset, raw in lines_between(handle, start, end):
                line = decode(raw)
                last = offset, len(raw)
                # One look at each line: `head` is a head's scan, None for a line continuing the record before
                # it (starts_record then scan would match every head twice).
                yield offset, line, head(line)

        heads, late, pending = self._heads(scanned())
        if last is not None:  # a line cut at MAX_LINE (or without its CR) ends further on than what was yielded
            consumed = line_end(handle, last[0] + last[1], end)
        if consumed == start and end - start >= SLICE:
            consumed = self._skip_long_line(handle, start, size, heads)
            pending = pending and not heads
        # What is left without a newline is a line still being written: the index is done without it.
        unfinished = size - consumed if consumed == start or end >= size else 0
        if len(self._head) < HEAD_BYTES and consumed > len(self._head):
            self._head = os.pread(handle, min(HEAD_BYTES, consumed), 0)
        self._commit(_columns(heads), consumed, size, unfinished, late, pending)
        if not self._rechosen and self._count >= RECHOOSE_AT:
            self._rechoose()
        return consumed < size and consumed > start

    def _heads(
        self, lines: Iterable[tuple[int, str, Scan | None]]
    ) -> tuple[list[tuple[int, int, float | None]], int | None, bool]:
        """(offset, level code, epoch) of each record head among (offset, line, its head scan); the level of the
        record indexed last when these lines bring it (java.util.logging's second line, in the next read), and
        whether the last head's level is still to come."""
        heads: list[tuple[int, int, float | None]] = []
        scan = self.format.scan
        first = self._count == 0
        # java.util.logging's two-line records name their level on the second line, maybe in the next read.
        second_line = getattr(self.format, "level_on_next_line", False)
        level_pending = second_line and self._level_pending and not first
        late: int | None = None
        for offset, line, found in lines:
            if found is not None or first:
                level, clock, when = found if found is not None else scan(line)
                first = False
                heads.append((offset, LEVEL_CODE.get(level, UNKNOWN), when))
                level_pending = second_line and level == "unknown"
                if when is not None and math.isfinite(when):
                    self._scanned_newest = when, clock
            elif level_pending:
                level_pending = False
                code = LEVEL_CODE.get(self.format.next_line_level(line), UNKNOWN)
                if heads:
                    head_offset, _code, head_when = heads[-1]
                    heads[-1] = (head_offset, code, head_when)
                else:
                    late = code
        return heads, late, level_pending

    def _take_fed(self, handle: int) -> bool:
        """Index the handed-over lines that continue where the index has got; False when none do (they are of
        another file or format, behind it, or ahead of it: the index reads the file itself)."""
        while self._fed:
            read = self._fed.popleft()
            at = read.at
            if at.inode != self._inode or read.format is not self.format:
                continue
            if not len(at.sizes) == len(read.lines) == len(read.heads):
                continue  # not one read's lines (a bug upstream): never indexed as if they were
            self._follower_end, self._follower_seen = at.start + sum(at.sizes), time.monotonic()
            if max(at.sizes) > MAX_LINE:
                continue  # a longer line is cut, and scanned, differently here
            offset, skip = at.start, 0
            while offset < self._indexed and skip < len(at.sizes):
                offset += at.sizes[skip]
                skip += 1
            if offset != self._indexed or skip == len(at.sizes):
                continue  # ahead of the index, behind it, or not on its line boundaries
            offsets = list(accumulate(at.sizes[skip:], initial=offset))
            end = offsets.pop()
            self._scanned_newest = None
            scans = read.heads[skip:]
            if self._count == 0 or getattr(self.format, "level_on_next_line", False):
                heads, late, pending = self._heads(zip(offsets, read.lines[skip:], scans, strict=True))
                columns = _columns(heads)
            else:  # the common case, without _heads's first-line and second-line rules: in C as far as can be
                late, pending = None, False
                found = list(filter(None, scans))  # the heads' scans (a continuation's is None)
                code = LEVEL_CODE.get
                columns = (
                    list(compress(offsets, scans)),
                    [code(level, UNKNOWN) for level in map(_LEVEL, found)],
                    list(map(_WHEN, found)),
                )
                newest = next((scan for scan in reversed(found) if _finite(scan[2])), None)
                if newest is not None and newest[2] is not None:
                    self._scanned_newest = newest[2], newest[1]
            if len(self._head) < HEAD_BYTES and end > len(self._head):
                self._head = os.pread(handle, min(HEAD_BYTES, end), 0)
            # Indexed as far as the follower has read: the file as it was then when that read reached its end (what
            # is after `end` is a line still being written; a busy file has grown since, and is not "indexing"
            # for it), the file as it is now when the read stopped at its budget with more waiting.
            if at.at_end:
                size, unfinished = max(at.read_to, end), max(0, at.read_to - end)
            else:
                size, unfinished = max(os.fstat(handle).st_size, end), 0
            self._commit(columns, end, size, unfinished, late, pending)
            if not self._rechosen and self._count >= RECHOOSE_AT:
                self._rechoose()
            return True
        return False

    def _rechoose(self) -> None:
        """A file indexed line by line because it was young when opened: once it has RECHOOSE_AT records its
        format is chosen again, and the index starts over in it when that is another."""
        self._rechosen = True
        if getattr(self.format, "name", "") != "auto":
            return
        chosen = self._choose_format(self.path)
        if getattr(chosen, "name", "") != "auto":
            self._start_over(keep_handle=True)
            self.format = chosen
            self._rechosen = True

    def _skip_long_line(self, handle: int, start: int, size: int, heads: list[tuple[int, int, float | None]]) -> int:
        """A line longer than a slice: one record (its head scanned), indexed through its newline."""
        position = start + SLICE
        while position < size:
            data = os.pread(handle, SLICE, position)
            if not data:
                break
            newline = data.find(b"\n")
            if newline >= 0:
                head = decode(os.pread(handle, MAX_LINE, start).rstrip(b"\r"))  # as lines_between cuts it
                if (self._count == 0 and not heads) or self.format.starts_record(head):
                    level, clock, when = self.format.scan(head)
                    heads.append((start, LEVEL_CODE.get(level, UNKNOWN), when))
                    if when is not None and math.isfinite(when):
                        self._scanned_newest = when, clock
                return position + newline + 1
            position += len(data)
        return start  # no newline yet: the line is still being written

    def _commit(
        self,
        heads: Columns,
        consumed: int,
        size: int,
        unfinished: int,
        late: int | None = None,
        pending: bool = False,
    ) -> None:
        # Counted in C (map, compress, Counter) where it can be, not in a loop of statements per record: at 50k
        # lines a second that loop was a third of the index's time.
        head_offsets, codes, scanned = heads
        last = self._last_when
        if None in scanned or not all(map(math.isfinite, cast("list[float]", scanned))):
            # Rare: a record without a time (or a non-finite one) takes the last known before it.
            whens = [(last := when) if when is not None and when - when == 0 else last for when in scanned]
        else:
            whens = cast("list[float]", scanned)
            last = whens[-1] if whens else last
        first = -self._count % STRIDE  # the first head that starts a checkpoint
        offsets = head_offsets[first::STRIDE]
        by_level = Counter(codes)
        if whens and whens[0] != -math.inf:  # times carried forward: every record has one
            by_minute = Counter(zip(map(floordiv, whens, repeat(60)), codes, strict=True))
        else:
            by_minute = Counter(
                (when // 60, code) for when, code in zip(whens, codes, strict=True) if when != -math.inf
            )
        with self._lock:
            self._looked = True
            self._size = size
            self._unfinished = unfinished
            if self._scanned_newest is not None:
                self._newest = self._scanned_newest
            if late is not None and self._count:  # the record indexed last, its level read in this slice
                self._relevel(self._count - 1, late)
            self._level_pending = pending
            self._offsets.extend(offsets)
            self._times.extend(whens[first::STRIDE])
            self._levels.extend(codes)
            for code, records in by_level.items():
                self._level_counts[code] += records
            for (minute, code), records in by_minute.items():
                bucket = self._minutes.get(int(minute))
                if bucket is None:
                    bucket = self._minutes[int(minute)] = [0] * len(LEVELS)
                bucket[code] += records
            self._count += len(codes)
            self._last_when = last
            self._indexed = max(self._indexed, consumed)

    def _relevel(self, ordinal: int, code: int) -> None:
        """Record `ordinal` (the last indexed) is of level `code`: its byte and its counts moved (under the lock)."""
        old = self._levels[ordinal]
        if old == code:
            return
        self._levels[ordinal] = code
        self._level_counts[old] -= 1
        self._level_counts[code] += 1
        if self._last_when > -math.inf:
            bucket = self._minutes[int(self._last_when // 60)]
            bucket[old] -= 1
            bucket[code] += 1

    def _current_handle(self) -> int | None:
        """The open file, reopened after rotation and started over after truncation; None while it cannot be
        read (the reason in `error`)."""
        if self._closed:
            return None
        try:
            current = os.stat(self.path)
        except OSError as exc:
            if self._handle is None:
                self.error = f"cannot index: {exc.strerror or exc}"
            return self._handle  # removed: what was opened is still readable
        if self._handle is not None and current.st_ino != self._inode:
            self._start_over()
        if self._handle is None:
            try:
                self._handle = open_regular(self.path)
            except NotRegularFile as exc:
                self.error = f"cannot index: {exc.strerror}"
                return None
            except OSError as exc:
                self.error = f"cannot index: {exc.strerror or exc}"
                return None
            self._inode = os.fstat(self._handle).st_ino
            self.format = self._choose_format(self.path)
            self.error = None
        if os.fstat(self._handle).st_size < self._indexed or self._rewritten(self._handle):
            self._start_over(keep_handle=True)  # copytruncate: the file starts again
        return self._handle

    def _rewritten(self, handle: int) -> bool:
        """Truncated and written again up to (or past) where the index had got before it looked: where the
        index stopped is no longer just after a newline, or the file's first bytes are not what they were."""
        if self._indexed == 0:
            return False
        if os.pread(handle, 1, self._indexed - 1) != b"\n":
            return True
        return bool(self._head) and os.pread(handle, len(self._head), 0) != self._head

    def _start_over(self, *, keep_handle: bool = False) -> None:
        with self._lock:
            if not keep_handle and self._handle is not None:
                # Not closed yet: a reader may be reading it right now, and a closed descriptor's number is
                # soon another file's. The oldest go once a few rotations have passed.
                self._retired.append(self._handle)
                self._handle = None
                while len(self._retired) > 4:
                    os.close(self._retired.pop(0))
            self.generation += 1
            self._reset()

    def close(self) -> None:
        """Close the file for good: a step after this (a worker that outlived its stop) does not reopen it."""
        with self._lock:
            self._closed = True
            for handle in [*self._retired, *([self._handle] if self._handle is not None else [])]:
                os.close(handle)
            self._retired.clear()
            self._handle = None

    # -- reading (any thread) ----------------------------------------------------------------------------------

    def state(self) -> IndexState:
        with self._lock:
            return IndexState(
                self.generation,
                self._count,
                self._indexed,
                self._size,
                tuple(self._level_counts),
                self.error,
                self._unfinished,
                self._looked,
            )

    @property
    def count(self) -> int:
        return self._count

    def level_of(self, ordinal: int) -> str:
        return LEVELS[self._levels[ordinal]] if 0 <= ordinal < self._count else "unknown"

    def rows(self, first: int, count: int) -> list[Row]:
        """Records [first, first + count) fully parsed (sanitised, secrets masked), as the view stores them."""
        from tessa_tui.logs.ingest import masked_rows

        texts = self.texts(first, count)
        parse, source = self.format.parse, self.source
        return masked_rows([row_of(parse(text, source)) for _ordinal, text in texts])

    def texts(self, first: int, count: int) -> list[tuple[int, str]]:
        """(ordinal, raw text joined by newlines) of records [first, first + count) of the current generation."""
        return list(self.iter_texts(first, first + count))

    def iter_texts(self, first: int, last: int) -> Iterator[tuple[int, str]]:
        """(ordinal, raw text) of records [first, last), one at a time (a search holds one record, not a slice)."""
        with self._lock:
            first = max(0, first)
            last = min(self._count, last)
            if first >= last or self._handle is None:
                return
            handle, start, end = self._handle, self._offsets[first // STRIDE], self._indexed
            ordinal = (first // STRIDE) * STRIDE - 1
        parts: list[str] = []
        size = 0
        starts_record = self.format.starts_record
        for offset, raw in lines_between(handle, start, end):
            line = decode(raw)
            if offset == start or starts_record(line):
                if parts:
                    yield ordinal, "\n".join(parts)
                    parts = []
                ordinal += 1
                if ordinal >= last:
                    return
                if ordinal >= first:
                    parts, size = [line], len(line)
            elif parts and size < MAX_RECORD:
                parts.append(line)
                size += len(line) + 1
        if parts:
            yield ordinal, "\n".join(parts)

    def span(self, first: int, checkpoints: int) -> tuple[int, int, bytes, bytes] | None:
        """The raw bytes of whole checkpoints [first // STRIDE, + checkpoints) when they are complete (their end is
        the next checkpoint's start), with their records' level codes: (first ordinal, end ordinal, bytes,
        levels). None when that stretch reaches the file's last records (read them with `texts`)."""
        with self._lock:
            start_checkpoint = first // STRIDE
            # Only complete checkpoints (the next one's start is their end): fewer when the index has not got
            # further, so a search that keeps up with the index still skips a slice on its raw bytes.
            end_checkpoint = min(start_checkpoint + checkpoints, len(self._offsets) - 1)
            if end_checkpoint <= start_checkpoint or self._handle is None:
                return None
            start, end = self._offsets[start_checkpoint], self._offsets[end_checkpoint]
            if end - start > SPAN_LIMIT:
                return None
            handle = self._handle
            first_ordinal, end_ordinal = start_checkpoint * STRIDE, end_checkpoint * STRIDE
            levels = bytes(self._levels[first_ordinal:end_ordinal])
        return first_ordinal, end_ordinal, os.pread(handle, end - start, start), levels

    def ordinal_at(self, when: float) -> int:
        """The first record at or after `when` (epoch seconds); the count when every record is before it."""
        with self._lock:
            checkpoint = max(0, bisect_right(self._times, when) - 1)
            count = self._count
        first = checkpoint * STRIDE
        while first < count:
            texts = self.texts(first, STRIDE * 2)
            if not texts:
                break
            for ordinal, text in texts:
                _level, _clock, moment = self.format.scan(text.partition("\n")[0])
                if moment is not None and moment >= when:
                    return ordinal
            first = texts[-1][0] + 1
        return count

    def starts_after(self, when: float) -> bool:
        """The file's first timed record is later than `when` (by more than a second)."""
        for _ordinal, text in self.texts(0, STRIDE):
            _level, _clock, moment = self.format.scan(text.partition("\n")[0])
            if moment is not None:
                return moment > when + 1
        return False

    def newest_time(self) -> tuple[float, str] | None:
        """The time of the file's newest timed record and its time of day as written, for `:goto HH:MM`: the
        index's once it has read the whole file, else from the file's end (indexed yet or not), else the
        newest the index has seen."""
        from tessa_tui.logs.file_records import newest_time

        with self._lock:
            handle, size, newest = self._handle, self._size, self._newest
            indexed = self._indexed + self._unfinished >= size
        if handle is None:
            return None
        if indexed and newest is not None:
            return newest
        return newest_time(handle, self.format, size) or newest

    def minutes(self) -> dict[int, tuple[int, ...]]:
        """Records per level for each minute (epoch minute → counts in LEVELS order)."""
        with self._lock:
            return {minute: tuple(counts) for minute, counts in self._minutes.items()}

    def memory_bytes(self) -> tuple[int, int]:
        """What the index itself holds, for the memory budget's test: (by record: its arrays, by minute: the
        histogram)."""
        with self._lock:
            by_record = sys.getsizeof(self._levels) + sys.getsizeof(self._offsets) + sys.getsizeof(self._times)
            by_minute = sys.getsizeof(self._minutes) + sum(
                sys.getsizeof(counts) + 8 * len(counts) for counts in self._minutes.values()
            )
            return by_record, by_minute
