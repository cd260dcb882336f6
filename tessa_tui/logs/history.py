"""A file's records as the logs view pages through them: all of them (FileHistory) or the matches of a whole-file
filter (MatchHistory), by position; each knows the file's record ordinal at a position, for `n` / `N` and
`:goto`. Rows are read back from the file when drawn, a screen at a time, with a small cache."""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol

from tessa_tui.logs.file_index import FileIndex
from tessa_tui.logs.file_search import WholeFileSearch
from tessa_tui.logs.parse import Row

CACHE_ROWS = 2048


class History(Protocol):
    index: FileIndex

    def count(self) -> int: ...

    def rows(self, first: int, count: int) -> list[Row]: ...

    def ordinal(self, position: int) -> int:
        """The file's record ordinal shown at `position`."""
        ...

    def position(self, ordinal: int) -> int:
        """Where record `ordinal` is (or would be) shown."""
        ...


class _RowCache:
    """Parsed rows by record ordinal (a screen's worth read once, not once per frame), dropped when the file
    starts over."""

    def __init__(self, index: FileIndex) -> None:
        self.index = index
        self._rows: OrderedDict[int, Row] = OrderedDict()
        self._generation = index.generation

    def get(self, ordinals: list[int]) -> list[Row]:
        if self._generation != self.index.generation:
            self._rows.clear()
            self._generation = self.index.generation
        missing = [o for o in ordinals if o not in self._rows]
        while missing:  # consecutive runs are read in one go
            first = missing[0]
            run = 1
            while run < len(missing) and missing[run] == first + run:
                run += 1
            for offset, row in enumerate(self.index.rows(first, run)):
                self._rows[first + offset] = row
            missing = missing[run:]
        while len(self._rows) > CACHE_ROWS:
            self._rows.popitem(last=False)
        return [self._rows[o] for o in ordinals if o in self._rows]


class FileHistory:
    """Every record of the file, position = ordinal."""

    def __init__(self, index: FileIndex) -> None:
        self.index = index
        self._cache = _RowCache(index)

    def count(self) -> int:
        return self.index.count

    def rows(self, first: int, count: int) -> list[Row]:
        last = min(self.index.count, first + count)
        return self._cache.get(list(range(max(0, first), last)))

    def ordinal(self, position: int) -> int:
        return position

    def position(self, ordinal: int) -> int:
        return ordinal


class MatchHistory:
    """The records a whole-file filter matched, in file order."""

    def __init__(self, search: WholeFileSearch) -> None:
        self.search = search
        self.index = search.index
        self._cache = _RowCache(search.index)

    def count(self) -> int:
        return self.search.count()

    def rows(self, first: int, count: int) -> list[Row]:
        return self._cache.get(self.search.ordinals(first, count))

    def ordinal(self, position: int) -> int:
        found = self.search.ordinals(position, 1)
        return found[0] if found else self.index.count

    def position(self, ordinal: int) -> int:
        return self.search.position_of(ordinal)
