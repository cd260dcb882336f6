"""One background thread that indexes a pane's log files and runs their whole-file searches, a slice at a time,
so the event loop never waits for either. A fault in one file's index is that file's error (and the crash log),
never another's; a file that is not growing is looked at four times a second."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tessa_tui.base.isolate import internal_reason
from tessa_tui.logs.file_index import FileIndex
from tessa_tui.logs.file_search import WholeFileSearch
from tessa_tui.logs.filter import LineFilter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tessa_tui.logs.ingest import LinesRead

IDLE_S = 0.25
FAULT_S = 5.0


class IndexWorker:
    """Indexes `indexes` until stopped; `search()` sets or clears one source's whole-file filter."""

    def __init__(self, indexes: dict[str, FileIndex], *, on_fault: Callable[[str, str], None] | None = None) -> None:
        self.indexes = indexes
        self._searches: dict[str, WholeFileSearch] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._faulty: dict[str, int] = {}
        self._on_fault = on_fault

    def start(self) -> None:
        if self._thread is None and self.indexes:
            self._thread = threading.Thread(target=self._run, name="log-index", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for index in self.indexes.values():
            index.close()

    def feed(self, source: str, read: LinesRead) -> None:
        """Lines a follower of `source`'s file has read and scanned (any thread): indexed from them, at once."""
        index = self.indexes.get(source)
        if index is not None:
            index.offer(read)
            self._wake.set()

    def search(self, source: str, line_filter: LineFilter | None) -> WholeFileSearch | None:
        """Start (or stop, with None) the whole-file filter of `source`'s index; the search to read from."""
        index = self.indexes.get(source)
        with self._lock:
            if index is None or line_filter is None:
                self._searches.pop(source, None)
                return None
            search = WholeFileSearch(index, line_filter)
            self._searches[source] = search
        self._wake.set()
        return search

    def current_search(self, source: str) -> WholeFileSearch | None:
        with self._lock:
            return self._searches.get(source)

    def _run(self) -> None:
        while not self._stop.is_set():
            busy = False
            for name, index in self.indexes.items():
                busy |= self._guarded(name, index.step)
            with self._lock:
                searches = list(self._searches.items())
            for name, search in searches:
                if search.stale():  # the file started over: the same filter on the new file
                    search.restart()
                busy |= self._guarded(name, search.step)
            if not busy:
                self._wake.wait(IDLE_S)
                self._wake.clear()

    def _guarded(self, name: str, step: Callable[[], bool]) -> bool:
        """One step of `name`'s work; a fault is its error (said once, in the crash log) and a pause."""
        if self._faulty.get(name, 0) > 0:
            self._faulty[name] -= 1
            return False
        try:
            return step()
        except OSError as exc:  # EIO on a failing disk, a file gone unreadable: its state, tried again later
            reason = f"cannot index: {exc.strerror or exc}"
        except Exception as exc:  # a bug of ours on this file: this file only, retried later
            reason = internal_reason(exc, f"log index {name}")
        index = self.indexes.get(name)
        if index is not None:
            index.error = reason
        self._faulty[name] = int(FAULT_S / IDLE_S)
        if self._on_fault is not None:
            self._on_fault(name, reason)
        return False
