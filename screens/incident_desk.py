"""The console's side of the journal: every journal call on one thread, changes announced as messages.

SQLite commits wait for the disk (fsync) and for other writers' locks; on the event loop that would freeze
the screen, so the book lives on a single worker thread (which also keeps its writes in order). Every half
second the thread reads what other processes committed, so a second console shows a tick within a second.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from textual.app import App
from textual.message import Message

from tessa_tui.base.errors import UserError
from tessa_tui.config.load import LoadedConfig
from tessa_tui.incidents.book import IncidentBook, check_actor, default_actor, open_book
from tessa_tui.incidents.incident import Incident
from tessa_tui.incidents.journal import Event, PendingEvent
from tessa_tui.incidents.postmortem import postmortem, to_markdown
from tessa_tui.incidents.sla import Clock, ThresholdWatcher, incident_clocks

POLL_S = 0.5
T = TypeVar("T")


class IncidentsChanged(Message):
    """The journal has new events (from this console or another process)."""

    def __init__(self, changed: set[str]) -> None:
        super().__init__()
        self.changed = changed


class IncidentDesk:
    """Owns the IncidentBook; screens ask it for state and hand it validated events to record."""

    def __init__(
        self,
        app: App[Any],
        loaded: LoadedConfig,
        clock: Callable[[], datetime],
        *,
        readonly: bool = False,
        actor: str | None = None,
    ) -> None:
        self._app = app
        self._loaded = loaded
        self._readonly = readonly
        self.actor = default_actor(loaded.config.journal.actor, actor, source=str(loaded.path))
        """Who is typing (`--as`, $TESSA_ACTOR, journal.actor, the OS user); `:iam` changes it. A bad name is a
        UserError here, before the console starts."""
        self.clock = clock
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal")
        self.book: IncidentBook | None = None
        self.error: str | None = None
        self.watcher = ThresholdWatcher(clock)
        self.severities = loaded.config.severities
        self.notice: str | None = None
        """The last word on unreadable journal rows, as shown in the toast."""
        self._unreadable_seen = 0
        self.ready = asyncio.Event()
        """Set once the journal is open (or failed to open): keys typed at launch wait for it."""

    async def open(self) -> None:
        """Open the journal (off the event loop); on failure keep the reason for the incident pane."""
        try:
            # A spectator's journal is opened read-only: the book itself refuses every write, whatever asks.
            self.book = await self._call(
                lambda: open_book(self._loaded, self.clock, readonly=self._readonly, actor=self.actor)
            )
        except UserError as exc:
            self.error = str(exc)
            self._app.post_message(IncidentsChanged(set()))
            return
        finally:
            self.ready.set()
        self.watcher.prime(self._all_clocks())
        self._announce_unreadable()
        self._app.post_message(IncidentsChanged(set(self.book.incidents)))
        self._app.set_interval(POLL_S, self._poll, name="journal-poll")

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)

    async def record(self, pending: PendingEvent) -> Event:
        """Commit an event; returns once it is durable (JournalError when it is not: nothing recorded)."""
        book = self._ready()
        write = asyncio.get_running_loop().run_in_executor(self._thread, book.record, pending)

        def announce(done: asyncio.Future[Event]) -> None:
            # Even when the caller was cancelled mid-write (its screen closed): the commit happened, and
            # the book has already folded it in, so no later poll would report it.
            if not done.cancelled() and done.exception() is None:
                self._app.post_message(IncidentsChanged({done.result().incident}))

        write.add_done_callback(announce)
        return await asyncio.shield(write)

    async def export(self, incident_id: str) -> list[Path]:
        """Write the post-mortem as Markdown and JSON beside the journal; return the two paths."""
        book = self._ready()

        def write() -> list[Path]:
            incident = book.get(incident_id)
            report = postmortem(incident, book.pack, book.severities, self.clock())
            folder = book.journal.path.parent / "postmortems"
            folder.mkdir(parents=True, exist_ok=True)
            markdown, data = folder / f"{incident.id}.md", folder / f"{incident.id}.json"
            markdown.write_text(to_markdown(report), encoding="utf-8")
            data.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            return [markdown, data]

        return await self._call(write)

    async def plan_when_ready(self, command: Callable[[IncidentBook], PendingEvent]) -> PendingEvent:
        """`plan`, after waiting for the journal to open (a declaration typed the moment the console starts)."""
        await self.ready.wait()
        return self.plan(command)

    def plan(self, command: Callable[[IncidentBook], PendingEvent]) -> PendingEvent:
        """Validate a command against the current state (UserError says why it is refused); the event carries
        who is typing now, so a retry after `:iam` still records who made it."""
        book = self._ready()
        return book.stamp(command(book))

    def switch_actor(self, name: str) -> str:
        """`:iam NAME`: who is typing from now on (UserError for a name that is not one); returns the name
        as recorded (a contact's as configured)."""
        who = self.book.switch_actor(name) if self.book else check_actor(name, ":iam")
        self.actor = who
        return who

    def active(self) -> Incident | None:
        return self.book.active() if self.book else None

    def clocks(self, incident: Incident) -> list[Clock]:
        book = self._ready()
        return incident_clocks(incident, book.pack, book.severities)

    def _all_clocks(self) -> list[Clock]:
        book = self._ready()
        return [c for i in book.incidents.values() if i.is_open for c in self.clocks(i)]

    def alerts(self) -> list[str]:
        """Threshold crossings since the last call, as messages for toasts."""
        if self.book is None:
            return []
        now = self.clock()
        return [alert.message(now) for alert in self.watcher.check(self._all_clocks())]

    def _ready(self) -> IncidentBook:
        if self.book is None:
            raise UserError(self.error or "the journal is still opening")
        return self.book

    async def _poll(self) -> None:
        book = self.book
        if book is None:
            return
        try:
            changed = await self._call(book.sync)
        except UserError as exc:
            self.error = str(exc)
            return
        except (ValueError, KeyError, TypeError) as exc:  # an event this version cannot fold: say so, go on
            self.error = f"journal event not understood: {type(exc).__name__}: {exc}"
            return
        self._announce_unreadable()
        if changed:
            self._app.post_message(IncidentsChanged(changed))

    def _announce_unreadable(self) -> None:
        """One toast when journal rows could not be read (again only when more turn up): they are skipped."""
        count = len(self.book.unreadable()) if self.book else 0
        if count > self._unreadable_seen and self.book is not None:
            self._unreadable_seen = count
            self.notice = self.book.unreadable_notice()
            self._app.notify(self.notice or "", title="Journal", severity="warning", timeout=30, markup=False)

    async def _call(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, work)
