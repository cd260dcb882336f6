"""The `/` filter over a whole indexed file: the ordinals of the records that match, found in the background a
slice at a time, counted as they are found, and kept up as the file grows.

A slice whose raw text cannot hold a match (a word that is not in it, no record of the level asked for) is
skipped without splitting it into records: a rare word is found in a 1 GB file at the speed of reading it.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from tessa_tui.base import secret_registry
from tessa_tui.base.sanitize import sanitize
from tessa_tui.logs.file_index import STRIDE, UNKNOWN, FileIndex
from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.levels import LEVELS
from tessa_tui.logs.parse import Row

CHECKPOINTS_PER_STEP = 256
"""A step looks at this many checkpoints (16,384 records) before it lets the index thread do other work."""
_ANCHORS = ("^", "$", "\\A", "\\z", "\\b", "\\B")


@dataclass(frozen=True)
class SearchState:
    matches: int
    scanned: int
    """Records looked at (of the index's count)."""
    records: int
    generation: int

    @property
    def done(self) -> bool:
        return self.scanned >= self.records


class WholeFileSearch:
    """One filter's matches in one file's index; `step()` from the index thread, the rest from any."""

    def __init__(self, index: FileIndex, line_filter: LineFilter) -> None:
        self.index = index
        self.filter = line_filter
        self.generation = index.generation
        self._lock = threading.Lock()
        self._matches = array("I")
        self._next = 0
        self._words = self._telling_words(line_filter, index.source)
        self._pattern_quick = (
            line_filter.pattern is not None
            and not line_filter.invert
            and not any(a in line_filter.text for a in _ANCHORS)
            and "\\\\" not in line_filter.text  # a pattern for an escaped control character: sanitised text only
        )

    @staticmethod
    def _telling_words(line_filter: LineFilter, source: str) -> tuple[str, ...]:
        """Words whose absence from a slice's text rules it out: not inverted, not part of a level name or the
        source's name (those match a record's columns, not its text), and without a backslash (`\\e`, `\\x07`
        exist only in the sanitised text a record is matched on, not in the raw bytes a slice is looked at in)."""
        if line_filter.invert:
            return ()
        columns = " ".join((*LEVELS, source.lower()))
        return tuple(word for word in line_filter.words if word not in columns and "\\" not in word)

    def stale(self) -> bool:
        """The file started over (truncated or rotated): this search's ordinals mean nothing now."""
        return self.generation != self.index.generation

    def restart(self) -> None:
        """The same filter over the file as it is now (it started over): in place, so the view showing these
        matches shows the new file's, not the old ordinals read in the new file. From the index thread."""
        with self._lock:
            self.generation = self.index.generation
            self._matches = array("I")
            self._next = 0

    def state(self) -> SearchState:
        with self._lock:
            return SearchState(len(self._matches), self._next, self.index.count, self.generation)

    def step(self) -> bool:
        """Look at the next slice of records; True while records are waiting to be looked at."""
        if self.stale():
            return False
        first = self._next
        found: list[int] = []
        span = self.index.span(first, CHECKPOINTS_PER_STEP) if first % STRIDE == 0 else None
        if span is not None:
            _first, end, data, levels = span
            if not self._might_match(data, levels):
                self._advance(end, found)
                return True
        elif first % STRIDE:  # up to the next checkpoint, from where the next step can skip on raw bytes
            end = min(self.index.count, first - first % STRIDE + STRIDE)
        else:
            end = min(self.index.count, first + CHECKPOINTS_PER_STEP * STRIDE)
        from tessa_tui.logs.ingest import masked_rows

        secrets = secret_registry.active()
        source = self.index.source
        matches = self.filter.matches
        level_of = self.index.level_of
        for ordinal, text in self.index.iter_texts(first, end):
            row: Row = (level_of(ordinal), "", sanitize(text, keep_newlines=True), "", None, source)
            if secrets:  # masked as it is shown (JSON judged decoded): a search is no oracle for a secret
                (row,) = masked_rows([row])
            if matches(row):
                found.append(ordinal)
        self._advance(end, found)
        return end < self.index.count

    def _might_match(self, data: bytes, levels: bytes) -> bool:
        line_filter = self.filter
        if line_filter.invert:
            return True
        if line_filter.min_level is not None and not any(
            UNKNOWN > code >= line_filter.min_level for code in set(levels)
        ):
            return False
        if self._words or self._pattern_quick:
            text = data.decode("utf-8", "replace")
            lowered = text.lower()
            if any(word not in lowered for word in self._words):
                return False
            if self._pattern_quick and line_filter.pattern is not None and line_filter.pattern.search(text) is None:
                return False
        return True

    def _advance(self, end: int, found: list[int]) -> None:
        with self._lock:
            self._matches.extend(found)
            self._next = max(self._next, end)

    # -- reading (any thread) ----------------------------------------------------------------------------------

    def count(self) -> int:
        with self._lock:
            return len(self._matches)

    def ordinals(self, first: int, count: int) -> list[int]:
        """Matches [first, first + count) in file order."""
        with self._lock:
            return self._matches[max(0, first) : max(0, first + count)].tolist()

    def position_of(self, ordinal: int) -> int:
        """How many matches come before record `ordinal` (where it would go in the list)."""
        with self._lock:
            return bisect_left(self._matches, ordinal)

    def after(self, ordinal: int) -> int | None:
        """The first match after record `ordinal`; None when there is none (yet)."""
        with self._lock:
            at = bisect_right(self._matches, ordinal)
            return self._matches[at] if at < len(self._matches) else None

    def before(self, ordinal: int) -> int | None:
        """The last match before record `ordinal`; None when there is none."""
        with self._lock:
            at = bisect_left(self._matches, ordinal)
            return self._matches[at - 1] if at > 0 else None
