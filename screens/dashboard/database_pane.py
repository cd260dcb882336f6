"""Database pane: size, connections against the limit, sessions (sorted, filtered), the blocking tree, long and
slow queries, the database's rates, vacuum, tables."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane

from screens.context import capabilities_of
from screens.dashboard.pane import Pane
from screens.keys import bind
from screens.messages import DbPolled
from screens.widgets.filter_input import FilterInput, FilterOwner, open_filter, words_match
from screens.widgets.state_style import freshness_text
from screens.widgets.table_sync import LiveTable, RowTable, cell_text, keyed_rows, sync_table
from tessa_tui.base.redact import mask_url
from tessa_tui.base.time_source import Now
from tessa_tui.config.model import DatabaseConfig
from tessa_tui.database.snapshot import DbSnapshot, Section, human_bytes, signed_bytes

if TYPE_CHECKING:
    from tessa_tui.database.size_history import Growth
    from tessa_tui.database.watch import SizeRecorder

EXAMPLE = "database:\n  dsn: ${TESSA_DATABASE_URL}"
# Tab -> sections shown in it, most urgent first.
TABS = {
    "Activity": ("long_queries", "blocking"),
    "Sessions": ("sessions",),
    "Slow": ("slow_queries",),
    "Tables": ("top_tables", "missing_indexes", "vacuum"),
    "Health": (
        "database_stats",
        "vacuum_progress",
        "connections",
        "checkpoints",
        "wraparound",
        "replication",
        "replication_slots",
    ),
    "Queries": ("named_queries",),
}
ACTIONABLE = ("long_queries", "blocking", "sessions")  # the sections whose rows `x` cancels or terminates
SESSION_KEYS = ("sessions_sort", "sessions_duration", "sessions_states")
"""Keys that change how the Sessions tab lists (shown while it is open)."""
TILE_STYLE = {"warn": "bold yellow", "critical": "bold red"}
TAB_OF = {name: title for title, names in TABS.items() for name in names}


class DatabasePane(FilterOwner, Pane):
    """The monitor's latest snapshot; sections update in place, and each keeps its age."""

    BINDINGS = [
        bind("cancel_query", "cancel_query"),
        bind("list_filter", "filter", priority=True),  # see open_filter
        bind("sessions_sort", "sessions_sort"),
        bind("sessions_duration", "sessions_duration"),
        bind("sessions_states", "sessions_states"),
    ]

    def __init__(
        self,
        database: DatabaseConfig | None,
        clock: Now,
        secrets: frozenset[str],
        *,
        live: bool = True,
        history_path: Path | None = None,
        readonly: bool = False,
    ) -> None:
        super().__init__("Database", 4, id="database-pane")
        self._database = database
        self._clock = clock
        self._secrets = secrets
        self._live = live
        self._snapshot: DbSnapshot | None = None
        self._retry_in: float | None = None
        self._titles: dict[str, str] = {}
        self._summary = ""
        self._unshown: set[str] = set()
        self._history_path = history_path
        self._readonly = readonly
        self._growth: Sequence[Growth] = ()
        self._query = ""
        """The `/` filter's words: a table shows only the rows that have all of them in their cells."""
        self._counts: dict[str, tuple[int, int]] = {}
        """Per section as last drawn: rows shown, rows in the snapshot (the subtitle's `N of M`)."""
        self._subtitle = ""
        self._before_filter: Widget | None = None
        self._sessions_choice = {"sort": "duration", "duration": "query", "states": "not idle"}
        """How the Sessions tab lists: the sort, the duration shown, the state filter (S, T and f cycle them)."""

    def compose(self) -> ComposeResult:
        if self._database is None:
            yield self.not_configured("database", EXAMPLE)
            return
        yield Static(Text(f"{mask_url(self._database.dsn)} · connecting…"), id="database-summary")
        with TabbedContent(id="database-tabs"):
            for n, (title, names) in enumerate(TABS.items()):
                if title == "Queries" and not self._database.queries:
                    continue
                with TabPane(title, id=f"db-tab-{title.lower()}"):
                    if n == 0:  # the tab shown; the others' sections are built when first opened
                        yield from _section_widgets(names)
        field = FilterInput(placeholder="words in any cell of this tab's rows", id="database-filter")
        field.display = False
        yield field

    def go_live(self) -> None:
        if self._live and self._database is not None:
            self._poll()

    def tick(self) -> None:
        """Called once a second by the dashboard's tick: ages in the summary."""
        if self._database is not None:
            self._draw()

    @cached_property
    def _keep_size(self) -> SizeRecorder:
        """Records each size sample and reads the growth (in a worker thread: SQLite waits for the disk)."""
        from tessa_tui.database.watch import SizeRecorder  # with SQLite: not needed for the first frame

        return SizeRecorder(self._history_path, readonly=self._readonly)

    @work(exclusive=True, group="database-monitor", exit_on_error=False, description="poll the database")
    async def _poll(self) -> None:
        from tessa_tui.database.watch import watch_database

        assert self._database is not None
        updates = watch_database(self._database, secrets=self._secrets, record_size=self._keep_size, clock=self._clock)
        async with contextlib.aclosing(updates):  # closing it closes the monitor's connection
            async for update in updates:
                self.post_message(DbPolled(update.snapshot, update.retry_in, update.growth))

    def on_db_polled(self, message: DbPolled) -> None:
        message.stop()
        if message.growth is not None:
            self._growth = message.growth
        first = self._snapshot is None
        self._snapshot = message.snapshot
        self._retry_in = message.retry_in
        # Drawn by the next tick, in the same frame as the rest (the first snapshot at once).
        self._unshown = set(message.snapshot.sections) & set(TAB_OF)
        if first:
            self._draw()

    def show_snapshot(self, snapshot: DbSnapshot) -> None:
        """Show a snapshot that did not come from this pane's own poller (tests, snapshots), at once."""
        self.on_db_polled(DbPolled(snapshot))
        self._draw(every_tab=True)

    def _draw(self, *, every_tab: bool = False) -> None:
        """Draw the sections not yet shown; those on hidden tabs wait until their tab is opened."""
        if self._snapshot is None:
            return
        active = self.query_one("#database-tabs", TabbedContent).active
        for name in list(self._unshown):
            section = self._view(self._snapshot.sections[name])
            if (every_tab or f"db-tab-{TAB_OF[name].lower()}" == active) and self._show_section(section):
                self._unshown.discard(name)
        self._refresh_summary()
        self._refresh_subtitle(active)

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        event.stop()
        pane = event.pane
        if not pane.children:  # opened for the first time
            names = next(names for title, names in TABS.items() if f"db-tab-{title.lower()}" == pane.id)
            await pane.mount_all(_section_widgets(names))
        self._draw()
        self.refresh_bindings()  # the Sessions keys show only on its tab

    def _show_section(self, section: Section) -> bool:
        """Draw one section; False while its tab has not been opened (nothing to draw into yet)."""
        tables = self.query(f"#db-{section.name}").results(DataTable)
        table = next(tables, None)
        if table is None:
            return False
        title = self.query_one(f"#db-title-{section.name}", Static)
        label = Text(section.title, style="bold")
        if section.error:
            label.append(f"  ✖ {section.error}", style="red")
        elif section.note:
            label.append(f"  ({section.note})", style="dim")
        elif not section.rows:
            label.append("  none", style="dim")
        if self._titles.get(section.name) != label.plain:  # Static.update relayouts: only on change
            self._titles[section.name] = label.plain
            title.update(label)
        rows = self._shown_rows(section)
        self._counts[section.name] = (len(rows), len(section.rows))
        if section.rows or not section.error:
            sync_table(table, section.columns, rows, key=_row_key(section.name))
        return True

    def _view(self, section: Section) -> Section:
        """A section as drawn: the sessions listed the chosen way, every other one as it came."""
        if section.name != "sessions" or section.error:
            return section
        from tessa_tui.database.sessions import session_view  # used once the Sessions tab is drawn

        return session_view(section, **self._sessions_choice)

    def _cycle(self, choice: str, options: Sequence[str]) -> None:
        current = self._sessions_choice[choice]
        self._sessions_choice[choice] = options[(options.index(current) + 1) % len(options)]
        if self._snapshot is not None and "sessions" in self._snapshot.sections:
            self._unshown.add("sessions")
        self._draw()

    def action_sessions_sort(self) -> None:
        """Sessions: next sort (duration, CPU, memory, I/O, xmin age, pid)."""
        from tessa_tui.database.sessions import SORTS

        self._cycle("sort", SORTS)

    def action_sessions_duration(self) -> None:
        """Sessions: the duration shown and sorted by (query, transaction, backend)."""
        from tessa_tui.database.sessions import DURATIONS

        self._cycle("duration", DURATIONS)

    def action_sessions_states(self) -> None:
        """Sessions: which states are listed (not idle, active, waiting, idle in transaction, all)."""
        from tessa_tui.database.sessions import STATE_FILTERS

        self._cycle("states", STATE_FILTERS)

    def _shown_rows(self, section: Section) -> Sequence[Sequence[Any]]:
        """The section's rows under the `/` filter, matched against the cells as shown (`23.0 MB`, `-`)."""
        if not self._query.strip():
            return section.rows
        return [
            row
            for row in section.rows
            if words_match(self._query, *(cell_text(v, c).plain for c, v in zip(section.columns, row, strict=True)))
        ]

    def _refresh_subtitle(self, active: str | None) -> None:
        """`'words': N of M rows` for the open tab while filtering; nothing otherwise."""
        query = self._query.strip()
        names = next((names for title, names in TABS.items() if f"db-tab-{title.lower()}" == active), ())
        counts = [self._counts[name] for name in names if name in self._counts]
        subtitle = f"{query!r}: {sum(n for n, _ in counts)} of {sum(m for _, m in counts)} rows" if query else ""
        if subtitle != self._subtitle:  # setting a border title always repaints the pane
            self._subtitle = subtitle
            self.border_subtitle = Text(subtitle)  # holds typed text: never markup

    def action_filter(self) -> None:
        """Show the `/` field (what is typed there stays until escape)."""
        field = self.query_one("#database-filter", FilterInput)
        if not isinstance(self.screen.focused, Input):
            self._before_filter = self.screen.focused  # enter and escape return there: `x` acts on its row
        open_filter(field)

    @on(Input.Changed, "#database-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._query = event.value
        if self._snapshot is not None:  # every section again under the new words; hidden tabs when opened
            self._unshown = set(self._snapshot.sections) & set(TAB_OF)
        self._draw()

    def filtered_list(self) -> Widget:
        """The table that had the keyboard before `/` (so `x` acts on its row), else the pane."""
        before = self._before_filter
        return before if before is not None and before.is_attached and before.focusable else self

    def _refresh_summary(self) -> None:
        snapshot = self._snapshot
        if snapshot is None or self._database is None:
            return
        summary = Text(snapshot.target)
        if not snapshot.connected:
            retry = f"; retrying every {self._retry_in:g}s" if self._retry_in else ""
            summary.append(f"  ✖ not connected: {snapshot.reason}{retry}", style="bold red")
        sections = snapshot.sections
        size = sections.get("database_size")
        if size and size.rows:
            summary.append(f"\nsize {human_bytes(int(size.rows[0][0]))}")
            if self._growth:
                changes = ", ".join(f"{signed_bytes(g.bytes)}/{g.window}" for g in self._growth)
                summary.append(f" ({changes})", style="dim")
        connections = sections.get("connections")
        limit = snapshot.server.get("max_connections")
        if connections and connections.fetched_at and limit:
            used = sum(int(row[1]) for row in connections.rows)
            pct = 100 * used / int(limit)
            style = "bold red" if pct >= 80 else "yellow" if pct >= 50 else ""
            summary.append(" · connections ")
            summary.append(f"{used}/{limit} ({pct:.0f}%)", style=style)
        self._summary_activity(summary, sections)
        named = sections.get("named_queries")
        for query, value, limit, state in named.rows if named else ():
            if state in {"warn", "critical"}:
                mark = "✖" if state == "critical" else "▲"
                summary.append(f"\n{mark} {query}: {value} (above {limit:g})", style=TILE_STYLE[state])
        now = self._clock()
        ages = [
            f"{label} {freshness_text((now - section.fetched_at).total_seconds(), every.total_seconds())}"
            for label, key, every in (
                ("activity", "connections", self._database.activity_interval),
                ("sizes", "database_size", self._database.size_interval),
            )
            if (section := sections.get(key)) is not None and section.fetched_at is not None
        ]
        if ages:
            summary.append(" · " + ", ".join(ages), style="dim")
        if summary.plain != self._summary:  # steady while fresh: no repaint, no relayout
            self._summary = summary.plain
            self.query_one("#database-summary", Static).update(summary)

    def _summary_activity(self, summary: Text, sections: dict[str, Section]) -> None:
        """The rates of the last poll, the pile-up's root and the session holding the xmin horizon back."""
        stats = sections.get("database_stats")
        figures = {str(row[0]): row[1] for row in stats.rows} if stats is not None else {}
        trends = {str(row[0]): str(row[-1]) for row in stats.rows} if stats is not None else {}
        if figures.get("transactions") is not None:
            summary.append(f"\n{figures['transactions']:.1f} tps {trends.get('transactions', '')}".rstrip())
            for label, key in (("cache hit", "cache hit"), ("rollback", "rollback ratio")):
                if figures.get(key) is not None:
                    summary.append(f" · {label} {figures[key]:.1f}%")
            if figures.get("deadlocks"):
                summary.append(f" · {figures['deadlocks']:g} deadlocks", style="bold red")
        blocking = sections.get("blocking")
        if blocking is not None and blocking.rows:
            roots = [row for row in blocking.rows if not str(row[0]).startswith(" ")]
            waiting = len(blocking.rows) - len(roots)
            summary.append(f" · {waiting} waiting behind pid {roots[0][1]}" if roots else "", style="bold red")
        sessions = sections.get("sessions")
        if sessions is not None and sessions.rows:
            from tessa_tui.database.sessions import xmin_holder  # with the first sessions: not on the first frame

            holder = xmin_holder(sessions)
            if holder is not None:
                summary.append(f" · oldest xmin: pid {holder[0]} (age {holder[1]:,})", style="dim")

    def _selected_backend(self) -> tuple[int, str] | None:
        """The pid and query of the focused long-query row (or, in blocking locks, the blocker)."""
        table = self.app.focused
        if not isinstance(table, DataTable) or str(table.id).removeprefix("db-") not in ACTIONABLE:
            return None
        if table.row_count == 0 or self._snapshot is None:
            return None
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        name = str(table.id).removeprefix("db-")
        section = self._snapshot.sections.get(name)
        if section is None:
            return None
        section = self._view(section)
        # Keyed as the table was drawn (filtered, duplicates primed): the key finds the very row under the cursor.
        row = keyed_rows(self._shown_rows(section), _row_key(name)).get(key)
        if row is None or "pid" not in section.columns:
            return None
        columns = list(section.columns)
        # In the blocking tree a row is the session itself: the root blocker's row ends the pile-up.
        return int(row[columns.index("pid")]), str(row[columns.index("query")])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in SESSION_KEYS:  # shown, and done, only where they change what is on screen
            if self._database is None or not self.is_mounted:
                return False
            return self.query_one("#database-tabs", TabbedContent).active == "db-tab-sessions"
        if action == "cancel_query":
            if self._database is None or capabilities_of(self).readonly:
                return False
            return True if self._selected_backend() is not None else None
        return True

    def action_cancel_query(self) -> None:
        """Confirm, signal the backend on a connection of its own, record it in the open incident."""
        selected = self._selected_backend()
        if selected is None or self._database is None:
            return
        pid, query = selected
        from screens.dashboard.cancel_query_dialog import confirm_cancel

        confirm_cancel(self.app, self._database, self._secrets, pid, query)


def _section_widgets(names: Sequence[str]) -> Iterator[Widget]:
    """A title and a table for each of a tab's sections."""
    for name in names:
        yield Static(Text(name.replace("_", " ")), id=f"db-title-{name}", classes="db-section-title")
        if name in ACTIONABLE:  # `x` acts on the row under the cursor: it is drawn
            yield RowTable(id=f"db-{name}")
        else:
            yield LiveTable(id=f"db-{name}", cursor_type="row", show_cursor=False)


def _row_key(name: str) -> Callable[[Any], str]:
    """Stable row identity per section: pids, table names, query text; else the first cell is enough."""
    if name == "blocking":
        return lambda row: str(row[1])
    if name in {"long_queries", "connections", "sessions", "vacuum_progress"}:
        return lambda row: str(row[0])
    if name in {"top_tables", "vacuum", "missing_indexes"}:
        return lambda row: f"{row[0]}.{row[1]}"
    return lambda row: str(row[-1]) if name == "slow_queries" else str(row[0])
