"""Logs pane: every configured log source followed live (files, commands, remote APIs), merged, with level colours
and counts; a remote source's state (live, behind, failing, rate-limited, since when) on a line of its own."""

from __future__ import annotations

import contextlib
import shlex
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Input, Static, Tab, Tabs

from screens.context import capabilities_of, context_of
from screens.dashboard.logs_whole_file import WholeFileLogs
from screens.dashboard.pane import Pane
from screens.keys import bind
from screens.messages import LogLines
from screens.widgets.filter_input import FilterInput, FilterOwner, open_filter
from screens.widgets.log_view import LogView
from screens.widgets.state_style import sparkline
from tessa_tui.base.sanitize import sanitize
from tessa_tui.config.model import BUFFER_LINES, LogSource
from tessa_tui.logs.filter import LineFilter
from tessa_tui.logs.ingest import Batch, error_share
from tessa_tui.logs.parse import LEVELS, WHEN, LogRecord, Row

EXAMPLE = "logs:\n  - name: app\n    path: /var/log/tessa/app.log"
ERROR_RATE_MINUTES = 15
STATE_ROWS = 4  # the remote state lines' max-height (#remote-states in tessa.tcss)
FLUSH_AT = 10_000  # records waiting for the screen that make a flush happen at once (drawn on the next one)
FLUSH_S = 0.1
"""New lines are drawn this long after they arrive (batches arriving meanwhile share the repaint): a busy log is
on screen within half a second, and the screen is repainted at most ten times a second for it."""


