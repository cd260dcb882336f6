"""The console's side of the journal: every journal call on one thread, changes announced as messages.

SQLite commits wait for the disk (fsync) and for other writers' locks; on the event loop that would freeze
the screen, so the book lives on a single worker thread (which also keeps its writes in order). Once a second
the thread reads what other processes committed, so a second console shows a tick within about a second (no
faster: a timer quicker than the clock's costs CPU at rest, tests/ui/test_frame_budgets.py).

Every change the UI makes goes through `IncidentDesk.commit`: planned once, recorded, and after a failure
(NOT SAVED) retried as the very event first planned, so a failed write that did land is never doubled.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from textual.app import App

from screens.messages import ActorChanged, IncidentsChanged, SharedChanged
from tessa_tui.base.errors import UserError
from tessa_tui.base.isolate import internal_reason
from tessa_tui.base.time_source import Now
from tessa_tui.config.load import LoadedConfig
from tessa_tui.incidents.actors import check_actor, default_actor

if TYPE_CHECKING:  # the incident engine loads on the journal's thread, after the first frame (`open`)
    from tessa_tui.incidents.book import IncidentBook
    from tessa_tui.incidents.incident import Incident
    from tessa_tui.incidents.journal import Event, PendingEvent
    from tessa_tui.incidents.shared.replicator import Replicator
    from tessa_tui.incidents.sla import SlaTimer, ThresholdWatcher

POLL_S = 1.0
T = TypeVar("T")
Command: TypeAlias = "Callable[[IncidentBook], PendingEvent]"
"""A change as the book plans it: `lambda book: book.note(incident_id, text)`."""


class Write:
    """One change on its way to the journal: its command, its event once planned, why it is not saved yet.

    Whoever shows it keeps it (a step's line, a dialog; the desk keeps a request's, by `key`): committing it
    again after a failure records the event planned the first time. (A plain class: a dataclass costs
    start-up time, and this module is on the first frame's path.)"""

    __slots__ = ("command", "error", "key", "pending")

    def __init__(self, command: Command, key: Hashable | None = None) -> None:
        self.command = command
        self.key = key
        """What a person asked for (`("note", "INC-1", text)`): the same request after NOT SAVED is its retry."""
        self.pending: PendingEvent | None = None
        self.error: str | None = None
        """Why the last commit failed; None while on its way, or once saved."""


class IncidentDesk:
    """Owns the IncidentBook; screens ask it for state and hand it validated events to record."""

    def __init__(
        self,
        app: App[Any],
        loaded: LoadedConfig,
        clock: Now,
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
        self.watcher: ThresholdWatcher | None = None
        """Announces each SLA threshold once; made with the book."""
        self.severities = loaded.config.severities
        self.notice: str | None = None
        """The last word on unreadable journal rows, as shown in the toast."""
        self._unreadable_seen = 0
        self.ready = asyncio.Event()
        """Set once the journal is open (or failed to open): keys typed at launch wait for it."""
        self._unsaved: dict[Hashable, Write] = {}
        self.replicator: Replicator | None = None
        """The sync with the shared journal (None: this machine's journal only, or not open yet)."""
        self._looking_at = ""  # the incident on the incident screen, announced to the other consoles
        self._refusal_told = ""

    async def open(self) -> None:
        """Open the journal (off the event loop, the incident engine's imports too); on failure keep the reason
        for the incident pane."""

        def opened() -> tuple[IncidentBook, ThresholdWatcher]:
            from tessa_tui.incidents.book import open_book
            from tessa_tui.incidents.sla import ThresholdWatcher

            # A spectator's journal is opened read-only: the book itself refuses every write, whatever asks.
            book = open_book(self._loaded, self.clock, readonly=self._readonly, actor=self.actor)
            if book.shared is not None:
                import tessa_tui.incidents.shared.replicator  # noqa: F401 - asyncpg's import, here off the loop
            return book, ThresholdWatcher(self.clock)

        try:
            book, watcher = await self._call(opened)
            self.book, self.watcher = book, watcher
        except UserError as exc:
            self.error = str(exc)
            self._app.post_message(IncidentsChanged(set()))
            return
        except Exception as exc:  # a bug: the incident pane says so, the console goes on without a journal
            self.error = internal_reason(exc, "console: open the journal")
            self._app.post_message(IncidentsChanged(set()))
            return
        finally:
            self.ready.set()
        watcher.prime(self._all_clocks())
        self._announce_unreadable()
        self._app.post_message(IncidentsChanged(set(self.book.incidents)))
        self._app.set_interval(POLL_S, self._poll, name="journal-poll")
        if book.shared is not None:
            self._share(book)

    def _share(self, book: IncidentBook) -> None:
        """Start the sync with the shared journal: other consoles' events are folded in as they arrive, this
        one's pushed as soon as they are committed here; its state and who is here go to the header and panes."""
        import socket

        from tessa_tui.incidents.shared.presence import console_presence
        from tessa_tui.incidents.shared.replicator import Replicator

        assert book.shared is not None
        readonly = book.read_only is not None
        presence = console_presence(book.journal.node, self.actor, socket.gethostname()[:80], readonly)

        def absorb(rows: Any) -> None:  # a spectator writes nothing: pulled rows are folded in memory
            self._thread.submit(book.absorb, rows)

        self.replicator = Replicator(
            book.journal,
            book.shared,
            presence,
            on_news=lambda: self._app.call_later(self._poll),
            on_status=lambda: self._app.post_message(SharedChanged()),
            on_rows=absorb if readonly else None,
            clock=self.clock,
        )
        self._app.run_worker(self.replicator.run(), name="shared journal", exit_on_error=False)
        self._app.post_message(SharedChanged())

    def shared_text(self) -> str:
        """The header's word on the shared journal ("" without one)."""
        return self.replicator.status().header() if self.replicator is not None else ""

    def shared_refusal(self) -> str:
        """Why the shared journal refuses this console, once per reason ("" otherwise): for a notification."""
        refusal = self.replicator.status().refusal() if self.replicator is not None else ""
        if refusal == self._refusal_told:
            return ""
        self._refusal_told = refusal
        return refusal

    def here(self, incident_id: str) -> str:
        """Who has this incident open on a console now (`on it: alice@laptop, bob@desk (read-only)`); "" without
        a shared journal."""
        if self.replicator is None or self.book is None:
            return ""
        mode = self.replicator.status().mode
        if mode != "live":  # it cannot hear the others: "nobody" would be a guess, and this console is on it
            return (
                "on it: not known yet (connecting)"
                if mode == "connecting"
                else f"on it: not known (shared journal {mode})"
            )
        aliases = {p: self.book.canonical(p) for p in self.book.aliases.of(incident_id)}
        people = self.replicator.roster.on(incident_id, aliases, self.clock())
        return "on it: " + (", ".join(p.label() for p in people) if people else "nobody heard yet")

    def looking_at(self, incident_id: str) -> None:
        """The incident screen shows this incident ("" when it closed): the other consoles are told."""
        self._looking_at = incident_id
        self._announce_presence()

    def _announce_presence(self) -> None:
        if self.replicator is not None:
            active = self.book.active() if self.book is not None else None
            self.replicator.show(self._looking_at or (active.id if active else ""))

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)

    async def leave(self) -> None:
        """The other consoles are told this one is leaving (they drop it from who is here at once); the sync ends
        within about two seconds whatever the link does; never raises."""
        if self.replicator is not None:
            await self.replicator.stop()

    async def record(self, pending: PendingEvent) -> Event:
        """Commit an event; returns once it is durable (JournalError when it is not: nothing recorded)."""
        book = self._ready()
        write = asyncio.get_running_loop().run_in_executor(self._thread, book.record, pending)

        def announce(done: asyncio.Future[Event]) -> None:
            # Even when the caller was cancelled mid-write (its screen closed): the commit happened, and
            # the book has already folded it in, so no later poll would report it.
            if not done.cancelled() and done.exception() is None:
                self._app.post_message(IncidentsChanged({done.result().incident}))
                if self.replicator is not None:
                    self.replicator.kick()  # on its way to the other consoles now, not at the next pull

        write.add_done_callback(announce)
        return await asyncio.shield(write)

    def request(self, key: Hashable, command: Command) -> Write:
        """The write for a request a person makes (`key`: what, on what, with which input): the one kept from
        the same request's NOT SAVED, so asking again retries it, else a new one."""
        return self._unsaved.get(key) or Write(command, key)

    def prepare(self, write: Write) -> Write:
        """Plan the write now, unless it was planned (UserError says why it is refused; nothing is kept)."""
        if write.pending is None:
            write.pending = self.plan(write.command)
        return write

    async def commit(self, write: Write) -> Event:
        """The one way the UI writes the journal: plan once (waiting for the journal to open), record durably.

        Refused when planned: UserError, nothing kept. Not recorded: UserError (JournalError: NOT SAVED; a bug:
        its one line, logged), `write.error` says why and the write keeps its event, so committing it again
        records that very event: if the failed write did land, the journal returns it instead of a second one.
        """
        if write.pending is None:
            write.pending = await self.plan_when_ready(write.command)
        write.error = None
        try:
            event = await self.record(write.pending)
        except UserError as exc:
            self._keep(write, exc.message)
            raise
        except Exception as exc:
            self._keep(write, internal_reason(exc, "console: journal write"))
            raise UserError(write.error or "") from exc
        if write.key is not None:
            self._unsaved.pop(write.key, None)
        return event

    def _keep(self, write: Write, error: str) -> None:
        write.error = error
        if write.key is not None:
            self._unsaved[write.key] = write

    async def tell(self, write: Write, said: Callable[[Event], str], *, title: str = "") -> Event | None:
        """`commit`, then a toast: `said(event)`, or NOT SAVED and why (the same request again retries it)."""
        try:
            event = await self.commit(write)
        except UserError as exc:
            self._app.notify(f"NOT SAVED: {exc.message}", title=title, severity="error", markup=False)
            return None
        self._app.notify(said(event), title=title, markup=False)
        return event

    async def export(self, incident_id: str) -> list[Path]:
        """Write the post-mortem as Markdown and JSON beside the journal; return the two paths."""
        book = self._ready()

        def write() -> list[Path]:
            from tessa_tui.incidents.postmortem import postmortem, to_markdown

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
        as recorded (a contact's as configured), and announces it (`ActorChanged`)."""
        who = self.book.switch_actor(name) if self.book else check_actor(name, ":iam")
        self.actor = who
        if self.replicator is not None:
            self.replicator.presence = dataclasses.replace(self.replicator.presence, actor=who)
            self.replicator.show(self.replicator.presence.incident, again=True)
        self._app.post_message(ActorChanged(who))
        return who

    def active(self) -> Incident | None:
        return self.book.active() if self.book else None

    def clocks(self, incident: Incident) -> list[SlaTimer]:
        from tessa_tui.incidents.sla import incident_clocks  # loaded with the book

        book = self._ready()
        return incident_clocks(incident, book.pack, book.severities)

    def _all_clocks(self) -> list[SlaTimer]:
        book = self._ready()
        return [c for i in book.incidents.values() if i.is_open for c in self.clocks(i)]

    def alerts(self) -> list[str]:
        """Threshold crossings since the last call, as messages for toasts."""
        if self.book is None or self.watcher is None:
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
            self._announce_presence()

    def _announce_unreadable(self) -> None:
        """One toast when journal rows could not be read (again only when more turn up): they are skipped."""
        count = len(self.book.unreadable()) if self.book else 0
        if count > self._unreadable_seen and self.book is not None:
            self._unreadable_seen = count
            self.notice = self.book.unreadable_notice()
            self._app.notify(self.notice or "", title="Journal", severity="warning", timeout=30, markup=False)

    async def _call(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, work)
