"""The logs pane's whole-file side: each file source indexed in the background (tessa_tui.logs.file_index), fed by
its follower; `g` and page-up past the ring read the file's history, `/` searches the whole file, `:goto` lands on a
time, and the level counts, per-minute error share and "errors up since" come from the index once it is whole."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from screens.widgets.filter_input import FilterInput
from screens.widgets.log_view import LogView
from tessa_tui.base.sanitize import sanitize
from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.parse import LEVELS

if TYPE_CHECKING:
    from pathlib import Path

    from textual.widget import Widget

    from tessa_tui.config.model import LogSource
    from tessa_tui.logs.file_index import FileIndex, RecordFormat
    from tessa_tui.logs.file_search import WholeFileSearch
    from tessa_tui.logs.history import FileHistory
    from tessa_tui.logs.index_worker import IndexWorker
    from tessa_tui.logs.ingest import LinesRead

    _Pane = Widget
else:
    _Pane = object


class WholeFileLogs(_Pane):
    """Mixed into the logs pane: the indexes of its file sources and what reads them."""

    _sources: list[LogSource] | None
    _tab_source: str | None
    _typed_filter: LineFilter
    _by_source: dict[str, Counter[str]]

    def _init_whole_file(self) -> None:
        self._indexes: dict[str, FileIndex] = {}
        """Each file source's whole-file index (counts, `g`, whole-file `/`, `:goto`), built in the background."""
        self._histories: dict[str, FileHistory] = {}
        self._worker: IndexWorker | None = None
        self._pending_goto: tuple[str, float, str] | None = None
        """A `:goto` further than the index had got: (source, epoch seconds, as typed)."""

    def _start_indexes(self) -> None:
        """Every file source indexed whole in the background (its last lines are on screen already)."""
        from tessa_tui.base.user_dirs import home_path
        from tessa_tui.logs.file_index import FileIndex
        from tessa_tui.logs.index_worker import IndexWorker
        from tessa_tui.logs.record_format import format_for

        def chooser(fmt: str) -> Callable[[Path], RecordFormat]:
            return lambda path: format_for(path, fmt)

        for source in self._sources or []:
            if source.path is not None:
                self._indexes[source.name] = FileIndex(home_path(source.path), chooser(source.format), source.name)
        if self._indexes:
            self._worker = IndexWorker(self._indexes)
            self._worker.start()

    def _scope(self) -> str | None:
        """The file source the view is about (its tab, `source:NAME`, or the only source): None for several."""
        if self._tab_source is not None:
            name: str | None = self._tab_source
        elif self._typed_filter.source is not None:
            name = self._typed_filter.source
        elif self._sources is not None and len(self._sources) == 1:
            name = self._sources[0].name
        else:
            name = None
        return name if name in self._indexes else None

    def _history_for(self) -> FileHistory | None:
        scope = self._scope()
        if scope is None:
            return None
        history = self._histories.get(scope)
        if history is None:
            from tessa_tui.logs.history import FileHistory  # once a file is indexed: not on the first frame

            history = self._histories[scope] = FileHistory(self._indexes[scope])
        return history

    def _why_no_history(self) -> str | None:
        """On the All tab of several sources: the whole file is one file's, on its tab."""
        if self._indexes and self._scope() is None:
            return "the whole file (g, / counts, n, :goto) is one source's: choose its tab (] and [)"
        return None

    def _search_for(self) -> WholeFileSearch | None:
        scope = self._scope()
        return self._worker.current_search(scope) if scope is not None and self._worker is not None else None

    def _search_whole_file(self, line_filter: LineFilter | None) -> None:
        """A filter typed over a file source: its matches in the whole file, found in the background and shown
        as they come (the last search stays for `n` / `N` when the filter is cleared)."""
        view = self.query_one("#log-view", LogView)
        scope = self._scope()
        if scope is None or self._worker is None:
            if view.history is not None:
                view.leave_history()
            return
        if line_filter is None:
            if view.history is not None and view.history is not self._history_for():
                view.leave_history()
            return
        from tessa_tui.logs.history import MatchHistory

        search = self._worker.search(scope, line_filter)
        if search is not None:
            view.show_history(MatchHistory(search))

    def goto(self, typed: str) -> str | None:
        """`:goto TIME`: the record at that time on screen, selected; the reason when it cannot."""
        from tessa_tui.logs.goto import target_time

        scope = self._scope()
        if scope is None:
            if self._indexes:
                return "choose a file source's tab first (] and [ move between them)"
            return "no log file to go through (:goto works on file sources)"
        index = self._indexes[scope]
        try:
            when = target_time(typed, index.newest_time())
        except ValueError as exc:
            return str(exc)
        self._pending_goto = None
        shown = sanitize(typed.strip())[:60]  # typed or pasted: said back, never a control sequence
        ordinal = index.ordinal_at(when)
        if ordinal >= index.count:
            state = index.state()
            if not state.done:  # lands when the index gets there (the next tick that finds it)
                self._pending_goto = (scope, when, shown)
                return f"{scope} is indexed up to {state.percent}%: :goto {shown} lands once it gets there"
            return f"no record at or after {shown} in {scope}"
        self._land(ordinal)
        if ordinal == 0 and index.starts_after(when):
            return f"{scope} begins after {shown}: its first record is shown"
        return None

    def _goto_when_indexed(self) -> None:
        """A `:goto` that was further than the index had got: there now?"""
        if self._pending_goto is None:
            return
        scope, when, typed = self._pending_goto
        index = self._indexes[scope]
        if self._scope() != scope:  # another tab chosen meanwhile: that goto is off
            self._pending_goto = None
            return
        ordinal = index.ordinal_at(when)
        if ordinal < index.count:
            self._pending_goto = None
            self._land(ordinal)
            self.notify(f":goto {typed}: there", markup=False)
        elif index.state().done:
            self._pending_goto = None
            self.notify(f"no record at or after {typed} in {scope}", severity="warning", markup=False)

    def _land(self, ordinal: int) -> None:
        """Record `ordinal` of the view's file at the top, selected; the filter goes (the whole file at that time)."""
        view = self.query_one("#log-view", LogView)
        field = self.query_one("#log-filter", FilterInput)
        if field.value or view.filter is not None:  # the whole file at that time: the filter goes
            field.value, field.display = "", False
            self._typed_filter = LineFilter.parse("")
            view.set_filter(None)
        view.goto_ordinal(ordinal)

    def _index_progress(self) -> str:
        """`indexing 40%` while the whole files are read; `indexed N records` once they are."""
        if not self._indexes:
            return ""
        states = [index.state() for index in self._indexes.values()]
        readable = [state for state in states if state.error is None]
        if not readable:
            return ""
        if all(state.done for state in readable):
            return f"indexed {sum(state.records for state in readable):,} records"
        size = sum(state.size for state in readable) or 1
        done = sum(min(state.indexed_bytes, state.size) for state in readable)
        return f"indexing {done * 100 // size}%"

    def level_counts(self) -> Counter[str]:
        """Records per level: a file source's from its whole-file index once it is built, the rest as followed."""
        counts: Counter[str] = Counter()
        for name, followed in self._by_source.items():
            index = self._indexes.get(name)
            state = index.state() if index is not None else None
            if state is not None and state.done:
                counts.update(dict(zip(LEVELS, state.levels, strict=True)))
            else:
                counts.update(followed)
        return counts

    def _feed_index(self, source: str, read: LinesRead) -> None:
        """A file read by its follower (in the ingest thread), handed to its index: one look at each line."""
        if self._worker is not None:
            self._worker.feed(source, read)

    def errors_since(self) -> str | None:
        """When the run of high-error minutes the indexed logs end in began, as their records write the time
        (`14:05`); None when the newest minute is not one (tessa_tui.logs.error_onset)."""
        by_time = self._indexed_minutes()
        if not by_time:
            return None
        from tessa_tui.logs.error_onset import error_onset
        from tessa_tui.logs.goto import zone_offset

        onset = error_onset(by_time)
        if onset is None:
            return None
        newest = next((t for index in self._indexes.values() if (t := index.newest_time()) is not None), None)
        offset = zone_offset(*newest) if newest is not None else 0
        written = (onset * 60 + offset) % 86_400
        return f"{written // 3600:02d}:{written // 60 % 60:02d}"

    def _indexed_minutes(self) -> list[tuple[int, int, int]]:
        """(epoch minute, records with a level, errors) of every indexed file, merged by minute."""
        merged: dict[int, list[int]] = {}
        unknown, error, fatal = LEVELS.index("unknown"), LEVELS.index("error"), LEVELS.index("fatal")
        for index in self._indexes.values():
            if not index.state().done:
                continue
            for minute, counts in index.minutes().items():
                bucket = merged.setdefault(minute, [0, 0])
                bucket[0] += sum(counts) - counts[unknown]
                bucket[1] += counts[error] + counts[fatal]
        return [(minute, leveled, errors) for minute, (leveled, errors) in sorted(merged.items())]