def arrival_minute() -> int:
    """The minute lines arrived in (monotonic: a clock change cannot reorder the sparkline)."""
    return int(time.monotonic() // 60)


def source_origin(source: LogSource) -> str:
    """Where a source's lines come from, as a person would type it."""
    if source.command is not None:
        return "$ " + shlex.join(source.command)
    if source.supabase is not None:
        return f"Supabase project {source.supabase.project_ref}"
    if source.loki is not None:
        return f"Loki {source.loki.query}"
    return source.path or ""


def _when(row: Row) -> float:
    return row[WHEN] or 0.0


class LogsPane(WholeFileLogs, FilterOwner, Pane):
    """Lines from all file sources, newest at the bottom; the subtitle counts levels and the error share. The whole
    file's side (its index, history, search, `:goto`, counts) is screens/dashboard/logs_whole_file.py's."""

    BINDINGS = [
        bind("log_filter", "filter", priority=True),  # as the app reads it: see open_filter
        bind("log_pause", "pause"),
        bind("pin_log", "pin"),
        bind("log_next_source", "next_source(1)"),
        bind("log_previous_source", "next_source(-1)"),
    ]

    def __init__(self, sources: list[LogSource] | None, *, live: bool = True) -> None:
        super().__init__("Logs", 3, id="logs-pane")
        self._sources = sources
        self._live = live
        self.counts: Counter[str] = Counter()
        self._status: dict[str, str] = {}
        self._subtitle = ""
        self._pending: list[Batch] = []
        self._pending_records = 0
        self._undrawn = False
        self._draw_due = False
        self._ingest = ThreadPoolExecutor(1, thread_name_prefix="log-ingest")
        """One thread parses every source's lines: a flood does its work off the event loop."""
        self._ticks = 0
        self._typed_filter = LineFilter.parse("")
        self._tab_source: str | None = None
        self._remote: dict[str, tuple[str, str]] = {}
        """A remote source's (state, status line): the state line above the records."""
        self._remote_text = ""
        self._minutes: deque[list[int]] = deque(maxlen=ERROR_RATE_MINUTES)
        """[minute, records with a level, errors] per minute of arrival: the error-rate sparkline."""
        self._by_source: dict[str, Counter[str]] = {}
        """Each source's level counts from what was followed (a file's last 64 KiB and what came since)."""
        self._init_whole_file()
        self._index_text = ""
        self._unfinished: dict[str, tuple[Row, ...]] = {}
        """Each source's open record and last line without a newline, drawn under the records."""
        self._unfinished_changed = False

    def compose(self) -> ComposeResult:
        if self._sources is None:
            yield self.not_configured("logs", EXAMPLE)
            return
        buffer = max((s.buffer_lines for s in self._sources), default=BUFFER_LINES)
        if len(self._sources) > 1:  # one tab per source, and All: merged, in timestamp order
            yield Tabs(
                Tab("All", id="source-all"),
                *(Tab(s.name, id=f"source-{n}") for n, s in enumerate(self._sources)),
                id="log-sources",
            )
        if any(s.remote is not None for s in self._sources):
            yield Static("", id="remote-states", markup=False)
        # Names up to 10 fit the usual column; a longer one (edge-functions) widens it, up to 16.
        source_width = max(10, min(16, max((len(s.name) for s in self._sources), default=0)))
        yield LogView(buffer, source_width=source_width, id="log-view")
        field = FilterInput(placeholder="words · re:REGEX · level:warn · source:NAME · ! inverts", id="log-filter")
        field.display = False
        yield field

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pin" and capabilities_of(self).readonly:
            return False
        return self._sources is not None if action in {"filter", "pause", "pin"} else True

    def action_filter(self) -> None:
        """Show the filter field (what is there stays; escape clears it)."""
        open_filter(self.query_one("#log-filter", FilterInput))

    def on_log_view_opened(self, message: LogView.Opened) -> None:
        from screens.dashboard.log_detail_screen import LogDetailScreen

        line = message.line
        self.app.push_screen(LogDetailScreen(line), lambda pin: self._pin(line) if pin else None)

    def action_pin(self) -> None:
        """Pin the selected line (k/j select one) to the open incident."""
        row = self.query_one("#log-view", LogView).selected
        if row is None:
            self.notify("select a line first (k / j)", severity="warning", markup=False)
            return
        self._pin(LogRecord._make(row))

    def _pin(self, line: LogRecord) -> None:
        context = context_of(self)
        desk = context.desk if context is not None else None
        incident = desk.active() if desk else None
        if desk is None or incident is None:
            self.notify("no open incident to pin it to", severity="warning", markup=False)
            return
        write = desk.request(
            ("pin", incident.id, line.source, line.time_of_day, line.full),
            lambda b: b.pin_log(
                incident.id, source=line.source, time_of_day=line.time_of_day, level=line.level, text=line.full
            ),
        )
        said = desk.tell(write, lambda _event: f"pinned to {incident.id}")
        self.run_worker(said, name="pin a log line", exit_on_error=False)

    def action_pause(self) -> None:
        self.query_one("#log-view", LogView).toggle_pause()
        self._update_subtitle()

    @on(Input.Changed, "#log-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        try:
            self._typed_filter = LineFilter.parse(event.value)
            event.input.border_subtitle = ""
        except ValueError as exc:
            event.input.border_subtitle = Text(sanitize(str(exc)))  # the last good filter stays until this one parses
            return
        self._apply_filter()

    @on(Tabs.TabActivated, "#log-sources")
    def _source_chosen(self, event: Tabs.TabActivated) -> None:
        event.stop()
        label = str(event.tab.label)
        self._tab_source = None if event.tab.id == "source-all" else label
        self.query_one("#log-view", LogView).leave_history()
        self._apply_filter()

    def _apply_filter(self) -> None:
        """The typed filter, narrowed to the chosen tab's source."""
        line_filter = replace(self._typed_filter, source=self._tab_source or self._typed_filter.source)
        active = line_filter if line_filter.active() else None
        self.query_one("#log-view", LogView).set_filter(active)
        self._search_whole_file(active if self._typed_filter.active() else None)
        self._update_subtitle()

    def action_next_source(self, step: int) -> None:
        tabs = next(self.query("#log-sources").results(Tabs), None)
        if tabs is not None:
            tabs.action_next_tab() if step > 0 else tabs.action_previous_tab()

    def focus_target(self) -> Widget:
        """The lines, not the source tabs before them (`]` / `[` move between tabs from anywhere in the pane):
        with several sources `3` then `k`, `g` or enter reached the tabs and did nothing."""
        return next(self.query("#log-view").results(LogView), None) or super().focus_target()

    def filtered_list(self) -> LogView:
        return self.query_one("#log-view", LogView)

    def on_mount(self) -> None:
        if self._sources is None:
            return
        view = self.query_one("#log-view", LogView)
        view.history_for = self._history_for
        view.search_for = self._search_for
        view.why_no_history = self._why_no_history
        self.border_subtitle = "starting"

    def go_live(self) -> None:
        if self._live and self._sources is not None:
            for source in self._sources:
                self._follow(source)
            self._start_indexes()

    def on_unmount(self) -> None:
        self._ingest.shutdown(wait=False, cancel_futures=True)
        if self._worker is not None:
            self._worker.stop()

    def on_log_view_moved(self, message: LogView.Moved) -> None:
        message.stop()
        self._update_subtitle()

    def on_log_view_said(self, message: LogView.Said) -> None:
        message.stop()
        self.notify(message.text, markup=False)

    def _view_filter(self) -> LineFilter | None:
        return self.query_one("#log-view", LogView).filter

    @work(group="log-followers", exit_on_error=False, description="follow a log source")
    async def _follow(self, source: LogSource) -> None:
        """Post each batch and wait until the pane has taken it: a source never reads further ahead of the
        screen than one batch, so a flood cannot pile up parsed records in memory."""
        from tessa_tui.logs.watch import Reading, watch_log  # the readers: not needed for the first frame
        from tessa_tui.runbook.placeholders import fill_text

        console = context_of(self)
        values = console.config.placeholders if console is not None else {}
        reading = Reading(line_filter=self._view_filter, executor=self._ingest, feed=self._feed_index)
        batches = watch_log(source, reading, fill_argument=lambda arg: fill_text(arg, values))
        async with contextlib.aclosing(batches):  # a command's whole process group goes with the pane
            async for batch in batches:
                message = LogLines(batch)
                self.post_message(message)
                await message.taken.wait()

    def on_log_lines(self, message: LogLines) -> None:
        message.stop()
        message.taken.set()
        batch = message.batch
        self._status[batch.source] = batch.status
        # The record still open (its next lines may continue it) and a last line without a newline: drawn under
        # the records until they are complete.
        provisional = tuple(row for row in (batch.held, batch.unfinished) if row is not None)
        if provisional != self._unfinished.get(batch.source, ()):
            if provisional:
                self._unfinished[batch.source] = provisional
            else:
                del self._unfinished[batch.source]
            self._unfinished_changed = True
            self._draw_soon()
        if batch.remote is not None:
            self._remote[batch.source] = (batch.remote.state, batch.status)
            self._show_remote_states()
        first = not self.counts
        self.counts.update(batch.levels)
        self._by_source.setdefault(batch.source, Counter()).update(batch.levels)
        self._count_minute(batch.levels)
        if batch.rows:
            self._pending.append(batch)
            self._pending_records += len(batch.rows)
        # The first lines at once; after that within FLUSH_S, every batch that came meanwhile in one repaint.
        # In a flood, records move to the view sooner still (memory stays flat), drawn with that repaint.
        if first and self.counts:
            self._flush()
            self._update_subtitle()  # the counts line too: it is otherwise redrawn only every fifth tick
        elif self._pending_records >= FLUSH_AT:
            self._flush(repaint=False)
        if self._pending or self._undrawn:
            self._draw_soon()

    def _draw_soon(self) -> None:
        if not self._draw_due:
            self._draw_due = True
            self.set_timer(FLUSH_S, self._draw_now, name="draw new log lines")

    def _draw_now(self) -> None:
        self._draw_due = False
        self._flush(repaint=True, tick=False)

    def _show_remote_states(self) -> None:
        """A line per remote source that needs a look (behind, failing, rate-limited, connecting, or a note), word +
        symbol + colour; those simply live share one line, so three healthy sources cost one row of the pane, not
        three. Repainted only when the text changes."""
        healthy = [line for state, line in self._remote.values() if state == "live" and " · " not in line]
        if len(healthy) > 1:
            names = [name for name, (state, line) in self._remote.items() if state == "live" and line in healthy]
            shown = [("live", f"● {', '.join(names)} live")]  # remote_status's live symbol
            shown += [(state, line) for state, line in self._remote.values() if line not in healthy]
        else:
            shown = list(self._remote.values())
        states = self.query_one("#remote-states", Static)
        width = states.size.width
        rows = sum(max(1, -(-cell_len(line) // width)) for _state, line in shown) if width > 0 else len(shown)
        # Wrapped, the lines past STATE_ROWS fell out of sight: a third failing source was not shown at all.
        # Then each source gets one row, cut with `…` (zoom, `z`, shows more of it).
        clip = width if rows > STATE_ROWS else 0
        joined = "\n".join(line for _state, line in shown) + f"\0{clip}"
        if joined == self._remote_text:
            return
        self._remote_text = joined
        theme = self.app.current_theme
        colours = {
            "live": theme.success,
            "behind": theme.warning,
            "rate-limited": theme.warning,
            "failing": theme.error,
        }
        text = Text()
        for n, (state, line) in enumerate(shown):
            colour = colours.get(state)
            style = Style(color=colour, bold=state == "failing") if colour else Style(dim=True)
            shown_line = Text(sanitize(line), style=style)  # outside text: never markup
            if clip:
                shown_line.truncate(clip, overflow="ellipsis")
            text.append("\n" if n else "").append_text(shown_line)
        states.update(text)

    def on_resize(self) -> None:
        """A narrower or wider pane (zoom, a resized terminal) may need the state lines cut, or no longer."""
        if self._remote:
            self.call_after_refresh(self._show_remote_states)

    def tick(self) -> None:
        """Called once a second by the dashboard's tick: draw what arrived, all sources in one repaint."""
        if self._sources is not None:
            self._flush()

    def _flush(self, *, repaint: bool = True, tick: bool = True) -> None:
        """Move what arrived since the last flush into the view, and draw it (the subtitle's counts on the
        dashboard's tick)."""
        view = self.query_one("#log-view", LogView) if self._sources is not None else None
        if self._pending and view is not None:
            batches, self._pending, self._pending_records = self._pending, [], 0
            rows = [row for batch in batches for row in batch.rows]
            matched = [row for batch in batches for row in batch.matched_under(view.filter)]
            merge = self._sources is not None and len(self._sources) > 1
            if len({batch.source for batch in batches}) > 1:  # several sources: merge by the records' own times
                rows.sort(key=_when)
                matched.sort(key=_when)
            view.append(rows, matched, repaint=repaint, merge=merge)
            self._undrawn = not repaint
        elif view is not None and repaint and self._undrawn:  # an early flush left its lines for this tick
            view.refresh()
            self._undrawn = False
        if view is not None and repaint and self._unfinished_changed:  # after the records that came with it
            self._unfinished_changed = False
            view.set_unfinished([row for rows in self._unfinished.values() for row in rows])
        if not repaint or not tick:
            return
        if view is not None and view.history is not None and (view.following_history or view.window_short()):
            view.refresh()  # the file (or the matches) grew under a view that follows its end or is not full
        self._ticks += 1
        self._goto_when_indexed()
        progress = self._index_progress()
        if progress != self._index_text:
            self._index_text = progress
            self._update_subtitle()
        # Counts move with every line; repainting the border for them every 5 s is plenty.
        paused = view is not None and view.paused
        if self._ticks % 5 == 1 or not self._subtitle or paused:  # paused: the backlog count is news
            self._update_subtitle()

    def _count_minute(self, levels: Counter[str]) -> None:
        minute = arrival_minute()
        if not self._minutes or self._minutes[-1][0] != minute:
            self._minutes.append([minute, 0, 0])
        errors, leveled = error_share(levels)
        bucket = self._minutes[-1]
        bucket[1] += leveled
        bucket[2] += errors

    def error_rates(self) -> list[float]:
        """Errors as a share of leveled records, per minute, oldest first (minutes without lines omitted): by the
        records' own minutes once the files are indexed (when errors started, not when they were read)."""
        by_time = self._indexed_minutes()
        if by_time:
            return [errors / leveled for _, leveled, errors in by_time[-ERROR_RATE_MINUTES:] if leveled]
        return [errors / leveled for _, leveled, errors in self._minutes if leveled]

    def error_rate(self) -> float:
        """Errors and fatals as a share of the records with a level."""
        bad, known = error_share(self.level_counts())
        return bad / known if known else 0.0

    def _update_subtitle(self) -> None:
        counts = self.level_counts()
        parts = [f"{counts[level]:,} {level}" for level in LEVELS if counts[level] and level != "unknown"]
        waiting = [name for name, status in self._status.items() if status.startswith("waiting")]
        text = " · ".join(parts) or "no lines yet"
        if parts:
            text += f" · errors {self.error_rate():.1%}"
            rates = self.error_rates()
            if len(rates) > 1:
                text += f" · per minute {sparkline(rates, ERROR_RATE_MINUTES, from_zero=True)} {rates[-1]:.1%}"
            if onset := self.errors_since():
                text += f" · errors up since {onset}"
        if waiting:
            text += f" · waiting for {', '.join(waiting)}"
        for name, status in self._status.items():
            if "restarting" in status or status.startswith("cannot"):  # exited, or not a file to follow: why
                text += f" · {name} {status}"
        if self._index_text:  # first: a narrow pane cuts the end of its subtitle
            text = f"{self._index_text} · {text}"
        view = next(self.query("#log-view").results(LogView), None)
        history = view.history if view is not None else None
        if view is not None and history is not None and history is not self._history_for():
            search = self._search_for()
            state = search.state() if search is not None else None
            found = f"{state.matches:,} of {state.records:,} in the whole file" if state is not None else "whole file"
            if state is not None and not state.done:
                found += f" (searching {state.scanned * 100 // max(1, state.records)}%)"
            position = view.history_position()
            where = f"match {position + 1:,} · " if position is not None and view.cursor is not None else ""
            text = f"{view.filter.text.strip()!r}: {where}{found} · n/N · " + text if view.filter else text
        elif view is not None and history is not None:
            position = view.history_position() or 0
            text = f"record {position + 1:,} of {history.count():,} · G follows · " + text
        elif view is not None and view.filter is not None:
            what = " ".join(
                p
                for p in (
                    view.filter.source and f"{view.filter.source} tab",
                    view.filter.text.strip() and repr(view.filter.text.strip()),
                )
                if p
            )
            text = f"{what}: {len(view.lines)} of {len(view.all_lines)} · " + text
        if view is not None and view.paused:
            text = f"PAUSED · {view.from_end} new below (p resumes) · " + text
        if text != self._subtitle:  # setting a border title always repaints the pane
            self._subtitle = text
            self.border_subtitle = Text(sanitize(text))  # typed filter, paths, reasons: never markup
